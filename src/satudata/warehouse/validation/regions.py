"""Domain warnings about Kemendagri region codes and names.

- `unknown-region` / `wrong-region-level`: in a column that holds region codes without a declared
  foreign key (its header names a code or a region level, not BPS, and at least
  `DETECT_SHARE` of its distinct values are known codes), the codes that are not in the list,
  or that belong to another level than most of the column — with the official name when the
  code exists at another level. Undotted codes (`3201`) count as their dotted form. Declared
  foreign keys are errors instead (keys.py).
- `region-name`: a name column next to a code column (`kode_desa` ↔ `nama_desa`,
  `kemendagri_kode_kecamatan` ↔ `kemendagri_nama_kecamatan`) whose name is not the code's
  official name, tolerant of case, spacing, punctuation, prefixes (`Kab.`, `Kabupaten`,
  `Kecamatan`, `Desa`…) and English forms (`Badung Regency`, `Denpasar City`); `Kota X` next to
  the code of `Kabupaten X` is still a mismatch.

Everything works on distinct values (a few hundred codes, however many rows), then goes back to
the rows with a bad value. Total rows (`Jumlah`) are left out.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from satudata.warehouse.engine import quote_identifier
from satudata.warehouse.validation import keys, roles, types
from satudata.warehouse.validation.context import Context, record
from satudata.warehouse.validation.references import (
    canonical_code_sql,
    distinct_values,
    ensure_regions,
)
from satudata.warehouse.validation.text import not_total

# Share of a column's distinct values that must be known codes before it counts as a code column.
DETECT_SHARE = 0.8
HINT_TOKENS = frozenset(
    {
        "kode",
        "kd",
        "code",
        "wilayah",
        "kemendagri",
        "dagri",
        "prov",
        "provinsi",
        "kab",
        "kabupaten",
        "kota",
        "kabkota",
        "kec",
        "kecamatan",
        "desa",
        "kel",
        "kelurahan",
    }
)
CODE_TOKENS = ("kode", "kd", "code")
NAME_TOKENS = ("nama", "name", "nm")
DEPTH_LEVELS = {1: "provinsi", 2: "kabupaten_kota", 3: "kecamatan", 4: "desa"}
# Name prefixes: those that tell a kabupaten from a kota are kept apart, the rest are dropped.
NAME_PREFIXES = {
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kota": "kota",
    "kecamatan": "",
    "kec": "",
    "desa": "",
    "ds": "",
    "kelurahan": "",
    "kel": "",
    "provinsi": "",
    "prov": "",
    "propinsi": "",
    "administrasi": "",
    "adm": "",
}


NAME_SUFFIXES = {"regency": "kabupaten", "city": "kota", "district": "", "village": ""}


def name_key(name: str) -> tuple[str | None, str]:
    """(kind, base) of a region name: `Kab. Bandung Barat` → ("kabupaten", "bandungbarat")."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    words = re.sub(r"[^0-9a-z]+", " ", text.lower()).split()
    kind = None
    while len(words) > 1 and words[0] in NAME_PREFIXES:
        kind = NAME_PREFIXES[words.pop(0)] or kind
    # English names as BPS and Wikipedia write them: `Badung Regency`, `Denpasar City`.
    if len(words) > 1 and words[-1] in NAME_SUFFIXES:
        kind = NAME_SUFFIXES[words.pop()] or kind
    return kind, "".join(words)


def same_region_name(written: str, official: str) -> bool:
    kind_a, base_a = name_key(written)
    kind_b, base_b = name_key(official)
    return base_a == base_b and (kind_a is None or kind_b is None or kind_a == kind_b)


def _declared_code_fields(ctx: Context) -> set[int]:
    declared = set()
    for key in keys.foreign_keys(ctx):
        if key["resource"] == "wilayah" and len(key["fields"]) == 1:
            index = ctx.index_of(key["fields"][0])
            if index is not None:
                declared.add(index)
    return declared


def _could_hold_codes(field: dict[str, Any]) -> bool:
    words = roles.tokens(field.get("name", ""))
    if not words or words[0] in NAME_TOKENS or "bps" in words or "nama" in words:
        return False
    return (field.get("type") or "string") == "string" and any(w in HINT_TOKENS for w in words)


def _distinct_source(ctx: Context, index: int) -> str:
    """SQL giving the distinct non-empty text values of a text field as `v`: from the Parquet
    (column-wise, cheap) when written, else from the rows."""
    source = ctx.typed_source()
    if source is not None and (ctx.fields[index].get("type") or "string") == "string":
        name = quote_identifier(ctx.fields[index]["name"])
        return f"SELECT DISTINCT {name} AS v FROM {source} WHERE {name} IS NOT NULL"  # noqa: S608
    cell = ctx.cell(index)
    return f"SELECT DISTINCT {cell} AS v FROM {ctx.rows_table()} WHERE {cell} IS NOT NULL"  # noqa: S608


def detect_code_fields(ctx: Context, declared: set[int]) -> dict[int, int]:
    """Undeclared columns that hold region codes → their level (depth)."""
    found: dict[int, int] = {}
    candidates = [
        i
        for i, f in enumerate(ctx.fields)
        if i not in declared and ctx.columns[i] and _could_hold_codes(f)
    ]
    if not candidates:
        return found
    for index in candidates:
        values = _distinct_source(ctx, index)
        regions = ensure_regions(ctx, distinct_values(ctx, values))
        distinct, known, depth = ctx.con.execute(
            f"SELECT count(*), count(r.code), mode(r.depth) FROM ({values}) d "  # noqa: S608
            f"LEFT JOIN {regions} r ON r.code = {canonical_code_sql('d.v')}"
        ).fetchall()[0]
        if distinct and known >= DETECT_SHARE * distinct and depth:
            found[index] = int(depth)
    return found


def _check_codes(ctx: Context, index: int, depth: int) -> None:
    regions = ensure_regions(ctx, [])
    cell = ctx.cell(index)
    name = types.lit(ctx.fields[index]["name"])
    level = types.lit(DEPTH_LEVELS.get(depth, ""))
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE validation_bad_regions AS "  # noqa: S608
        "SELECT d.v, r.depth AS found_depth, r.level AS found_level, r.name AS found_name "
        f"FROM ({_distinct_source(ctx, index)}) d "
        f"LEFT JOIN {regions} r ON r.code = {canonical_code_sql('d.v')} "
        f"WHERE r.code IS NULL OR r.depth <> {int(depth)}"
    )
    if not ctx.scalar("SELECT count(*) FROM validation_bad_regions"):
        return
    bad = "validation_bad_regions"
    rows = (
        f"SELECT t.{ctx.row} AS row, {name} AS field, b.v AS cell, b.found_depth, "  # noqa: S608
        f"CAST(json_object('level', {level}, 'found_level', b.found_level, "
        "'found_name', b.found_name) AS VARCHAR) AS params "
        f"FROM {ctx.rows_table()} t JOIN {bad} b ON b.v = t.{cell} WHERE {not_total(ctx)}"
    )
    record(
        ctx,
        "unknown-region",
        f"SELECT row, field, cell, params FROM ({rows}) WHERE found_depth IS NULL",  # noqa: S608
    )
    record(
        ctx,
        "wrong-region-level",
        f"SELECT row, field, cell, params FROM ({rows}) WHERE found_depth IS NOT NULL",  # noqa: S608
    )


def name_field_for(ctx: Context, index: int) -> int | None:
    """The column with the names of the regions whose codes are in column `index`."""
    words = roles.tokens(ctx.fields[index]["name"])
    position = next((n for n, w in enumerate(words) if w in CODE_TOKENS), None)
    if position is None:
        return None
    wanted = [[*words[:position], name, *words[position + 1 :]] for name in NAME_TOKENS]
    for other, field in enumerate(ctx.fields):
        if other != index and ctx.columns[other] and roles.tokens(field["name"]) in wanted:
            return other
    return None


def _check_names(ctx: Context, index: int, name_index: int) -> None:
    code, written = ctx.cell(index), ctx.cell(name_index)
    text_only = all(
        (ctx.fields[i].get("type") or "string") == "string" for i in (index, name_index)
    )
    if ctx.typed_source() and text_only and not ctx.total_rows:
        # The Parquet's text columns are the cells as written: distinct pairs read column-wise.
        pairs_source = (
            f"SELECT DISTINCT {quote_identifier(ctx.fields[index]['name'])} AS code, "  # noqa: S608
            f"{quote_identifier(ctx.fields[name_index]['name'])} AS written "
            f"FROM {ctx.typed_source()}"
        )
    else:
        pairs_source = (
            f"SELECT DISTINCT {code} AS code, {written} AS written FROM {ctx.rows_table()} "  # noqa: S608
            f"WHERE {not_total(ctx)}"
        )
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE validation_name_pairs AS "  # noqa: S608
        f"SELECT * FROM ({pairs_source}) WHERE code IS NOT NULL AND written IS NOT NULL"
    )
    regions = ensure_regions(
        ctx, distinct_values(ctx, "SELECT DISTINCT code FROM validation_name_pairs")
    )
    pairs = ctx.con.execute(
        "SELECT p.code, p.written, r.code, r.name FROM validation_name_pairs p "  # noqa: S608
        f"JOIN {regions} r ON r.code = {canonical_code_sql('p.code')}"
    ).fetchall()
    wrong = [(c, w, k, o) for c, w, k, o in pairs if not same_region_name(w, o)]
    if not wrong:
        return
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE validation_region_names "
        "(code VARCHAR, written VARCHAR, canonical VARCHAR, official VARCHAR)"
    )
    ctx.con.executemany("INSERT INTO validation_region_names VALUES (?, ?, ?, ?)", wrong)
    field = types.lit(ctx.fields[name_index]["name"])
    record(
        ctx,
        "region-name",
        f"SELECT t.{ctx.row} AS row, {field} AS field, t.{written} AS cell, "  # noqa: S608
        "CAST(json_object('code', w.canonical, 'official', w.official) AS VARCHAR) AS params "
        f"FROM {ctx.rows_table()} t JOIN validation_region_names w "
        f"ON w.code = t.{code} AND w.written = t.{written} WHERE {not_total(ctx)}",
    )


def check_regions(ctx: Context) -> None:
    declared = _declared_code_fields(ctx)
    if not declared and not any(
        ctx.columns[i] and _could_hold_codes(f) for i, f in enumerate(ctx.fields)
    ):
        return
    detected = detect_code_fields(ctx, declared)
    for index, depth in detected.items():
        _check_codes(ctx, index, depth)
    for index in sorted(declared | set(detected)):
        name_index = name_field_for(ctx, index)
        if name_index is not None:
            _check_names(ctx, index, name_index)
