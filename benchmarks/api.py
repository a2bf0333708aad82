"""API v1 benchmark: a 1,000,000-row published dataset through `satudata serve` (granian) and the
same data served by Datasette as SQLite, in the same run.

    uv run python benchmarks/api.py [--rows 1000000] [--requests 60] [--seconds 10]
                                    [--connections 32] [--keep DIR]

Builds a throw-away SATUDATA_HOME (SQLite metadata), generates the version with DuckDB (the data
view benchmark's generator: 11 columns — id, desa and kecamatan codes, year, sex, category, two
counts, a ratio, a date, a note — in region/year order), registers it as the published version 1
of a dataset, and writes the very same rows into a SQLite file with indexes on the filtered
columns (kode_desa, kode_kecamatan, tahun), as a careful Datasette publisher would.

Then starts both servers on 127.0.0.1 (satudata: `satudata serve --workers 2 --no-worker`;
Datasette: `datasette serve` with its defaults except a 60 s SQL time limit) and measures over
HTTP with one keep-alive connection each, requests alternating between the two servers so that
machine load hits both alike:

- warm-up: four distinct queries to each server, then a 15 s pause (satudata copies a version
  that is queried repeatedly into memory in the background; SQLite fills its page cache);
- filtered page: `kode_desa=<code>&tahun=<year>&sort=-jumlah&limit=100` (Datasette: the table
  JSON with the same filters, `_sort_desc=jumlah&_size=100`), each request a different
  (desa, year) so neither server answers from a cache;
- group_by aggregate: `tahun=<year>&group_by=<column>&aggregate=<fn>:<column>,count`
  (Datasette: the same SQL through its `?sql=` JSON API), each request a different combination;
- requests per second of a cached dataset-metadata endpoint (`/api/v1/datasets/<slug>`) under
  concurrency, with `wrk` when installed (`apt-get install wrk`), else a Python thread pool
  (which competes with the server for the 2 cores and so under-reports).

Prints a table with p50/p95 for both servers and the ratio, and the goals: filtered page p50
≤ 20 ms, aggregate p50 ≤ 100 ms, each ≥ 3x faster than Datasette, ≥ 500 requests/s cached.
Exits non-zero when a goal is missed. The machine's load average is printed before and after:
on a busy shared machine, read the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import itertools
import json
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
SLUG = "bench-api"
TOPIC = "kesehatan"
GOALS = {"page_ms": 20.0, "aggregate_ms": 100.0, "ratio": 3.0, "rps": 500.0}
DESA = [f"51.05.0{1 + d // 16}.{2001 + d % 16}" for d in range(64)]
YEARS = list(range(2015, 2025))
GROUPS = ["kode_kecamatan", "jenis_kelamin", "kategori"]
AGGREGATES = [("sum", "jumlah"), ("sum", "jumlah_kk"), ("mean", "rasio"), ("max", "jumlah")]
SQL_FUNCTIONS = {"sum": "sum", "mean": "avg", "max": "max"}


def _dataview_module():
    """The data view benchmark's generator and schema (one definition of the test data)."""
    spec = importlib.util.spec_from_file_location("bench_dataview", HERE / "dataview.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_django(home: Path) -> None:
    os.environ["SATUDATA_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SATUDATA_REDIS_URL", None)
    os.environ["SATUDATA_DEBUG"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_dataset(rows: int, home: Path, dataview) -> tuple[Path, int]:
    """The published dataset (through the catalogue service) whose version 1 is the generated
    Parquet file; returns the Parquet path and its size."""
    from satudata.accounts.services import ensure_organisation
    from satudata.catalog.services import create_dataset, ensure_topic
    from satudata.core import blobs
    from satudata.core.permissions import SYSTEM
    from satudata.warehouse import engine
    from satudata.warehouse.models import Version, VersionStatus

    organisation = ensure_organisation(SYSTEM, slug="bench", name="Dinas Benchmark", kind="dinas")
    topic = ensure_topic(TOPIC, "Kesehatan", "Health")
    dataset = create_dataset(
        SYSTEM,
        organisation=organisation,
        title="Benchmark API satu juta baris (data sintetis)",
        slug=SLUG,
        topic=topic,
        description="Synthetic benchmark data, not real statistics.",
        is_synthetic=True,
    )
    target = home / "bench.parquet"
    con = engine.connect(temp_dir=home)
    try:
        con.execute(dataview.generate_sql(rows, target))
    finally:
        con.close()
    ref = blobs.put_file(target, move=True)
    version = Version.objects.create(
        dataset=dataset,
        number=1,
        status=VersionStatus.TERBIT,
        source_filename="generated.parquet",
        source_format="parquet",
        raw_sha256=ref.sha256,
        raw_size=ref.size,
        parquet_sha256=ref.sha256,
        parquet_size=ref.size,
        table_schema={"fields": dataview.SCHEMA_FIELDS},
        row_count=rows,
        column_count=len(dataview.SCHEMA_FIELDS),
    )
    dataset.published_version = version
    dataset.state = "published"
    dataset.save(update_fields=["published_version", "state"])
    return blobs.blob_path(ref.sha256), ref.size


def write_sqlite(parquet: Path, target: Path, fields: list[dict]) -> float:
    """The same rows as a SQLite table `data`, with indexes on the filtered columns."""
    from satudata.warehouse import engine

    started = time.perf_counter()
    names = [f["name"] for f in fields]
    sql_types = {"integer": "INTEGER", "year": "INTEGER", "number": "REAL"}
    columns = ", ".join(f'"{f["name"]}" {sql_types.get(f["type"], "TEXT")}' for f in fields)
    # `id` as the table's primary key (its rowid), as Datasette users set it up.
    columns = columns.replace('"id" INTEGER', '"id" INTEGER PRIMARY KEY', 1)
    db = sqlite3.connect(target)
    db.execute(f"CREATE TABLE data ({columns})")
    con = engine.connect()
    try:
        selected = ", ".join(
            f'CAST("{f["name"]}" AS VARCHAR)' if f["type"] == "date" else f'"{f["name"]}"'
            for f in fields
        )
        con.execute(f"SELECT {selected} FROM read_parquet(?) ORDER BY id", [str(parquet)])
        placeholders = ", ".join("?" for _ in names)
        while rows := con.fetchmany(100_000):
            db.executemany(f"INSERT INTO data VALUES ({placeholders})", rows)
    finally:
        con.close()
    for column in ("kode_desa", "kode_kecamatan", "tahun"):
        db.execute(f'CREATE INDEX data_{column} ON data ("{column}")')
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - started


def wait_for(port: int, path: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} stopped (exit code {process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not answer within {seconds:.0f} s")


def start_servers(home: Path, sqlite_path: Path) -> tuple[list[subprocess.Popen], int, int]:
    ours, theirs = free_port(), free_port()
    env = {**os.environ, "SATUDATA_HOME": str(home), "SATUDATA_LOG_LEVEL": "ERROR"}
    bin_dir = Path(sys.executable).parent
    satudata = subprocess.Popen(
        [str(bin_dir / "satudata"), "serve", "--port", str(ours), "--workers", "2", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    datasette = subprocess.Popen(
        [
            str(bin_dir / "datasette"),
            "serve",
            str(sqlite_path),
            "--port",
            str(theirs),
            # Its 1 s default stops aggregates over 1M rows on a busy machine; the comparison
            # needs answers, so allow a minute.
            "--setting",
            "sql_time_limit_ms",
            "60000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes = [satudata, datasette]
    try:
        wait_for(ours, "/api/v1/organisations", satudata)
        wait_for(theirs, "/-/versions.json", datasette)
    except BaseException:
        stop(processes)
        raise
    return processes, ours, theirs


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


class Client:
    """One keep-alive HTTP connection; `get` returns (milliseconds, status, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        try:
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            body = response.read()
        return (time.perf_counter() - started) * 1000, response.status, body


def page_paths(count: int) -> list[tuple[str, str]]:
    pairs = list(itertools.product(DESA, YEARS))
    step = max(1, len(pairs) // count)
    found = []
    for desa, year in pairs[::step][:count]:
        ours = f"/api/v1/datasets/{SLUG}/rows?" + urlencode(
            {"kode_desa": desa, "tahun": year, "sort": "-jumlah", "limit": 100}
        )
        theirs = "/bench/data.json?" + urlencode(
            {
                "kode_desa": desa,
                "tahun": year,
                "_sort_desc": "jumlah",
                "_size": 100,
                "_shape": "objects",
            }
        )
        found.append((ours, theirs))
    return found


def aggregate_paths(count: int) -> list[tuple[str, str]]:
    combinations = list(itertools.product(YEARS, GROUPS, AGGREGATES))
    found = []
    for year, group, (fn, column) in combinations[:count]:
        ours = f"/api/v1/datasets/{SLUG}/rows?" + urlencode(
            {"tahun": year, "group_by": group, "aggregate": f"{fn}:{column},count"}
        )
        sql = (
            f'SELECT "{group}", {SQL_FUNCTIONS[fn]}("{column}") AS "{fn}_{column}", '
            f'count(*) AS "count" FROM data WHERE tahun = :tahun GROUP BY "{group}" '
            f'ORDER BY "{group}"'
        )
        theirs = "/bench.json?" + urlencode({"sql": sql, "tahun": year, "_shape": "objects"})
        found.append((ours, theirs))
    return found


def measure(ours: Client, theirs: Client, paths: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Alternate the two servers request by request; every answer must be a 200."""
    times: dict[str, list[float]] = {"satudata": [], "datasette": []}
    for our_path, their_path in paths:
        for name, client, path in (("satudata", ours, our_path), ("datasette", theirs, their_path)):
            ms, status, body = client.get(path)
            if status != 200:
                raise SystemExit(f"{name} answered {status} for {path}: {body[:300]!r}")
            times[name].append(ms)
    return times


def check_same_answer(ours: Client, theirs: Client, paths: tuple[str, str]) -> None:
    """Both servers must return the same rows, or the comparison means nothing."""
    _ms, _status, our_body = ours.get(paths[0])
    _ms, _status, their_body = theirs.get(paths[1])
    our_rows = json.loads(our_body)["data"]
    parsed = json.loads(their_body)
    their_rows = parsed["rows"] if isinstance(parsed, dict) else parsed
    key = "id" if our_rows and "id" in our_rows[0] else None

    def normal(rows: list[dict]) -> list[tuple]:
        found = [
            tuple(round(v, 6) if isinstance(v, float) else v for v in r.values()) for r in rows
        ]
        return sorted(found) if key is None else found

    if normal(our_rows) != normal(their_rows):
        raise SystemExit(f"the two servers disagree on {paths[0]}")


def requests_per_second(port: int, path: str, seconds: int, connections: int) -> tuple[float, str]:
    url = f"http://127.0.0.1:{port}{path}"
    wrk = shutil.which("wrk")
    if wrk:
        threads = str(min(2, connections))
        out = subprocess.run(
            [wrk, "-t", threads, "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors:
            raise SystemExit(f"wrk saw {errors.group(1)} error responses from {path}")
        return rate, f"wrk, {connections} connections, {threads} threads, {seconds} s"
    return _python_load(port, path, seconds, connections), (
        f"Python threads, {connections} connections, {seconds} s (wrk not installed)"
    )


def _python_load(port: int, path: str, seconds: int, connections: int) -> float:
    done = [0] * connections
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        client = Client(port)
        while time.monotonic() < deadline:
            _ms, status, _body = client.get(path)
            if status != 200:
                raise SystemExit(f"{status} from {path}")
            done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> int:
    home = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="satudata-bench-api-"))
    home.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []
    try:
        setup_django(home)
        dataview = _dataview_module()
        started = time.perf_counter()
        parquet, size = make_dataset(args.rows, home, dataview)
        generated = time.perf_counter() - started
        sqlite_path = home / "bench.db"
        copied = write_sqlite(parquet, sqlite_path, dataview.SCHEMA_FIELDS)
        print(
            f"dataset: {args.rows:,} rows, {len(dataview.SCHEMA_FIELDS)} columns; Parquet "
            f"{size / 2**20:.0f} MiB (generated in {generated:.1f} s); SQLite "
            f"{sqlite_path.stat().st_size / 2**20:.0f} MiB with indexes (written in {copied:.1f} s)"
        )
        from django.db import connections

        connections.close_all()
        processes, our_port, their_port = start_servers(home, sqlite_path)
        ours, theirs = Client(our_port), Client(their_port)
        pages, aggregates = page_paths(args.requests), aggregate_paths(args.requests)
        check_same_answer(ours, theirs, pages[0])
        check_same_answer(ours, theirs, aggregates[0])
        # Warm-up, the same for both: a few distinct queries (opens DuckDB readers, fills
        # SQLite's page cache; satudata copies a version it is asked about repeatedly into
        # memory, in the background — given a few seconds here, as on a running server).
        warm = [
            (f"/api/v1/datasets/{SLUG}/rows?limit={n}", f"/bench/data.json?_size={n}")
            for n in (1, 2, 3, 4)
        ]
        measure(ours, theirs, warm)
        time.sleep(args.warm_seconds)
        load_before = os.getloadavg()[0]
        print(f"load average before: {load_before:.1f} (2 cores; a busy machine inflates times)")
        page_times = measure(ours, theirs, pages)
        aggregate_times = measure(ours, theirs, aggregates)
        cached = [ours.get(pages[0][0])[0] for _ in range(args.requests)]
        metadata = f"/api/v1/datasets/{SLUG}"
        for _ in range(20):  # fill both workers' caches
            ours.get(metadata)
        rps, how = requests_per_second(our_port, metadata, args.seconds, args.connections)
        load_after = os.getloadavg()[0]

        print(
            f"\n{'case':<34} {'satudata p50':>12} {'p95':>8} {'Datasette p50':>14} "
            f"{'p95':>8} {'ratio':>7}"
        )
        results = {}
        for label, times in (
            (f"filtered page ({len(pages)} queries)", page_times),
            (f"group_by aggregate ({len(aggregates)} queries)", aggregate_times),
        ):
            ours_p50 = statistics.median(times["satudata"])
            theirs_p50 = statistics.median(times["datasette"])
            ratio = theirs_p50 / ours_p50
            results[label] = (ours_p50, ratio)
            print(
                f"{label:<34} {ours_p50:>9.1f} ms {percentile(times['satudata'], 0.95):>5.1f} ms "
                f"{theirs_p50:>11.1f} ms {percentile(times['datasette'], 0.95):>5.1f} ms "
                f"{ratio:>6.1f}x"
            )
        print(f"{'same filtered page again (cached)':<34} {statistics.median(cached):>9.1f} ms")
        print(f"\ncached dataset metadata {metadata}: {rps:,.0f} requests/s ({how})")
        print(f"load average after: {load_after:.1f}")

        (page_ms, page_ratio), (agg_ms, agg_ratio) = results.values()
        checks = [
            (f"filtered page p50 ≤ {GOALS['page_ms']:.0f} ms", page_ms <= GOALS["page_ms"]),
            (f"aggregate p50 ≤ {GOALS['aggregate_ms']:.0f} ms", agg_ms <= GOALS["aggregate_ms"]),
            (f"filtered page ≥ {GOALS['ratio']:.0f}x Datasette", page_ratio >= GOALS["ratio"]),
            (f"aggregate ≥ {GOALS['ratio']:.0f}x Datasette", agg_ratio >= GOALS["ratio"]),
            (f"cached metadata ≥ {GOALS['rps']:.0f} requests/s", rps >= GOALS["rps"]),
        ]
        print()
        for label, ok in checks:
            print(f"goal: {label:<40} {'OK' if ok else 'MISSED'}")
        return 0 if all(ok for _label, ok in checks) else 1
    finally:
        stop(processes)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60, help="queries per case")
    parser.add_argument("--seconds", type=int, default=10, help="duration of the load test")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    parser.add_argument(
        "--warm-seconds", type=float, default=15, help="pause after the warm-up queries"
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.exit(main())
