"""The rows with problems, as a Parquet file stored with the version (`Version.issues_sha256`).

One row per source row with at least one problem (the first `SATUDATA_VALIDATION_ISSUE_ROWS_MAX`
of them): `__row` (the row number in the source file), the row's cells exactly as written (one
text column per schema field, then the columns the schema does not describe), and `__issues`, a
list of (type, field, severity). The report page highlights and filters from it; the "rows to
fix" download is made from it. Header problems (no row) stay in the report only.
"""

from __future__ import annotations

from pathlib import Path

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.validation.context import ISSUES_TABLE, Context

ROW_COLUMN = "__row"
ISSUES_COLUMN = "__issues"
RESERVED = (ROW_COLUMN, ISSUES_COLUMN)


def cell_columns(ctx: Context) -> list[tuple[str | None, str]]:
    """(source text column or None, output column name) for the issues file; names unique."""
    taken: set[str] = set(RESERVED)
    result = []
    sources = [(ctx.columns[i], f["name"]) for i, f in enumerate(ctx.fields)]
    sources += [(column, label or column) for column, label in ctx.extra_columns]
    for column, wanted in sources:
        name, suffix = wanted, 2
        while name in taken:
            name, suffix = f"{wanted}_{suffix}", suffix + 1
        taken.add(name)
        result.append((column, name))
    return result


def problem_row_count(ctx: Context) -> int:
    return int(
        ctx.scalar(f"SELECT count(DISTINCT row) FROM {ISSUES_TABLE} WHERE row IS NOT NULL") or 0  # noqa: S608
    )


def write_issues(ctx: Context, target: Path) -> bool:
    """Write the issues file; False (and no file) when no row has a problem."""
    if not problem_row_count(ctx):
        return False
    cells = ", ".join(
        f"{'t.' + quote_identifier(column) if column else 'CAST(NULL AS VARCHAR)'} "
        f"AS {quote_identifier(name)}"
        for column, name in cell_columns(ctx)
    )
    issues = (
        "SELECT row, list(struct_pack(type := type, field := field, severity := severity) "  # noqa: S608
        "ORDER BY type, field) AS issues FROM ("
        f"SELECT DISTINCT row, field, type, severity FROM {ISSUES_TABLE} WHERE row IS NOT NULL) "
        f"GROUP BY row ORDER BY row LIMIT {int(ctx.issue_rows)}"
    )
    ctx.con.execute(
        f"COPY (SELECT i.row AS {ROW_COLUMN}, {cells}, i.issues AS {ISSUES_COLUMN} "  # noqa: S608
        f"FROM ({issues}) i LEFT JOIN {ctx.rows_table()} t ON t.{ctx.row} = i.row ORDER BY i.row) "
        f"TO {quote_literal(str(target))} (FORMAT parquet, COMPRESSION zstd)"
    )
    return True
