"""Monitoring benchmark: /monitoring/ server time with 60 agencies x 2,000 promises on SQLite.

    uv run python benchmarks/monitoring.py [--agencies 60] [--promises 2000] [--repeat 15]

Builds a throw-away SATUDATA_HOME (SQLite), fills it in bulk: per agency 200 datasets with 1-3
versions each (some with validation errors, some drafts) and review transitions, and a Daftar
Data with `--promises` promises (yearly, semester, quarterly and monthly periods, most linked to
a dataset). Then times requests through Django's test Client as a walidata — the whole server
side (routing, middleware, permission checks, SQL, templates). Prints p50/p95/max wall-clock and
the queries per page, CPU time of the serving process and each page's CPU time as a multiple of a
plain logged-in page's in the same run (`x ref`, steadier than wall-clock on a shared machine).
"dashboard, cold" first invalidates the cached promise counts (as any change to a promise or a
delivery does) before each request; "monitoring dashboard" is a repeated visit;
exits non-zero when p95 of the dashboard is above the target (SATUDATA_BENCH_TARGET_MS, default
200). `--home DIR` keeps the seeded database for the next run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TARGET_MS = float(os.environ.get("SATUDATA_BENCH_TARGET_MS", "200"))
DATASETS_PER_AGENCY = 200
REFERENCE = "reference: /akun/"
COLD = "dashboard, cold"


def _invalidate() -> None:
    """What any change to a promise or a delivery does: the cached counts are stale."""
    from django.db import transaction

    from satudata.monitoring.deliveries import bump_generation

    with transaction.atomic():
        bump_generation()


def _setup_django(home: Path) -> None:
    os.environ["SATUDATA_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUDATA_DEBUG"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(agencies: int, promises: int) -> object:
    from django.utils import timezone

    from satudata.accounts.models import Membership, Organisation, User
    from satudata.catalog.models import Dataset
    from satudata.monitoring.deliveries import refresh_deliveries
    from satudata.monitoring.models import DaftarData, DataPromise
    from satudata.monitoring.periods import Frequency
    from satudata.warehouse.models import Version
    from satudata.workflow.models import Transition

    rng = random.Random(5)
    now = timezone.now()
    year = timezone.localdate().year
    orgs = Organisation.objects.bulk_create(
        Organisation(slug=f"opd-{i:02d}", name=f"Dinas Uji {i:02d}", kind="dinas")
        for i in range(agencies)
    )
    walidata = User.objects.create_user("bench_walidata", password="x")
    Membership.objects.create(user=walidata, organisation=orgs[0], role="walidata")
    datasets = Dataset.objects.bulk_create(
        Dataset(
            slug=f"ds-{o.pk}-{j}",
            title=f"Dataset {j} {o.name}",
            organisation=o,
            completeness=rng.randint(30, 100),
        )
        for o in orgs
        for j in range(DATASETS_PER_AGENCY)
    )
    versions = []
    for dataset in datasets:
        for number in range(1, rng.randint(1, 3) + 1):
            versions.append(
                Version(
                    dataset=dataset,
                    number=number,
                    status=rng.choice(["terbit", "terbit", "diajukan", "draft"]),
                    raw_sha256=f"{dataset.pk:032d}{number:032d}",
                    error_count=rng.choice([0, 0, 0, 2]),
                )
            )
    versions = Version.objects.bulk_create(versions, batch_size=2000)
    # Spread version times over the last 18 months.
    for version in versions:
        version.created_at = now - timedelta(days=rng.randint(0, 540))
    Version.objects.bulk_update(versions, ["created_at"], batch_size=2000)
    transitions = []
    for version in versions[::3]:
        start = version.created_at
        transitions.append(
            Transition(
                version=version,
                dataset_id=version.dataset_id,
                action="submit",
                from_status="draft",
                to_status="diajukan",
                created_at=start,
            )
        )
        waited = rng.randint(1, 200)
        transitions.append(
            Transition(
                version=version,
                dataset_id=version.dataset_id,
                action=rng.choice(["verify", "return"]),
                from_status="diajukan",
                to_status="diverifikasi",
                tier=1,
                created_at=start + timedelta(hours=waited),
                review_hours=float(waited),  # as workflow.services records a first decision
            )
        )
    Transition.objects.bulk_create(transitions, batch_size=2000)
    by_org: dict[int, list] = {}
    for dataset in datasets:
        by_org.setdefault(dataset.organisation_id, []).append(dataset)
    frequencies = [Frequency.YEARLY, Frequency.SEMESTER, Frequency.QUARTERLY, Frequency.MONTHLY]
    rows = []
    for org in orgs:
        daftar = DaftarData.objects.create(organisation=org, year=year)
        for k in range(promises):
            frequency = frequencies[k % 4]
            count = {Frequency.YEARLY: 1, Frequency.SEMESTER: 2, Frequency.QUARTERLY: 4}.get(
                frequency, 12
            )
            promise = DataPromise(
                daftar=daftar,
                organisation=org,
                title=f"Janji {k}",
                dataset=rng.choice(by_org[org.pk]) if k % 5 else None,
                frequency=frequency,
                period_year=year - 1 if frequency == Frequency.YEARLY else year,
                period_number=0 if count == 1 else rng.randint(1, count),
            )
            promise.compute_dates()
            rows.append(promise)
    DataPromise.objects.bulk_create(rows, batch_size=5000)
    refresh_deliveries()  # bulk_create skips the signals that keep delivered_at
    return walidata


def _load() -> str:
    """The machine's load average (1, 5, 15 min): wall-clock times mean little without it."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _time(client, url: str, repeat: int, before=None) -> tuple[list[float], list[float], int, int]:
    from django.db import connection

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # (Django resets its own query log when a request starts, so count with a wrapper.)
    with connection.execute_wrapper(count):
        response = client.get(url)
    queries = statements
    assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu, len(queries), len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=60)
    parser.add_argument("--promises", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--home",
        type=Path,
        help="keep the seeded database in this folder and reuse it on the next run",
    )
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="sd-bench-monitoring-"))
    try:
        started = time.perf_counter()
        reuse = args.home is not None and (home / "satudata.sqlite3").exists()
        _setup_django(home)
        if reuse:
            from satudata.accounts.models import User

            walidata = User.objects.get(username="bench_walidata")
            print(f"reusing the seeded database in {home}", flush=True)
        else:
            walidata = _seed(args.agencies, args.promises)
            print(
                f"seeded {args.agencies} agencies x {args.promises} promises "
                f"in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        from django.test import Client

        client = Client(HTTP_ACCEPT_LANGUAGE="id")
        client.force_login(walidata)
        pages = [
            # The same run's baseline: a plain logged-in page (middleware, session, base
            # template, bell). Its ratio says how much heavier a page is, whatever the load.
            (REFERENCE, "/akun/"),
            (COLD, "/monitoring/"),
            ("monitoring dashboard", "/monitoring/"),
            ("agency drill-down", "/monitoring/opd-07/"),
            ("scorecard XLSX", "/monitoring/skor.xlsx"),
            ("Daftar Data list", "/daftar-data/"),
        ]
        print(f"load average before: {_load()}")
        print(
            f"{'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p50':>8} "
            f"{'x ref':>6} {'queries':>8} {'KB':>7}"
        )
        failed = False
        reference = None
        for label, url in pages:
            before = _invalidate if label == COLD else None
            times, cpu, queries, size = _time(client, url, args.repeat, before)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            cpu_p50 = statistics.median(cpu)
            reference = reference or cpu_p50
            print(
                f"{label:<24} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f} "
                f"{cpu_p50:8.1f} {cpu_p50 / reference:6.1f} {queries:8d} {size / 1024:7.1f}"
            )
            if label in (COLD, "monitoring dashboard") and p95 > TARGET_MS:
                failed = True
        print(f"load average after: {_load()}")
        print(f"target: dashboard p95 <= {TARGET_MS:.0f} ms -> {'FAIL' if failed else 'ok'}")
        return 1 if failed else 0
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
