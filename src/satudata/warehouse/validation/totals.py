"""Domain warning `total-mismatch`: a `Jumlah`/`Total` row that differs from the sum it totals.

Total rows were found by the text scan (text.py: a cell that says only `Jumlah`, `Total`, …).
A total row's members are the other rows that agree with it on every grouping column — the
text/year columns that repeat (e.g. `tahun`, `jenis_kelamin`), not the ones that name each row
(codes, names) and not the column holding the label. Each summable number column (not a rate,
percentage or average — roles.py) is compared, with a tolerance for the rounding of its decimals.
"""

from __future__ import annotations

from satudata.warehouse.validation import roles, types
from satudata.warehouse.validation.context import Context, record
from satudata.warehouse.validation.text import TOTALS_TABLE

# Relative tolerance for numbers stored with full precision.
RELATIVE_TOLERANCE = 1e-9


def _grouping_fields(ctx: Context, label_fields: set[int]) -> list[int]:
    """Dimension columns that repeat among the member rows (so they group, not name, rows)."""
    candidates = [
        i
        for i, f in enumerate(ctx.fields)
        if ctx.columns[i]
        and i not in label_fields
        and roles.is_dimension(f)
        and not roles.is_code_like(f)
    ]
    if not candidates:
        return []
    measures = ", ".join(f"count({ctx.cell(i)}), count(DISTINCT {ctx.cell(i)})" for i in candidates)
    row = ctx.con.execute(
        f"SELECT {measures} FROM {ctx.rows_table()} "  # noqa: S608
        f"WHERE {ctx.row} NOT IN (SELECT row FROM {TOTALS_TABLE})"
    ).fetchall()[0]
    grouping = []
    for n, index in enumerate(candidates):
        filled, distinct = row[2 * n], row[2 * n + 1]
        if filled and distinct < filled:
            grouping.append(index)
    return grouping


def check_totals(ctx: Context) -> int:
    if not ctx.total_rows:
        return 0
    table = ctx.rows_table()
    measures = [i for i, f in enumerate(ctx.fields) if ctx.columns[i] and roles.is_measure(f)]
    if not measures:
        return 0
    label_fields = {
        int(row[0])
        for row in ctx.con.execute(f"SELECT DISTINCT field FROM {TOTALS_TABLE}").fetchall()  # noqa: S608
    }
    grouping = _grouping_fields(ctx, label_fields)
    typed = ", ".join(f"{ctx.typed(i)} AS m{i}" for i in measures)
    groups = "".join(f", {ctx.cell(i)} AS g{i}" for i in grouping)
    cells = ", ".join(f"{ctx.cell(i)} AS c{i}" for i in measures)
    decimals = ", ".join(
        f"max(length(regexp_extract({ctx.cell(i)}, '[.,]([0-9]+)\\s*$', 1))) AS d{i}"
        for i in measures
    )
    base = (
        f"SELECT {ctx.row} AS row, {ctx.row} IN (SELECT row FROM {TOTALS_TABLE}) AS is_total, "  # noqa: S608
        f"{typed}{groups}, {cells} FROM {table}"
    )
    match = " AND ".join(f"m.g{i} IS NOT DISTINCT FROM t.g{i}" for i in grouping) or "true"
    sums = ", ".join(f"sum(m.m{i}) AS s{i}" for i in measures)
    parts = []
    for i in measures:
        name = types.lit(ctx.fields[i]["name"])
        tolerance = (
            f"greatest(abs(t.m{i}) * {RELATIVE_TOLERANCE}, "
            f"s.n * 0.5 * power(10, -coalesce(dec.d{i}, 0)))"
        )
        parts.append(
            f"SELECT t.row, {name} AS field, t.c{i} AS cell, "  # noqa: S608
            f"CAST(json_object('total', t.m{i}, 'sum', s.s{i}, 'count', s.n) AS VARCHAR) "
            "AS params FROM totals t JOIN sums s USING (row), decimals dec "
            f"WHERE t.m{i} IS NOT NULL AND s.s{i} IS NOT NULL "
            f"AND abs(t.m{i} - s.s{i}) > {tolerance}"
        )
    found = (
        f"WITH base AS ({base}), "  # noqa: S608
        "totals AS (SELECT * FROM base WHERE is_total), "
        f"sums AS (SELECT t.row, count(m.row) AS n, {sums} FROM totals t "
        f"JOIN base m ON NOT m.is_total AND {match} GROUP BY t.row), "
        f"decimals AS (SELECT {decimals} FROM {table}) " + " UNION ALL ".join(parts)
    )
    return record(ctx, "total-mismatch", found)
