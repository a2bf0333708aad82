"""Regions benchmark: the full Kemendagri load (91,599 codes) on a fresh SQLite database.

    uv run python benchmarks/regions.py [--repeat 20] [--database-url postgres://…/empty_db]

Creates a throw-away SATUDATA_HOME (SQLite unless --database-url names an empty database),
migrates, then times each loader step (reading the packaged file, the first load of all codes,
boundaries, BPS bridge), a second `load_all()` that must change nothing, and the region pages
through Django's test Client. Prints a small table; exits non-zero when the first full load takes
longer than SATUDATA_BENCH_REGIONS_MAX_S (default 10 s, the bound of issue 3).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LOAD_MAX_S = float(os.environ.get("SATUDATA_BENCH_REGIONS_MAX_S", "10"))
PAGES = ("/wilayah/51.05", "/wilayah/51.05.01", "/wilayah/51.05.01.2001", "/wilayah/51.05.geojson")


def _setup_django(home: Path, database_url: str | None) -> None:
    os.environ["SATUDATA_HOME"] = str(home)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["SATUDATA_DEBUG"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(step: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def _page_times(path: str, repeat: int) -> tuple[list[float], int]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    reset_queries()  # the log is a bounded deque; start empty so the capture is not cut off
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    # Read now: the capture slices the live log, which the next request resets.
    query_count = len(queries)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        seconds, _response = _timed(lambda: client.get(path))
        times.append(seconds * 1000)
    return times, query_count


def _run(args: argparse.Namespace) -> int:
    home = Path(tempfile.mkdtemp(prefix="satudata-bench-regions-"))
    try:
        _setup_django(home, args.database_url)
        from django.db import connection

        from satudata.regions import loader
        from satudata.regions.models import Region

        if Region.objects.exists():
            raise SystemExit("the database already holds regions; give an empty one")
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")

        read_s, rows = _timed(loader.read_region_rows)
        load_s, result = _timed(lambda: loader.sync_regions(rows, source="benchmark"))
        boundaries_s, boundaries = _timed(loader.load_boundaries)
        bridge_s, bridged = _timed(loader.load_bps_bridge)
        again_s, again = _timed(loader.load_all)
        full_s = read_s + load_s + boundaries_s + bridge_s

        print()
        print(f"{'step':<44} {'seconds':>8} {'rows':>8}")
        print("-" * 62)
        print(f"{'read + check the packaged list':<44} {read_s:8.2f} {len(rows):8d}")
        print(f"{'insert all codes (first load)':<44} {load_s:8.2f} {result.created:8d}")
        print(f"{'attach boundaries':<44} {boundaries_s:8.2f} {boundaries:8d}")
        print(f"{'BPS bridge':<44} {bridge_s:8.2f} {bridged:8d}")
        print(f"{'full first load (sum)':<44} {full_s:8.2f} {Region.objects.count():8d}")
        changed = again["regions_created"] + again["regions_updated"]
        print(f"{'second load_all() (changes: ' + str(changed) + ')':<44} {again_s:8.2f}")

        print()
        print(f"{'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
        print("-" * 66)
        for path in PAGES:
            times, queries = _page_times(path, args.repeat)
            print(
                f"{path:<30} {statistics.median(times):8.1f} {_percentile(times, 0.95):8.1f}"
                f" {max(times):8.1f} {queries:8d}"
            )

        print()
        if changed:
            print(f"FAIL: the second load changed {changed} rows")
            return 1
        if full_s > LOAD_MAX_S:
            print(f"FAIL: the full load took {full_s:.1f} s (bound {LOAD_MAX_S:.0f} s)")
            return 1
        print(
            f"OK: full load {full_s:.1f} s (bound {LOAD_MAX_S:.0f} s); second load changed nothing"
        )
        return 0
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--database-url",
        help="an EMPTY database to use instead of a fresh SQLite file (e.g. PostgreSQL)",
    )
    return _run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
