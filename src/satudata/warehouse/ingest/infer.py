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

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.ingest.readers import ROW_COLUMN
from satudata.warehouse.ingest.report import Report

NUMBER_RE = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
DATE_RE = r"\s*\d{4}-\d{2}-\d{2}\s*"
BOOLEAN_RE = r"\s*(?i:true|false)\s*"
# A leading zero (`0101`), a dotted code with two or more dots (`51.05.01.2001`) or 16+ digits.
CODE_VALUE_RE = r"^\s*(?:[+-]?0\d|\d+(?:\.\d+){2,}\s*$|\d{16,}\s*$)"
YEAR_MIN, YEAR_MAX = 1000, 2999
# Indonesian numbers: `.` groups thousands, `,` marks decimals, money may start with "Rp".
CURRENCY_RE = r"^\s*(?i:rp)\.?\s*"
ID_INTEGER_RE = r"\s*(?:(?i:rp)\.?\s*)?[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)\s*"
ID_DECIMAL_RE = r"\s*(?:(?i:rp)\.?\s*)?[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+\s*"
# Thousands grouped with dots: never a region code (Kemendagri segments have 2 or 4 digits).
GROUPED_THOUSANDS_RE = r"\s*[+-]?[1-9]\d{0,2}(?:\.\d{3})+\s*"
# Day-first dates as written in Indonesia (31/01/2024); month-first is chosen only when a second
# part above 12 proves it.
DAY_FIRST_RE = r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\s*"
# Cells that mean "no value" in statistical tables (BPS: "-" = nothing to report). In a typed
# column they become field-level missingValues (and a warning), never a silent 0.
PLACEHOLDERS = frozenset({"-", "\u2013", "\u2014"})  # hyphen, en dash, em dash
MONTHS_FULL = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
MONTHS_FULL_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_SHORT_CANONICAL = (
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
)  # fmt: skip
MONTHS_SHORT = frozenset(
    {*(m.upper() for m in MONTHS_SHORT_CANONICAL), "AGS", "AGT", "AUG", "MAY", "OCT", "DEC", "SEPT"}
)
MONTHS_FULL_SQL = ", ".join(f"'{m.upper()}'" for m in (*MONTHS_FULL, *MONTHS_FULL_EN))
MONTHS_SHORT_SQL = ", ".join(f"'{m}'" for m in sorted(MONTHS_SHORT))
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
    # Issue 4: placeholders, Indonesian numbers, month names, day-first dates.
    dashes: int = 0  # cells that are only "-" (BPS: nothing to report)
    id_integers: int = 0  # 1.234.567, Rp 1.234 (not plain numbers)
    id_decimals: int = 0  # 12,5 or 1.234,5
    currency: int = 0  # cells with an "Rp" prefix
    plain_as_id: int = 0  # plain numbers that read the same as Indonesian integers (1.234)
    months_full: int = 0
    months_short: int = 0
    day_first_dates: int = 0  # 31/01/2024, 31-01-2024, 31.01.2024
    max_first_part: int | None = None
    max_second_part: int | None = None


# Per cell, only two regular expressions run on every cell (number, code value); the rest run
# only on cells that are not plain numbers (CASE evaluates selectively), or are cheap string
# functions. v = value, n = number, i = integer, z = code value, o = other (not a number).
CELL_FLAGS = (
    "{c} AS v{k}",
    f"regexp_full_match({{c}}, '{NUMBER_RE}') AS n{{k}}",
    # Dotted thousands (1.234.567) and day-first dates (01/02/2024) are not codes.
    f"CASE WHEN regexp_matches({{c}}, '{CODE_VALUE_RE}') THEN NOT ("
    f"regexp_full_match({{c}}, '{GROUPED_THOUSANDS_RE}')"
    f" OR regexp_full_match({{c}}, '{DAY_FIRST_RE}')) ELSE false END AS z{{k}}",
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
    f"count_if(v{{k}} IN ({', '.join(repr(d) for d in sorted(PLACEHOLDERS))}))",
    f"count_if(CASE WHEN n{{k}} THEN false ELSE regexp_full_match(v{{k}}, '{ID_INTEGER_RE}') END)",
    f"count_if(CASE WHEN n{{k}} THEN false ELSE regexp_full_match(v{{k}}, '{ID_DECIMAL_RE}') END)",
    f"count_if(CASE WHEN n{{k}} THEN false ELSE regexp_matches(v{{k}}, '{CURRENCY_RE}') END)",
    f"count_if(CASE WHEN n{{k}} THEN regexp_full_match(v{{k}}, '{ID_INTEGER_RE}') ELSE false END)",
    f"count_if(CASE WHEN n{{k}} THEN false ELSE upper(trim(v{{k}})) IN ({MONTHS_FULL_SQL}) END)",
    f"count_if(CASE WHEN n{{k}} THEN false ELSE upper(trim(v{{k}})) IN ({MONTHS_SHORT_SQL}) END)",
    f"count_if(CASE WHEN n{{k}} THEN false ELSE regexp_full_match(v{{k}}, '{DAY_FIRST_RE}') END)",
    f"max(CASE WHEN n{{k}} THEN NULL WHEN regexp_full_match(v{{k}}, '{DAY_FIRST_RE}')"
    " THEN try_cast(regexp_extract(v{k}, '(\\d{1,2})', 1) AS INTEGER) END)",
    f"max(CASE WHEN n{{k}} THEN NULL WHEN regexp_full_match(v{{k}}, '{DAY_FIRST_RE}')"
    " THEN try_cast(regexp_extract(v{k}, '\\d{1,2}[/.-](\\d{1,2})', 1) AS INTEGER) END)",
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


def _standard_numeric_field(field: dict[str, Any], name: str, profile: ColumnProfile) -> None:
    if profile.integers == profile.numbers and profile.fitting_integers == profile.numbers:
        is_year = (
            header_says_year(name)
            and profile.min_integer is not None
            and profile.min_integer >= YEAR_MIN
            and (profile.max_integer or 0) <= YEAR_MAX
        )
        field["type"] = "year" if is_year else "integer"
    else:
        field["type"] = "number"


def _indonesian_numeric_field(field: dict[str, Any], profile: ColumnProfile) -> None:
    field["type"] = "number" if profile.id_decimals else "integer"
    field["groupChar"] = "."
    if profile.id_decimals:
        field["decimalChar"] = ","
    if profile.currency:
        field["bareNumber"] = False


def _reads_as_indonesian(profile: ColumnProfile, content: int, decimal: str | None) -> bool:
    """Every cell reads as an Indonesian number, and at least one can only be read that way
    (or the user said the decimal mark is a comma)."""
    if decimal == ".":
        return False
    indonesian_only = profile.id_integers + profile.id_decimals
    if indonesian_only + profile.plain_as_id != content:
        return False
    return indonesian_only > 0 or decimal == ","


def infer_field(name: str, profile: ColumnProfile, decimal: str | None = None) -> dict[str, Any]:
    """The field a column's profile proposes (see the module docstring for the rules)."""
    field: dict[str, Any] = {"name": name, "type": "string", "format": "default"}
    filled = profile.filled
    if filled == 0:
        return field
    if header_says_code(name) or profile.code_values:
        # Kept as text on purpose; the flag tells the schema editor why.
        field["codeLike"] = True
        return field
    content = filled - profile.dashes  # cells other than "-" placeholders
    if content == 0:
        return field
    if profile.booleans == filled:
        field["type"] = "boolean"
    elif profile.numbers == content and (decimal != "," or profile.integers == content):
        _standard_numeric_field(field, name, profile)
    elif _reads_as_indonesian(profile, content, decimal):
        _indonesian_numeric_field(field, profile)
    elif profile.dates == content:
        field["type"] = "date"
    elif profile.day_first_dates == content:
        month_first = (profile.max_second_part or 0) > 12 and (profile.max_first_part or 0) <= 12
        field["type"] = "date"
        field["format"] = "%m/%d/%Y" if month_first else "%d/%m/%Y"  # separator fixed later
    elif profile.months_full == content or profile.months_short == content:
        field["monthName"] = True
        return field
    if profile.dashes and field["type"] != "string":
        field["missingValues"] = ["", *sorted(PLACEHOLDERS)]
    return field


def _mostly_numeric(profile: ColumnProfile) -> bool:
    numeric = profile.numbers + profile.id_integers + profile.id_decimals
    content = profile.filled - profile.dashes
    return 0 < numeric < content and numeric >= NEARLY_ALL * content


def _example(con, table: str, column: str, condition: str) -> tuple[int, str]:
    source = quote_identifier(column)
    return con.execute(
        f"SELECT {ROW_COLUMN}, {source} FROM {table} "  # noqa: S608 - quoted identifiers only
        f"WHERE {source} IS NOT NULL AND {condition.replace('{c}', source)} "
        f"ORDER BY {ROW_COLUMN} LIMIT 1"
    ).fetchone()


def _warn_mostly_numeric(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    name: str,
    profile: ColumnProfile,
    report: Report,
) -> None:
    """A number column with a few odd cells (`n/a`, `x`) stays text; say so, with an example,
    so the produsen can fix the file (or declare the value missing in the schema)."""
    row, cell = _example(
        con,
        table,
        column,
        f"NOT regexp_full_match({{c}}, '{NUMBER_RE}') "
        f"AND NOT regexp_full_match({{c}}, '{ID_INTEGER_RE}') "
        f"AND NOT regexp_full_match({{c}}, '{ID_DECIMAL_RE}') "
        f"AND {{c}} NOT IN ({', '.join(repr(d) for d in sorted(PLACEHOLDERS))})",
    )
    numeric = profile.numbers + profile.id_integers + profile.id_decimals
    bad = profile.filled - profile.dashes - numeric
    message = ngettext(
        "Column “%(field)s” holds numbers but %(count)d cell is not a number (e.g. “%(cell)s”"
        " in row %(row)d); the column was kept as text.",
        "Column “%(field)s” holds numbers but %(count)d cells are not numbers (e.g. “%(cell)s”"
        " in row %(row)d); the column was kept as text.",
        bad,
    ) % {"field": name, "count": bad, "cell": cell, "row": row}
    report.warning("type-error", message, row=row, field=name, cell=cell, count=bad)


def _warn_placeholders(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    name: str,
    profile: ColumnProfile,
    report: Report,
) -> None:
    """`-` cells in a typed column are read as missing (not as 0): say where, so nothing is
    silently reinterpreted."""
    row, cell = _example(
        con, table, column, f"{{c}} IN ({', '.join(repr(d) for d in sorted(PLACEHOLDERS))})"
    )
    message = ngettext(
        "Column “%(field)s”: %(count)d cell holds “%(cell)s” (row %(row)d); it is read as"
        " empty (no data), not as 0. If it means zero, write 0 in the file.",
        "Column “%(field)s”: %(count)d cells hold “%(cell)s” (first in row %(row)d); they are"
        " read as empty (no data), not as 0. If they mean zero, write 0 in the file.",
        profile.dashes,
    ) % {"field": name, "count": profile.dashes, "cell": cell.strip(), "row": row}
    report.warning("missing-value", message, row=row, field=name, cell=cell, count=profile.dashes)


def _date_separator(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str | None:
    """The one separator a day-first date column uses (`/`, `-` or `.`), None when mixed."""
    source = quote_identifier(column)
    found = con.execute(
        f"SELECT DISTINCT regexp_extract({source}, '^\\s*\\d{{1,2}}([/.-])', 1) "  # noqa: S608
        f"FROM {table} WHERE regexp_full_match({source}, '{DAY_FIRST_RE}') LIMIT 3"
    ).fetchall()
    separators = {row[0] for row in found}
    return separators.pop() if len(separators) == 1 else None


def _settle_day_first_date(
    con: duckdb.DuckDBPyConnection, table: str, column: str, field: dict[str, Any]
) -> None:
    """Fix the date pattern's separator and check every cell is a real date (31/02 is not)."""
    separator = _date_separator(con, table, column)
    if separator is None:
        field.update(type="string", format="default")
        field.pop("missingValues", None)
        return
    pattern = field["format"].replace("/", separator)
    source = quote_identifier(column)
    bad = con.execute(
        f"SELECT count(*) FROM {table} WHERE {source} IS NOT NULL "  # noqa: S608
        f"AND {source} NOT IN ({', '.join(repr(d) for d in sorted(PLACEHOLDERS))}) "
        f"AND try_strptime(trim({source}), {quote_literal(pattern)}) IS NULL"
    ).fetchone()[0]
    if bad:
        field.update(type="string", format="default")
        field.pop("missingValues", None)
        return
    field["format"] = pattern


def _month_enum(con: duckdb.DuckDBPyConnection, table: str, column: str, profile) -> list[str]:
    """All twelve month names in the spelling the file uses (upper, title or lower case).

    The whole year is allowed, not only the months present, so next month's file fits."""
    source = quote_identifier(column)
    values = [
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT trim({source}) FROM {table} "  # noqa: S608
            f"WHERE {source} IS NOT NULL LIMIT 40"
        ).fetchall()
    ]
    names = MONTHS_FULL if profile.months_full >= profile.months_short else MONTHS_SHORT_CANONICAL
    values = [v for v in values if v not in PLACEHOLDERS]
    if values and all(v == v.upper() for v in values):
        return [n.upper() for n in names]
    if values and all(v == v.title() for v in values):
        return [n.title() for n in names]
    if values and all(v == v.lower() for v in values):
        return [n.lower() for n in names]
    return []


def decimal_mark(schema: dict[str, Any]) -> str | None:
    """ "," when a number field reads a decimal comma, "." when numbers are plain, None without
    numbers — the choice shown to the user."""
    numeric = [f for f in schema.get("fields", []) if f.get("type") in ("number", "integer")]
    if not numeric:
        return None
    indonesian = any(f.get("decimalChar") == "," or f.get("groupChar") == "." for f in numeric)
    return "," if indonesian else "."


def infer_schema(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    names: list[str],
    report: Report | None = None,
    *,
    decimal: str | None = None,
) -> dict[str, Any]:
    """A Table Schema proposed for the table of text cells (`decimal`: "," or "." to impose the
    decimal mark, None to detect it per column)."""
    profiles = profile_columns(con, table, columns)
    fields = []
    for column, name, profile in zip(columns, names, profiles, strict=True):
        field = infer_field(name, profile, decimal)
        if field["type"] == "date" and field.get("format", "default") != "default":
            _settle_day_first_date(con, table, column, field)
        if field.get("monthName"):
            enum = _month_enum(con, table, column, profile)
            if enum:
                field["constraints"] = {"enum": enum}
        is_plain_text = field["type"] == "string" and not (
            field.get("codeLike") or field.get("monthName")
        )
        if report is not None and is_plain_text and _mostly_numeric(profile):
            _warn_mostly_numeric(con, table, column, name, profile, report)
        if report is not None and field.get("missingValues"):
            _warn_placeholders(con, table, column, name, profile, report)
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}
