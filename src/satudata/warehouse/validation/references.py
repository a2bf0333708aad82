"""Reference lists for foreign keys and domain checks: the Kemendagri region codes (`wilayah`).

The regions table is read from the database once per process (an Arrow table of code, name,
level, depth — about 91,600 rows) and handed to DuckDB without a copy. The cache key is a cheap
fingerprint of the table (count, largest code, total name length), so a newer Kepmendagri list
loaded by `regions.loader` is seen by the next validation. Without any region in the database
(a fresh install before `satudata demo` or the region load), the packaged list is read instead.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length

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
DEPTH_BY_DOTS = {0: 1, 1: 2, 2: 3, 3: 4}

_cache: dict[str, tuple[tuple, pa.Table]] = {}
_lock = threading.Lock()


def level_depth(level: str | None) -> int | None:
    from satudata.regions.codes import LEVEL_DEPTHS

    if not level:
        return None
    return LEVEL_DEPTHS.get(str(level).strip().lower())


def canonical_code_sql(value: str) -> str:
    """SQL: the dotted form of an undotted Kemendagri code (`5105012001` → `51.05.01.2001`)."""
    v = f"trim({value})"
    return (
        f"CASE WHEN regexp_full_match({v}, '[0-9]{{10}}') THEN substr({v}, 1, 2) || '.' || "
        f"substr({v}, 3, 2) || '.' || substr({v}, 5, 2) || '.' || substr({v}, 7, 4) "
        f"WHEN regexp_full_match({v}, '[0-9]{{6}}') THEN substr({v}, 1, 2) || '.' || "
        f"substr({v}, 3, 2) || '.' || substr({v}, 5, 2) "
        f"WHEN regexp_full_match({v}, '[0-9]{{4}}') THEN substr({v}, 1, 2) || '.' || "
        f"substr({v}, 3, 2) ELSE {v} END"
    )


def _fingerprint() -> tuple:
    from satudata.regions.models import Region

    stats = Region.objects.aggregate(
        count=Count("code"), top=Max("code"), names=Sum(Length("name"))
    )
    return (stats["count"], stats["top"], stats["names"])


def _from_database() -> pa.Table | None:
    from satudata.regions.models import Region

    rows = list(Region.objects.values_list("code", "name", "level", "depth").order_by())
    if not rows:
        return None
    codes, names, levels, depths = zip(*rows, strict=True)
    return pa.table(
        {
            "code": pa.array(codes, pa.string()),
            "name": pa.array(names, pa.string()),
            "level": pa.array(levels, pa.string()),
            "depth": pa.array(depths, pa.int32()),
        }
    )


def _from_package() -> pa.Table:
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        path = str(PACKAGED_REGIONS).replace("'", "''")
        return con.sql(
            "SELECT kode AS code, nama AS name, level, "  # noqa: S608
            "CAST(length(kode) - length(replace(kode, '.', '')) + 1 AS INTEGER) AS depth "
            f"FROM read_csv('{path}', header = true, all_varchar = true)"
        ).to_arrow_table()
    finally:
        con.close()


def region_arrow() -> pa.Table:
    key = _fingerprint()
    with _lock:
        cached = _cache.get(REGION_REFERENCE)
        if cached and cached[0] == key:
            return cached[1]
    table = _from_database() if key[0] else None
    if table is None:
        table = _from_package()
    with _lock:
        _cache[REGION_REFERENCE] = (key, table)
    return table


def region_table(ctx: Context) -> str:
    """The name of the region list in this validation's DuckDB connection (loaded on demand)."""
    if ctx.region_table is None:
        ctx.con.register(REGION_TABLE, region_arrow())
        ctx.region_table = REGION_TABLE
    return ctx.region_table
