"""Reference lists for foreign keys and domain checks: the Kemendagri region codes (`wilayah`).

Checks look codes up per distinct value: `ensure_regions(ctx, values)` fetches from the database
only the regions whose code is one of the values (or their dotted form: `5105` → `51.05`) and
adds them to a small table in the validation's DuckDB connection (`ref_wilayah`: code, name,
level, depth). A million rows with 59 desa codes cost one small query. Without any region in the
database (a fresh install before `satudata demo` or the region load), the packaged Kemendagri
list is read instead.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from satudata.warehouse.validation.context import Context

REGION_REFERENCE = "wilayah"
REGION_TABLE = "ref_wilayah"
PACKAGED_REGIONS = (
    Path(__file__).resolve().parents[2]
    / "regions"
    / "data"
    / "indonesia_wilayah_kemendagri_2025.csv.gz"
)
# Codes asked of the database per query (below every backend's parameter limit).
LOOKUP_CHUNK = 500
# Well-formed codes only are looked up (anything else cannot be a region code).
_LOOKUP_RE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?", re.ASCII)
_UNDOTTED = {10: (2, 2, 2, 4), 6: (2, 2, 2), 4: (2, 2)}

_package_cache: dict[str, pa.Table] = {}
_lock = threading.Lock()


def level_depth(level: str | None) -> int | None:
    from satudata.regions.codes import LEVEL_DEPTHS

    if not level:
        return None
    return LEVEL_DEPTHS.get(str(level).strip().lower())


def canonical_code(value: str) -> str:
    """The dotted form of an undotted code (`5105012001` → `51.05.01.2001`), else trimmed."""
    text = str(value).strip()
    widths = _UNDOTTED.get(len(text)) if text.isascii() and text.isdigit() else None
    if not widths:
        return text
    parts, start = [], 0
    for width in widths:
        parts.append(text[start : start + width])
        start += width
    return ".".join(parts)


def canonical_code_sql(value: str) -> str:
    """SQL twin of `canonical_code`."""
    v = f"trim({value})"
    return (
        f"CASE WHEN regexp_full_match({v}, '[0-9]{{10}}') THEN substr({v}, 1, 2) || '.' || "
        f"substr({v}, 3, 2) || '.' || substr({v}, 5, 2) || '.' || substr({v}, 7, 4) "
        f"WHEN regexp_full_match({v}, '[0-9]{{6}}') THEN substr({v}, 1, 2) || '.' || "
        f"substr({v}, 3, 2) || '.' || substr({v}, 5, 2) "
        f"WHEN regexp_full_match({v}, '[0-9]{{4}}') THEN substr({v}, 1, 2) || '.' || "
        f"substr({v}, 3, 2) ELSE {v} END"
    )


def _packaged() -> pa.Table:
    with _lock:
        cached = _package_cache.get(REGION_REFERENCE)
    if cached is not None:
        return cached
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        path = str(PACKAGED_REGIONS).replace("'", "''")
        table = con.sql(
            "SELECT kode AS code, nama AS name, level, "  # noqa: S608
            "CAST(length(kode) - length(replace(kode, '.', '')) + 1 AS INTEGER) AS depth "
            f"FROM read_csv('{path}', header = true, all_varchar = true)"
        ).to_arrow_table()
    finally:
        con.close()
    with _lock:
        _package_cache[REGION_REFERENCE] = table
    return table


def _from_database(codes: list[str]) -> list[tuple[str, str, str, int]] | None:
    """The regions with these codes, or None when the database has no region list (not
    loaded yet, or not even migrated — `satudata dataset validate` on a fresh machine)."""
    from django.db import DatabaseError

    from satudata.regions.models import Region

    found: list[tuple[str, str, str, int]] = []
    try:
        for start in range(0, len(codes), LOOKUP_CHUNK):
            chunk = codes[start : start + LOOKUP_CHUNK]
            found += list(
                Region.objects.filter(code__in=chunk)
                .order_by()
                .values_list("code", "name", "level", "depth")
            )
        if found or Region.objects.exists():
            return found
    except DatabaseError:
        pass
    return None


def _lookup(codes: list[str]) -> list[tuple[str, str, str, int]]:
    if not codes:
        return []
    found = _from_database(codes)
    if found is not None:
        return found
    # No region list in the database: the packaged one answers.
    import pyarrow.compute as pc

    table = _packaged()
    hits = table.filter(pc.is_in(table["code"], value_set=pa.array(codes, pa.string())))
    return [(row["code"], row["name"], row["level"], int(row["depth"])) for row in hits.to_pylist()]


def _ensure_table(ctx: Context) -> str:
    if ctx.region_table is None:
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {REGION_TABLE} "
            "(code VARCHAR, name VARCHAR, level VARCHAR, depth INTEGER)"
        )
        ctx.region_table = REGION_TABLE
    return ctx.region_table


def ensure_regions(ctx: Context, values: Iterable[str | None]) -> str:
    """Make the regions of these code values available; returns the table to join."""
    table = _ensure_table(ctx)
    wanted = set()
    for value in values:
        if value is None:
            continue
        for code in {str(value).strip(), canonical_code(value)}:
            if code not in ctx.region_codes and _LOOKUP_RE.fullmatch(code):
                wanted.add(code)
    if not wanted:
        return table
    ctx.region_codes |= wanted
    rows = _lookup(sorted(wanted))
    if rows:
        codes, names, levels, depths = zip(*rows, strict=True)
        found = pa.table(
            {
                "code": pa.array(codes, pa.string()),
                "name": pa.array(names, pa.string()),
                "level": pa.array(levels, pa.string()),
                "depth": pa.array(depths, pa.int32()),
            }
        )
        ctx.con.register("validation_found_regions", found)
        ctx.con.execute(f"INSERT INTO {table} SELECT * FROM validation_found_regions")  # noqa: S608
        ctx.con.unregister("validation_found_regions")
    return table


def distinct_values(ctx: Context, sql: str) -> list[str]:
    """The distinct non-null values of a one-column query."""
    return [row[0] for row in ctx.con.execute(sql).fetchall() if row[0] is not None]
