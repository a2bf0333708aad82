"""API gateway benchmark: what keys, rate limits and the request log cost a request, and what a
push costs next to the plain upload ingest of the same rows.

    uv run python benchmarks/api_gateway.py [--requests 2000] [--rows 20000]

Builds a throw-away SATUDATA_HOME (SQLite), then in one run:
1. the same cheap API request (`/api/3/action/status_show`) through Django's full handler with
   and without `ApiMiddleware`, anonymous and with a key, requests alternating between the two
   handlers so machine load hits both alike — p50/p95 in microseconds and the difference;
2. writing the buffered log: entries per second of `requestlog.flush()` (off the request path);
3. a push of `--rows` JSON rows (mode=replace) against `warehouse.services.ingest_upload` of
   the same rows as CSV (the upload path it reuses): p50 of 3 each, and the ratio.
Prints a table and `uptime` (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

PROBE = "/api/3/action/status_show"


def _setup(home: Path) -> None:
    os.environ["SATUDATA_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SATUDATA_REDIS_URL", None)
    os.environ["SATUDATA_DEBUG"] = ""
    os.environ["SATUDATA_API_RATE_PER_IP"] = "0"  # measure the counting, not refusals
    os.environ["SATUDATA_API_RATE_PER_KEY"] = "1000000/60"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _client(with_middleware: bool):
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    middleware = [m for m in settings.MIDDLEWARE if with_middleware or "ApiMiddleware" not in m]
    client = Client()
    with override_settings(MIDDLEWARE=middleware):
        client.get(PROBE)  # builds the handler's middleware chain now, under these settings
    return client


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_middleware(requests: int, key: str) -> list[tuple[str, float, float, float, float]]:
    from satudata.api import requestlog

    plain, gated = _client(False), _client(True)
    results = []
    for label, headers in (("anonymous", {}), ("with key", {"HTTP_X_API_KEY": key})):
        times: dict[str, list[float]] = {"plain": [], "gated": []}
        for n in range(requests):
            for name, client in (("plain", plain), ("gated", gated)):
                started = time.perf_counter()
                response = client.get(PROBE, **headers)
                times[name].append((time.perf_counter() - started) * 1e6)
                assert response.status_code == 200, response.content
            if n % 500 == 0:
                requestlog.flush()
        requestlog.flush()
        results.append(
            (
                label,
                statistics.median(times["plain"]),
                statistics.median(times["gated"]),
                _pct(times["plain"], 0.95),
                _pct(times["gated"], 0.95),
            )
        )
    return results


def bench_flush(entries: int) -> float:
    from django.utils import timezone

    from satudata.api import requestlog

    now = timezone.now()
    for i in range(entries):
        requestlog.record(
            {
                "created_at": now,
                "method": "GET",
                "path": f"/api/v1/x/{i}",
                "status": 200,
                "duration_ms": 1.0,
                "token_id": None,
                "user_id": None,
            }
        )
    started = time.perf_counter()
    written = requestlog.flush()
    elapsed = time.perf_counter() - started
    assert written == entries
    return entries / elapsed


def bench_push(rows: int, key: str, dataset) -> tuple[float, float]:
    from django.test import Client

    from satudata.core.permissions import SYSTEM
    from satudata.warehouse import services

    records = [
        {"kode_wilayah": f"51.05.{i % 4 + 1:02d}", "nama": f"Baris {i}", "jumlah": i % 997}
        for i in range(rows)
    ]
    client = Client()
    push_times, upload_times = [], []
    for attempt in range(3):
        # A different last value each time, so every push/upload makes a new version.
        records[-1]["jumlah"] = 100_000 + attempt
        body = json.dumps(records)
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/{dataset.topic.slug}/{dataset.slug}?mode=replace",
            data=body,
            content_type="application/json",
            HTTP_X_API_KEY=key,
        )
        push_times.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:500]
        records[-1]["jumlah"] = 200_000 + attempt
        csv_body = "kode_wilayah,nama,jumlah\n" + "".join(
            f"{r['kode_wilayah']},{r['nama']},{r['jumlah']}\n" for r in records
        )
        started = time.perf_counter()
        result = services.ingest_upload(
            SYSTEM, dataset, filename="upload.csv", data=csv_body.encode(), message="bench"
        )
        upload_times.append(time.perf_counter() - started)
        assert result.created
    return statistics.median(push_times), statistics.median(upload_times)


def _world():
    from satudata.accounts import services as accounts
    from satudata.catalog import services as catalog
    from satudata.core.permissions import SYSTEM

    org = accounts.ensure_organisation(SYSTEM, slug="dinkes", name="Dinas Kesehatan", kind="dinas")
    user = accounts.ensure_user(SYSTEM, username="bench", password="Bench-Klungkung-2024!")
    accounts.ensure_membership(SYSTEM, user, org, "produsen")
    topic = catalog.ensure_topic("kesehatan", "Kesehatan", "Health")
    dataset = catalog.create_dataset(
        SYSTEM, organisation=org, title="Data bench", classification="publik", topic=topic
    )
    _, key = accounts.create_api_token(user, name="bench", scope="write")
    return key, dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--log-entries", type=int, default=20000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="satudata-bench-gateway-"))
    try:
        _setup(home)
        key, dataset = _world()
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"load before: {load}")
        rows = bench_middleware(args.requests, key)
        print(f"\n1. {PROBE}, {args.requests} requests each, Django handler in-process")
        print(
            f"{'caller':<12}{'p50 without':>14}{'p50 with':>12}{'added p50':>12}"
            f"{'p95 without':>14}{'p95 with':>12}"
        )
        for label, p50a, p50b, p95a, p95b in rows:
            print(
                f"{label:<12}{p50a:>12.0f}µs{p50b:>10.0f}µs{p50b - p50a:>10.0f}µs"
                f"{p95a:>12.0f}µs{p95b:>10.0f}µs"
            )
        rate = bench_flush(args.log_entries)
        print(
            f"\n2. request log flush: {rate:,.0f} entries/s ({1e6 / rate:.1f} µs per entry, "
            "written after the response)"
        )
        push_s, upload_s = bench_push(args.rows, key, dataset)
        print(
            f"\n3. {args.rows:,} rows: push (JSON over HTTP, replace) p50 {push_s * 1000:.0f} ms; "
            f"ingest_upload of the same rows as CSV p50 {upload_s * 1000:.0f} ms; "
            f"ratio push/upload {push_s / upload_s:.2f}"
        )
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"\nload after: {load}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
