"""Schema inference: a Frictionless Table Schema proposed from the text cells, in one DuckDB pass.

Types: integer, number, year, date, boolean, string. A column only gets a type when *every*
non-empty cell fits it; otherwise it stays a string, so nothing is ever lost in a cast.

Code-like columns stay strings even when they look like numbers, because `51.10` and `51.1` are
different regions and `0101` is not `101`:
- the header names a code (tokens such as kode, code, id, nik, kk, kbli, nip, npwp…), unless it
  starts with a quantity word (`jumlah_kk` is a count of families, not a KK number);
- any cell has a leading zero (`0101`), is a dotted code with two or more dots (`51.05.01.2001`),
  or is a digit string of 16 or more characters (NIK/KK-like; beyond exact numbers anyway).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
from django.utils.translation import ngettext

from satudata.warehouse.engine import quote_identifier
from satudata.warehouse.ingest.readers import ROW_COLUMN
from satudata.warehouse.ingest.report import Report

INTEGER_RE = r"^\s*[+-]?\d+\s*$"
NUMBER_RE = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
DATE_RE = r"^\s*\d{4}-\d{2}-\d{2}\s*$"
BOOLEAN_RE = r"^\s*(?i:true|false)\s*$"
LEADING_ZERO_RE = r"^\s*[+-]?0\d"
DOTTED_CODE_RE = r"^\s*\d+(\.\d+){2,}\s*$"
LONG_DIGITS_RE = r"^\s*\d{16,}\s*$"
# Integers beyond this many digits do not fit BIGINT exactly; they stay text.
INTEGER_MAX_DIGITS = 18
YEAR_MIN, YEAR_MAX = 1000, 2999
# Share of numeric cells above which a text column is reported as "numbers with a few bad cells".
NEARLY_ALL = 0.9

CODE_TOKENS = frozenset(
    {
        "kode",
        "kd",
        "code",
        "codes",
        "id",
        "nik",
        "kk",
        "nokk",
        "kbli",
        "kbki",
        "nip",
        "npwp",
        "nib",
        "nisn",
        "npsn",
        "nuptk",
        "nomor_induk",
        "kodepos",
        "zip",
        "telp",
        "telepon",
        "hp",
        "phone",
        "idsls",
        "bps",
        "kemendagri",
    }
)
QUANTITY_TOKENS = frozenset(
    {
        "jumlah",
        "jml",
        "total",
        "banyak",
        "banyaknya",
        "rasio",
        "persentase",
        "persen",
        "pct",
        "rata",
        "ratarata",
        "luas",
        "nilai",
        "angka",
        "count",
        "number",
        "num",
        "sum",
        "avg",
        "mean",
        "n",
    }
)
YEAR_TOKENS = frozenset({"tahun", "thn", "year", "yr"})

SQL_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "year": "INTEGER",
    "date": "DATE",
    "boolean": "BOOLEAN",
    "string": "VARCHAR",
}


def header_tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [token for token in re.split(r"[^0-9a-z]+", spaced.lower()) if token]


def header_says_code(name: str) -> bool:
    tokens = header_tokens(name)
    if not tokens or tokens[0] in QUANTITY_TOKENS:
        return False
    return any(token in CODE_TOKENS for token in tokens)


def header_says_year(name: str) -> bool:
    return any(token in YEAR_TOKENS for token in header_tokens(name))


@dataclass
class ColumnProfile:
    filled: int
    integers: int
    numbers: int
    dates: int
    booleans: int
    leading_zeros: int
    dotted_codes: int
    long_digits: int
    longest_integer: int
    min_integer: int | None
    max_integer: int | None


_IS_INTEGER = f"regexp_full_match({{c}}, '{INTEGER_RE}')"
PROFILE_MEASURES = (
    "count({c})",
    f"count_if(regexp_full_match({{c}}, '{INTEGER_RE}'))",
    f"count_if(regexp_full_match({{c}}, '{NUMBER_RE}'))",
    f"count_if(regexp_full_match({{c}}, '{DATE_RE}') AND try_cast(trim({{c}}) AS DATE) NOTNULL)",
    f"count_if(regexp_full_match({{c}}, '{BOOLEAN_RE}'))",
    f"count_if(regexp_matches({{c}}, '{LEADING_ZERO_RE}'))",
    f"count_if(regexp_full_match({{c}}, '{DOTTED_CODE_RE}'))",
    f"count_if(regexp_full_match({{c}}, '{LONG_DIGITS_RE}'))",
    f"max(CASE WHEN {_IS_INTEGER} THEN length(ltrim(trim({{c}}), '+-')) END)",
    f"min(CASE WHEN {_IS_INTEGER} THEN try_cast(trim({{c}}) AS BIGINT) END)",
    f"max(CASE WHEN {_IS_INTEGER} THEN try_cast(trim({{c}}) AS BIGINT) END)",
)


def profile_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str]
) -> list[ColumnProfile]:
    """Count, per column, the cells that fit each type — one aggregate query over the table."""
    if not columns:
        return []
    measures = [
        measure.replace("{c}", quote_identifier(column))
        for column in columns
        for measure in PROFILE_MEASURES
    ]
    row = con.execute(f"SELECT {', '.join(measures)} FROM {table}").fetchone()  # noqa: S608
    width = len(PROFILE_MEASURES)
    return [ColumnProfile(*row[k * width : (k + 1) * width]) for k in range(len(columns))]


def infer_field(name: str, profile: ColumnProfile) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": "string", "format": "default"}
    filled = profile.filled
    if filled == 0:
        return field
    code_values = profile.leading_zeros or profile.dotted_codes or profile.long_digits
    if header_says_code(name) or code_values:
        # Kept as text on purpose; the flag tells the schema editor (issue 4) why.
        field["codeLike"] = True
        return field
    if profile.booleans == filled:
        field["type"] = "boolean"
    elif profile.integers == filled and (profile.longest_integer or 0) <= INTEGER_MAX_DIGITS:
        is_year = (
            header_says_year(name)
            and profile.min_integer is not None
            and profile.min_integer >= YEAR_MIN
            and (profile.max_integer or 0) <= YEAR_MAX
        )
        field["type"] = "year" if is_year else "integer"
    elif profile.numbers == filled:
        field["type"] = "number"
    elif profile.dates == filled:
        field["type"] = "date"
    return field


def _mostly_numeric(profile: ColumnProfile) -> bool:
    return 0 < profile.numbers < profile.filled and profile.numbers >= NEARLY_ALL * profile.filled


def _warn_mostly_numeric(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    name: str,
    profile: ColumnProfile,
    report: Report,
) -> None:
    """A number column with a few placeholder cells (`-`, `n/a`) stays text; say so, with an
    example, so the produsen can fix the file (issue 4 turns this into declared missing values)."""
    source = quote_identifier(column)
    row, cell = con.execute(
        f"SELECT {ROW_COLUMN}, {source} FROM {table} "  # noqa: S608 - quoted identifiers only
        f"WHERE {source} IS NOT NULL AND NOT regexp_full_match({source}, '{NUMBER_RE}') "
        f"ORDER BY {ROW_COLUMN} LIMIT 1"
    ).fetchone()
    bad = profile.filled - profile.numbers
    message = ngettext(
        "Column “%(field)s” holds numbers but %(count)d cell is not a number (e.g. “%(cell)s”"
        " in row %(row)d); the column was kept as text.",
        "Column “%(field)s” holds numbers but %(count)d cells are not numbers (e.g. “%(cell)s”"
        " in row %(row)d); the column was kept as text.",
        bad,
    ) % {"field": name, "count": bad, "cell": cell, "row": row}
    report.warning("type-error", message, row=row, field=name, cell=cell, count=bad)


def infer_schema(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    names: list[str],
    report: Report | None = None,
) -> dict[str, Any]:
    profiles = profile_columns(con, table, columns)
    fields = []
    for column, name, profile in zip(columns, names, profiles, strict=True):
        field = infer_field(name, profile)
        is_plain_text = field["type"] == "string" and not field.get("codeLike")
        if report is not None and is_plain_text and _mostly_numeric(profile):
            _warn_mostly_numeric(con, table, column, name, profile, report)
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}
