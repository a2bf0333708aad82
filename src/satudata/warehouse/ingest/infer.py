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

NUMBER_RE = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
DATE_RE = r"\s*\d{4}-\d{2}-\d{2}\s*"
BOOLEAN_RE = r"\s*(?i:true|false)\s*"
# A leading zero (`0101`), a dotted code with two or more dots (`51.05.01.2001`) or 16+ digits.
CODE_VALUE_RE = r"^\s*(?:[+-]?0\d|\d+(?:\.\d+){2,}\s*$|\d{16,}\s*$)"
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
    code_values: int
    fitting_integers: int  # integers that fit BIGINT exactly
    min_integer: int | None
    max_integer: int | None


# Per cell, only two regular expressions run (number, code value); the rest are cheap string
# functions over the flags they produce. v = value, n = number, i = integer, z = code value.
CELL_FLAGS = (
    "{c} AS v{k}",
    f"regexp_full_match({{c}}, '{NUMBER_RE}') AS n{{k}}",
    f"regexp_matches({{c}}, '{CODE_VALUE_RE}') AS z{{k}}",
)
PROFILE_MEASURES = (
    "count(v{k})",
    "count_if(i{k})",
    "count_if(n{k})",
    # The cast only runs on cells shaped like a date (CASE evaluates selectively).
    f"count_if(CASE WHEN regexp_full_match(v{{k}}, '{DATE_RE}')"
    " THEN try_cast(trim(v{k}) AS DATE) IS NOT NULL ELSE false END)",
    f"count_if(regexp_full_match(v{{k}}, '{BOOLEAN_RE}'))",
    "count_if(z{k})",
    "count(b{k})",
    "min(b{k})",
    "max(b{k})",
)


def _fill(template: str, column: str, k: int) -> str:
    return template.replace("{c}", quote_identifier(column)).replace("{k}", str(k))


def profile_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str]
) -> list[ColumnProfile]:
    """Count, per column, the cells that fit each type — one scan of the table, vectorised."""
    if not columns:
        return []
    flags = [_fill(flag, column, k) for k, column in enumerate(columns) for flag in CELL_FLAGS]
    integer_flags = [
        f"n{k} AND strpos(v{k}, '.') = 0 AND strpos(lower(v{k}), 'e') = 0 AS i{k}"
        for k in range(len(columns))
    ]
    # The integer value, cast once (NULL when it does not fit BIGINT).
    integer_values = [
        f"CASE WHEN i{k} THEN try_cast(trim(v{k}) AS BIGINT) END AS b{k}"
        for k in range(len(columns))
    ]
    measures = [
        _fill(measure, column, k)
        for k, column in enumerate(columns)
        for measure in PROFILE_MEASURES
    ]
    query = (
        f"SELECT {', '.join(measures)} FROM ("  # noqa: S608 - quoted identifiers only
        f"SELECT *, {', '.join(integer_values)} FROM ("
        f"SELECT *, {', '.join(integer_flags)} FROM (SELECT {', '.join(flags)} FROM {table})))"
    )
    row = con.execute(query).fetchone()
    width = len(PROFILE_MEASURES)
    return [ColumnProfile(*row[k * width : (k + 1) * width]) for k in range(len(columns))]


def infer_field(name: str, profile: ColumnProfile) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": "string", "format": "default"}
    filled = profile.filled
    if filled == 0:
        return field
    if header_says_code(name) or profile.code_values:
        # Kept as text on purpose; the flag tells the schema editor (issue 4) why.
        field["codeLike"] = True
        return field
    if profile.booleans == filled:
        field["type"] = "boolean"
    elif profile.integers == filled and profile.fitting_integers == filled:
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
