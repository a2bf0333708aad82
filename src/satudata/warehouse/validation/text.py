"""One scan of the text columns for what the domain checks need from them:

- `whitespace-value` (a warning): text with spaces at the start or the end. `AIDS ` and `AIDS`
  look the same on screen but are two categories to every chart, filter and sum;
- total rows: a cell that says only `Jumlah`, `Total`, `Jumlah Total`, … (any case) marks a row
  that sums others (totals.py checks it; the region checks leave it out).

Only the rows with a flag are kept (`validation_text`), so the later checks read a tiny table.
Columns with few distinct values (dictionary-encoded in the Parquet just written — codes,
names, categories) are checked on those values; other text columns are scanned cell by cell.
"""

from __future__ import annotations

import re

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.validation import types
from satudata.warehouse.validation.context import Context, record

TEXT_TABLE = "validation_text"
TOTALS_TABLE = "validation_total_rows"
TOTAL_LABEL_RE = (
    r"\s*(?i:jumlah|total|grand total|jumlah total|total keseluruhan|jumlah keseluruhan"
    r"|jumlah seluruhnya|total jumlah)\s*:?\s*"
)
_TOTAL_LABEL = re.compile(TOTAL_LABEL_RE.replace("(?i:", "(?:"), re.IGNORECASE)
TOTAL_FIRST_CHARACTERS = ("j", "J", "t", "T", "g", "G", " ")
SPACES = " \t\n\r\f\v"
WHITESPACE_RE = r"^[ \t\n\r\f\v]|[ \t\n\r\f\v]$"
# A column whose Parquet chunks are all dictionary-encoded has few distinct values: they are
# read from the Parquet (almost free) and checked in Python, instead of a scan of every cell.
DICTIONARY = "DICTIONARY"


def text_fields(ctx: Context) -> list[int]:
    return [
        i
        for i, f in enumerate(ctx.fields)
        if (f.get("type") or "string") == "string" and ctx.columns[i]
    ]


def is_padded(value: str) -> bool:
    return bool(value) and (value[0] in SPACES or value[-1] in SPACES)


def is_total_label(value: str) -> bool:
    return len(value) < 40 and _TOTAL_LABEL.fullmatch(value) is not None


def _dictionary_fields(ctx: Context, indexes: list[int]) -> set[int]:
    source = ctx.parquet_path
    if source is None:
        return set()
    rows = ctx.con.execute(
        "SELECT path_in_schema, bool_and(contains(encodings, ?)) "  # noqa: S608
        f"FROM parquet_metadata({quote_literal(str(source))}) GROUP BY path_in_schema",
        [DICTIONARY],
    ).fetchall()
    encoded = {name for name, dictionary in rows if dictionary}
    return {i for i in indexes if ctx.fields[i]["name"] in encoded}


def _flagged_values(ctx: Context, index: int) -> list[tuple[int, str, bool, bool]]:
    name = quote_identifier(ctx.fields[index]["name"])
    values = ctx.con.execute(
        f"SELECT DISTINCT {name} FROM {ctx.typed_source()} WHERE {name} IS NOT NULL"  # noqa: S608
    ).fetchall()
    flagged = []
    for (value,) in values:
        padded, total = is_padded(value), is_total_label(value)
        if padded or total:
            flagged.append((index, value, padded, total))
    return flagged


def _flags(cell: str) -> tuple[str, str]:
    """SQL flags of a text cell: padded, total label."""
    first = ", ".join(types.lit(c) for c in TOTAL_FIRST_CHARACTERS)
    padded = f"regexp_matches({cell}, {types.lit(WHITESPACE_RE)})"
    total = (
        f"({cell}[1] IN ({first}) AND strlen({cell}) < 40 "
        f"AND regexp_full_match({cell}, {types.lit(TOTAL_LABEL_RE)}))"
    )
    return padded, total


def _scan_sql(ctx: Context, index: int) -> str | None:
    """Rows of one text column with a flag, found by a vectorised scan of its cells — first
    of the Parquet's column (no row numbers, cheap), then of the rows only if a cell is flagged.
    """
    source = ctx.typed_source()
    if source is not None:
        padded, total = _flags(quote_identifier(ctx.fields[index]["name"]))
        if not ctx.scalar(f"SELECT count(*) FROM {source} WHERE {padded} OR {total}"):  # noqa: S608
            return None
    cell = ctx.cell(index)
    padded, total = _flags(cell)
    return (
        f"SELECT * FROM (SELECT {ctx.row} AS row, {index} AS field, {cell} AS cell, "  # noqa: S608
        f"{padded} AS padded, {total} AS total FROM {ctx.rows_table()}) WHERE padded OR total"
    )


def scan_text(ctx: Context) -> None:
    """Create `validation_text` (row, field index, cell, padded, total) for the flagged cells
    and `validation_total_rows` (row, field index of the label)."""
    con = ctx.con
    indexes = text_fields(ctx)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TEXT_TABLE} "
        "(row BIGINT, field INTEGER, cell VARCHAR, padded BOOLEAN, total BOOLEAN)"
    )
    dictionary = _dictionary_fields(ctx, indexes)
    flagged = [item for i in sorted(dictionary) for item in _flagged_values(ctx, i)]
    if flagged:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE validation_text_values "
            "(field INTEGER, cell VARCHAR, padded BOOLEAN, total BOOLEAN)"
        )
        con.executemany("INSERT INTO validation_text_values VALUES (?, ?, ?, ?)", flagged)
        for index in sorted({item[0] for item in flagged}):
            con.execute(
                f"INSERT INTO {TEXT_TABLE} SELECT t.{ctx.row}, v.field, v.cell, v.padded, "  # noqa: S608
                f"v.total FROM {ctx.rows_table()} t JOIN validation_text_values v "
                f"ON v.field = {index} AND v.cell = t.{ctx.cell(index)}"
            )
    for index in indexes:
        scan = None if index in dictionary else _scan_sql(ctx, index)
        if scan:
            con.execute(f"INSERT INTO {TEXT_TABLE} {scan}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TOTALS_TABLE} AS "  # noqa: S608
        f"SELECT DISTINCT row, field FROM {TEXT_TABLE} WHERE total"
    )
    ctx.total_rows = int(ctx.scalar(f"SELECT count(DISTINCT row) FROM {TOTALS_TABLE}") or 0)  # noqa: S608


def not_total(ctx: Context, row: str | None = None) -> str:
    """SQL: TRUE on a row that is not a total row (after `scan_text`)."""
    if not ctx.total_rows:
        return "true"
    return f"{row or ctx.row} NOT IN (SELECT row FROM {TOTALS_TABLE})"  # noqa: S608


def check_whitespace(ctx: Context) -> int:
    names = ", ".join(f"({i}, {types.lit(ctx.fields[i]['name'])})" for i in text_fields(ctx))
    if not names:
        return 0
    return record(
        ctx,
        "whitespace-value",
        f"SELECT t.row, n.name AS field, t.cell, CAST(NULL AS VARCHAR) AS params "  # noqa: S608
        f"FROM {TEXT_TABLE} t JOIN (VALUES {names}) n(field, name) USING (field) "
        "WHERE t.padded",
    )
