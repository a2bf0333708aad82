"""Row checks: `blank-row` (the row is left out of the data) and `duplicate-row` (a warning).

A blank row has every cell missing (as frictionless: a cell with only spaces is not missing).
A duplicate row repeats an earlier row cell for cell; it is found by hashing the text cells
(vectorised) and confirmed by comparing the cells of the few candidates.
"""

from __future__ import annotations

from satudata.warehouse.engine import quote_identifier
from satudata.warehouse.validation.context import Context, record


def _source_columns(ctx: Context) -> list[str]:
    present = [c for c in ctx.columns if c] + [c for c, _label in ctx.extra_columns]
    return list(dict.fromkeys(present))


def blank_condition(ctx: Context) -> str | None:
    columns = _source_columns(ctx)
    if not columns:
        return None
    missing = []
    for index, column in enumerate(ctx.columns):
        if column:
            missing.append(ctx.missing(index))
    missing += [f"{quote_identifier(c)} IS NULL" for c, _label in ctx.extra_columns]
    return " AND ".join(missing)


def remove_blank_rows(ctx: Context) -> int:
    """Report the rows without any value and delete them from the table."""
    condition = blank_condition(ctx)
    if condition is None:
        return 0
    table = ctx.rows_table()
    found = record(
        ctx,
        "blank-row",
        f"SELECT {ctx.row} AS row, CAST(NULL AS VARCHAR) AS field, "  # noqa: S608
        f"CAST(NULL AS VARCHAR) AS cell, CAST(NULL AS VARCHAR) AS params "
        f"FROM {table} WHERE {condition}",
    )
    if found:
        ctx.con.execute(f"DELETE FROM {table} WHERE {condition}")  # noqa: S608
    return found


def _typed_rows_repeat(ctx: Context) -> bool:
    """Could two rows be equal? Rows equal as written are equal typed, so when no typed row of
    the Parquet repeats (one cheap hash per row), no row does — and the rows are not read again.
    """
    source = ctx.typed_source()
    if source is None or ctx.extra_columns:
        return True
    names = ", ".join(quote_identifier(f["name"]) for f in ctx.fields)
    rows, hashes = ctx.con.execute(
        f"SELECT count(*), count(DISTINCT hash({names})) FROM {source}"  # noqa: S608
    ).fetchall()[0]
    return rows != hashes


def check_duplicate_rows(ctx: Context) -> int:
    if ctx.key_unique:
        return 0  # two equal rows would have had equal primary keys
    columns = [quote_identifier(c) for c in _source_columns(ctx)]
    if not columns or not _typed_rows_repeat(ctx):
        return 0
    table = ctx.rows_table()
    # Hash every row (vectorised) and keep only the rows whose hash is seen more than once;
    # among those few, group on the real cells, so a hash collision never reports a duplicate.
    cells = ", ".join(columns)
    repeated = ctx.scalar(
        f"SELECT count(*) FROM (SELECT hash({cells}) AS h FROM {table} "  # noqa: S608
        "GROUP BY h HAVING count(*) > 1)"
    )
    if not repeated:
        return 0
    candidates = (
        f"SELECT * FROM {table} WHERE hash({cells}) IN ("  # noqa: S608
        f"SELECT hash({cells}) AS h FROM {table} GROUP BY h HAVING count(*) > 1)"
    )
    found = (
        "SELECT row, CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS cell, "  # noqa: S608
        "CAST(json_object('first', first) AS VARCHAR) AS params FROM ("
        f"SELECT {ctx.row} AS row, min({ctx.row}) OVER (PARTITION BY {cells}) AS first "
        f"FROM ({candidates})) WHERE row > first"
    )
    return record(ctx, "duplicate-row", found)
