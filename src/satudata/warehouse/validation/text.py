"""One scan of the text columns for what the domain checks need from them:

- `whitespace-value` (a warning): text with spaces at the start or the end. `AIDS ` and `AIDS`
  look the same on screen but are two categories to every chart, filter and sum;
- total rows: a cell that says only `Jumlah`, `Total`, `Jumlah Total`, … (any case) marks a row
  that sums others (totals.py checks it; the region checks leave it out).

Only the rows with a flag are kept (`validation_text`), so the later checks read a tiny table.
A cheap first-character test runs before the total-label expression, on every cell.
"""

from __future__ import annotations

from satudata.warehouse.validation import types
from satudata.warehouse.validation.context import Context, record

TEXT_TABLE = "validation_text"
TOTALS_TABLE = "validation_total_rows"
TOTAL_LABEL_RE = (
    r"\s*(?i:jumlah|total|grand total|jumlah total|total keseluruhan|jumlah keseluruhan"
    r"|jumlah seluruhnya|total jumlah)\s*:?\s*"
)
TOTAL_FIRST_CHARACTERS = ("j", "J", "t", "T", "g", "G", " ")
WHITESPACE_RE = r"^\s|\s$"


def text_fields(ctx: Context) -> list[int]:
    return [
        i
        for i, f in enumerate(ctx.fields)
        if (f.get("type") or "string") == "string" and ctx.columns[i]
    ]


def _is_total_label(cell: str) -> str:
    first = ", ".join(types.lit(c) for c in TOTAL_FIRST_CHARACTERS)
    return (
        f"({cell}[1] IN ({first}) AND strlen({cell}) < 40 "
        f"AND regexp_full_match({cell}, {types.lit(TOTAL_LABEL_RE)}))"
    )


def scan_text(ctx: Context) -> None:
    """Create `validation_text` (rows with a flag) and `validation_total_rows` (row, label
    field index)."""
    indexes = text_fields(ctx)
    if not indexes:
        ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {TOTALS_TABLE} (row BIGINT, field INTEGER)")
        ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {TEXT_TABLE} (row BIGINT)")
        ctx.total_rows = 0
        return
    flags = []
    for i in indexes:
        cell = ctx.cell(i)
        flags.append(f"regexp_matches({cell}, {types.lit(WHITESPACE_RE)}) AS w{i}")
        flags.append(f"{_is_total_label(cell)} AS s{i}")
    any_flag = " OR ".join(f"w{i} OR s{i}" for i in indexes)
    cells = ", ".join(f"{ctx.cell(i)} AS c{i}" for i in indexes)
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TEXT_TABLE} AS SELECT * FROM ("  # noqa: S608
        f"SELECT {ctx.row} AS row, {cells}, {', '.join(flags)} FROM {ctx.table}) "
        f"WHERE {any_flag}"
    )
    totals = " UNION ALL ".join(
        f"SELECT row, {i} AS field FROM {TEXT_TABLE} WHERE s{i}"
        for i in indexes
    )
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {TOTALS_TABLE} AS {totals}")
    ctx.total_rows = int(ctx.scalar(f"SELECT count(DISTINCT row) FROM {TOTALS_TABLE}") or 0)  # noqa: S608


def not_total(ctx: Context, row: str | None = None) -> str:
    """SQL: TRUE on a row that is not a total row (after `scan_text`)."""
    if not ctx.total_rows:
        return "true"
    return f"{row or ctx.row} NOT IN (SELECT row FROM {TOTALS_TABLE})"  # noqa: S608


def check_whitespace(ctx: Context) -> int:
    parts = [
        f"SELECT row, {types.lit(ctx.fields[i]['name'])} AS field, c{i} AS cell, "  # noqa: S608
        f"CAST(NULL AS VARCHAR) AS params FROM {TEXT_TABLE} WHERE w{i}"
        for i in text_fields(ctx)
    ]
    if not parts:
        return 0
    return record(ctx, "whitespace-value", " UNION ALL ".join(parts))
