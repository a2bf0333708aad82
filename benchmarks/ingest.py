"""Ingest benchmark: Satu Data import+validate+Parquet against frictionless and plain DuckDB.

    uv run python benchmarks/ingest.py [--rows 1000000] [--frictionless-rows 100000]

Generates a CSV of `--rows` rows and 10 columns (Klungkung desa codes and their official names,
year, month, a running number, counts and amounts) and a Table Schema for it (types, required,
minimum/maximum, enum, a primary key, the desa code as a foreign key to the region list), then
measures, each in a child process of its own (so its peak memory is its own ru_maxrss):

1. Satu Data: `warehouse.services.ingest_upload(…, schema=…)` — the real pipeline (receive and
   hash, sniff, read, validate every check, typed Parquet, rows with problems, the version row)
   on a migrated throw-away home folder with the region list loaded (set-up not timed; one
   3-row import first warms the process up, as in a running server);
2. frictionless: `validate()` of the same file with the same schema (its foreign key pointing at
   a CSV of every desa code), on the whole file; with `--frictionless-rows N` only on the first
   N/2 and N rows, the time extrapolated linearly from the two (the output says so);
3. DuckDB: `COPY (SELECT * FROM read_csv(file)) TO 'x.parquet'`, nothing else.

Prints a table and the ratios against the goals of issue 4 (Satu Data ≥ 20x faster than
frictionless, ≤ 4x the plain DuckDB copy, peak memory ≤ 1.5 GB); exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARM_UP_CSV = (
    "kode_desa,nama_desa,tahun,bulan,nomor,laki_laki,perempuan,jumlah,luas_km2,status\n"
    "51.05.01.2001,Sakti,2020,1,1,10,12,22,5.5,desa\n"
)
GOAL_VS_FRICTIONLESS = 20.0
GOAL_VS_DUCKDB = 4.0
GOAL_PEAK_MB = 1536.0
DESA_LEVEL = "desa"
DATA_NAME = "desa_bulanan.csv"


# --- the generated file ---------------------------------------------------------------------


def schema_for_benchmark() -> dict:
    return {
        "fields": [
            {
                "name": "kode_desa",
                "type": "string",
                "regionLevel": DESA_LEVEL,
                "constraints": {"required": True},
            },
            {"name": "nama_desa", "type": "string"},
            {"name": "tahun", "type": "year", "constraints": {"required": True}},
            {
                "name": "bulan",
                "type": "integer",
                "constraints": {"required": True, "minimum": 1, "maximum": 12},
            },
            {"name": "nomor", "type": "integer", "constraints": {"minimum": 1}},
            {"name": "laki_laki", "type": "integer", "constraints": {"minimum": 0}},
            {"name": "perempuan", "type": "integer", "constraints": {"minimum": 0}},
            {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
            {"name": "luas_km2", "type": "number", "constraints": {"minimum": 0}},
            {
                "name": "status",
                "type": "string",
                "constraints": {"enum": ["desa", "kelurahan"]},
            },
        ],
        "primaryKey": ["kode_desa", "tahun", "bulan", "nomor"],
        "missingValues": [""],
    }


def _packaged_regions() -> Path:
    return (
        Path(__file__).resolve().parents[1]
        / "src/satudata/regions/data/indonesia_wilayah_kemendagri_2025.csv.gz"
    )


def generate(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """The CSV, its schema and the desa list (for frictionless), made by DuckDB in seconds."""
    import duckdb

    data, schema_path, desa = folder / DATA_NAME, folder / "schema.json", folder / "desa.csv"
    regions = str(_packaged_regions()).replace("'", "''")
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE regions AS SELECT kode, nama, level FROM "
        f"read_csv('{regions}', header = true, all_varchar = true)"
    )
    con.execute(
        f"COPY (SELECT kode FROM regions WHERE length(kode) = 13 ORDER BY kode) "
        f"TO '{desa}' (HEADER)"
    )
    con.execute(
        "CREATE TABLE villages AS SELECT row_number() OVER (ORDER BY kode) - 1 AS i, kode, nama, "
        "CASE WHEN level = 'kelurahan' THEN 'kelurahan' ELSE 'desa' END AS status "
        "FROM regions WHERE kode LIKE '51.05.%' AND length(kode) = 13"
    )
    villages = con.execute("SELECT count(*) FROM villages").fetchall()[0][0]
    # Each (desa, year, month) has `per_month` running numbers, so the key is unique.
    per_month = max(1, -(-rows // (villages * 25 * 12)))
    con.execute(
        f"""
        COPY (
            SELECT v.kode AS kode_desa, v.nama AS nama_desa,
                2000 + (r // (villages * 12 * {per_month})) % 25 AS tahun,
                1 + (r // (villages * {per_month})) % 12 AS bulan,
                1 + (r // {villages}) % {per_month} AS nomor,
                hash(r) % 5000 AS laki_laki, hash(r + 1) % 5000 AS perempuan,
                hash(r) % 5000 + hash(r + 1) % 5000 AS jumlah,
                round((hash(r + 2) % 100000) / 100.0, 2) AS luas_km2, v.status
            FROM (SELECT r, {villages} AS villages FROM range({rows}) t(r)) g
            JOIN villages v ON v.i = g.r % g.villages
            ORDER BY r
        ) TO '{data}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    schema_path.write_text(json.dumps(schema_for_benchmark(), indent=2), encoding="utf-8")
    return data, schema_path, desa


# --- children -------------------------------------------------------------------------------


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (DuckDB's too), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _setup_django(home: Path) -> None:
    os.environ["SATUDATA_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUDATA_DEBUG"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()


def child_prepare(home: Path) -> dict:
    """Migrate a fresh home and create the agency and the dataset (not timed)."""
    _setup_django(home)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from satudata.regions.loader import load_regions

    load_regions()  # as on a real installation: the foreign key is checked against the database
    from satudata.accounts.services import ensure_organisation
    from satudata.catalog.services import create_dataset
    from satudata.core.permissions import SYSTEM

    organisation = ensure_organisation(
        SYSTEM, slug="dinas-bench", name="Dinas Benchmark", kind="dinas"
    )
    dataset = create_dataset(
        SYSTEM, organisation=organisation, title="Benchmark desa bulanan", slug="bench-desa"
    )
    create_dataset(SYSTEM, organisation=organisation, title="Pemanasan", slug="bench-warm-up")
    return {"dataset": dataset.slug}


def child_satudata(home: Path, data: Path, schema_path: Path) -> dict:
    _setup_django(home)
    from satudata.catalog.models import Dataset
    from satudata.core.permissions import SYSTEM
    from satudata.warehouse.services import ingest_upload

    dataset = Dataset.objects.get(slug="bench-desa")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    # A running server has its modules loaded and caches warm: one small import first (its own
    # dataset), so the timed import does not pay Python's one-time imports and set-ups.
    warm = Dataset.objects.get(slug="bench-warm-up")
    ingest_upload(
        SYSTEM, warm, filename="warm.csv", data=WARM_UP_CSV.encode(), schema=schema_for_benchmark()
    )
    stages: dict[str, float] = {}
    last = [time.perf_counter()]

    def on_stage(name: str) -> None:
        now = time.perf_counter()
        stages[name] = now
        last[0] = now

    started, cpu = time.perf_counter(), _cpu()
    result = ingest_upload(
        SYSTEM, dataset, filename=data.name, data=data, schema=schema, on_stage=on_stage
    )
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    version = result.version
    marks = sorted(stages.items(), key=lambda item: item[1])
    steps = {}
    for (name, at), nxt in zip(marks, [*marks[1:], ("end", started + seconds)], strict=True):
        steps[name] = round(nxt[1] - at, 3)
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "rows": version.row_count,
        "errors": version.error_count,
        "warnings": version.warning_count,
        "warning_types": version.report.get("stats", {}).get("warning_types", {}),
        "error_types": version.report.get("stats", {}).get("error_types", {}),
        "steps": steps,
    }


def child_frictionless(data: Path, schema_path: Path, desa: Path, rows: int) -> dict:
    from frictionless import Package, Resource, Schema, validate

    folder = data.parent
    source = data
    if rows:
        source = folder / f"slice_{rows}.csv"
        with data.open("rb") as full, source.open("wb") as part:
            for count, line in enumerate(full):
                if count > rows:
                    break
                part.write(line)
    descriptor = json.loads(schema_path.read_text(encoding="utf-8"))
    for field in descriptor["fields"]:
        field.pop("regionLevel", None)
    descriptor["foreignKeys"] = [
        {"fields": ["kode_desa"], "reference": {"resource": "wilayah", "fields": ["kode"]}}
    ]
    package = Package(
        resources=[
            Resource(name="data", path=source.name, schema=Schema.from_descriptor(descriptor)),
            Resource(name="wilayah", path=desa.name),
        ],
        basepath=str(folder),
    )
    started, cpu = time.perf_counter(), _cpu()
    report = validate(package.get_resource("data"), limit_errors=1000)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    task = report.tasks[0]
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "rows": task.stats.get("rows"),
        "errors": len(task.errors),
        "valid": report.valid,
    }


def child_duckdb(data: Path, folder: Path) -> dict:
    import duckdb

    threads = int(os.environ.get("SATUDATA_DUCKDB_THREADS", "2"))
    con = duckdb.connect(config={"threads": threads})
    target = str(folder / "plain.parquet").replace("'", "''")
    path = str(data).replace("'", "''")
    started, cpu = time.perf_counter(), _cpu()
    con.execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{target}' (FORMAT parquet)")
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    rows = con.execute(f"SELECT count(*) FROM '{target}'").fetchall()[0][0]
    return {"seconds": seconds, "cpu_s": cpu, "rows": rows}


def _child_main(argv: list[str]) -> int:
    kind, *rest = argv
    if kind == "prepare":
        result = child_prepare(Path(rest[0]))
    elif kind == "satudata":
        result = child_satudata(Path(rest[0]), Path(rest[1]), Path(rest[2]))
    elif kind == "frictionless":
        result = child_frictionless(Path(rest[0]), Path(rest[1]), Path(rest[2]), int(rest[3]))
    else:
        result = child_duckdb(Path(rest[0]), Path(rest[1]))
    print("RESULT " + json.dumps(result))
    return 0


def run_child(*arguments: str) -> tuple[dict, float]:
    """Run one measurement in a child; its result (with the child's whole CPU time, user +
    system, in `cpu_s`) and its peak memory (MB, ru_maxrss)."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child {arguments[0]} failed ({process.returncode}):\n{err[-3000:]}")
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result.setdefault("cpu_s", usage.ru_utime + usage.ru_stime)
    return result, usage.ru_maxrss / 1024  # KB on Linux


# --- the report -----------------------------------------------------------------------------


def _row(label: str, rows: int, seconds: float, cpu: float, peak: float, note: str = "") -> str:
    """One table row; `cpu` is the CPU time of the measured step (all threads)."""
    rate = f"{rows / seconds:,.0f}" if seconds else "-"
    return f"| {label} | {rows:,} | {seconds:.2f} | {cpu:.2f} | {rate} | {peak:,.0f} | {note} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the CSV")
    parser.add_argument(
        "--frictionless-rows",
        type=int,
        default=0,
        help="validate only this many rows with frictionless and extrapolate (default: 0, the "
        "whole file)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child_main(args.child)

    folder = Path(tempfile.mkdtemp(prefix="satudata-bench-ingest-"))
    try:
        started = time.perf_counter()
        data, schema_path, desa = generate(folder, args.rows)
        size_mb = data.stat().st_size / 1024 / 1024
        print(
            f"generated {args.rows:,} rows x 10 columns ({size_mb:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s: {data}",
            flush=True,
        )
        home = folder / "home"
        run_child("prepare", str(home))
        satudata, satudata_peak = run_child("satudata", str(home), str(data), str(schema_path))
        slice_rows = args.frictionless_rows if 0 < args.frictionless_rows < args.rows else 0
        if slice_rows:
            # Two slices: the line through both separates frictionless's fixed cost (start-up,
            # reading the desa list for the foreign key) from its cost per row.
            half = max(1, slice_rows // 2)
            small, _peak = run_child(
                "frictionless", str(data), str(schema_path), str(desa), str(half)
            )
            fric, fric_peak = run_child(
                "frictionless", str(data), str(schema_path), str(desa), str(slice_rows)
            )
            per_row = (fric["seconds"] - small["seconds"]) / max(1, fric["rows"] - small["rows"])
            fixed = max(0.0, fric["seconds"] - per_row * fric["rows"])
            fric_seconds = fixed + per_row * args.rows
            fric["cpu_s"] *= fric_seconds / fric["seconds"]
            fric_note = (
                f"measured on the first {small['rows']:,} and {fric['rows']:,} rows "
                f"({small['seconds']:.2f} s, {fric['seconds']:.2f} s), extrapolated linearly: "
                f"{fixed:.2f} s + {per_row * 1e6:.1f} µs per row"
            )
        else:
            fric, fric_peak = run_child("frictionless", str(data), str(schema_path), str(desa), "0")
            fric_seconds, fric_note = fric["seconds"], "whole file"
        duck, duck_peak = run_child("duckdb", str(data), str(folder))
        print()
        print("| step | rows | seconds | CPU s | rows/s | peak MB | note |")
        print("|---|---:|---:|---:|---:|---:|---|")
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in satudata.get("steps", {}).items())
        print(
            _row(
                "Satu Data import + validate + Parquet",
                satudata["rows"],
                satudata["seconds"],
                satudata["cpu_s"],
                satudata_peak,
                f"{satudata['errors']} errors, {satudata['warnings']} warnings; {steps}",
            )
        )
        print(
            _row(
                "frictionless validate",
                args.rows,
                fric_seconds,
                fric["cpu_s"],
                fric_peak,
                fric_note,
            )
        )
        print(
            _row(
                "DuckDB COPY read_csv → Parquet",
                duck["rows"],
                duck["seconds"],
                duck["cpu_s"],
                duck_peak,
            )
        )
        faster = fric_seconds / satudata["seconds"]
        slower = satudata["seconds"] / duck["seconds"]
        goals = [
            (
                "Satu Data vs frictionless",
                f"{faster:.1f}x faster",
                f">= {GOAL_VS_FRICTIONLESS:.0f}x",
                faster >= GOAL_VS_FRICTIONLESS,
            ),
            (
                "Satu Data vs plain DuckDB copy",
                f"{slower:.2f}x the time",
                f"<= {GOAL_VS_DUCKDB:.0f}x",
                slower <= GOAL_VS_DUCKDB,
            ),
            (
                "Satu Data peak memory",
                f"{satudata_peak:,.0f} MB",
                f"<= {GOAL_PEAK_MB:,.0f} MB",
                satudata_peak <= GOAL_PEAK_MB,
            ),
        ]
        print()
        print("| goal | measured | target | met |")
        print("|---|---:|---:|---|")
        for name, measured, target, met in goals:
            print(f"| {name} | {measured} | {target} | {'yes' if met else 'NO'} |")
        cpus = os.cpu_count()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\n{cpus} CPUs, load average {load:.1f} at the end; DuckDB threads: "
              f"{os.environ.get('SATUDATA_DUCKDB_THREADS', '2')}")  # fmt: skip
        return 0 if all(met for *_rest, met in goals) else 1
    finally:
        if args.keep:
            print(f"files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
