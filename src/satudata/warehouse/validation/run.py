"""Running the checks: `prepare()` binds the header to the schema and drops blank rows, then
`validate()` runs every check family over the whole table and fills the report.

    ctx = prepare(con, table, "__row", columns, names, schema, report)
    ctx.schema = infer_schema(...)   # only when no schema was given
    validate(ctx, parquet_path)      # writes the typed Parquet too
    write_issues(ctx, path)          # issues.py
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from satudata.warehouse.ingest.parquet import copy_to_parquet, write_parquet
from satudata.warehouse.ingest.report import Report
from satudata.warehouse.validation import cells, history, keys, regions, rows, text, totals
from satudata.warehouse.validation.context import Context, PreviousVersion, create_issues_table
from satudata.warehouse.validation.schema import normalise


def text_schema(names: list[str]) -> dict[str, Any]:
    """The schema before inference: every column text, empty cells missing."""
    return {"fields": [{"name": n, "type": "string"} for n in names], "missingValues": [""]}


def prepare(
    con: duckdb.DuckDBPyConnection,
    table: str,
    row_column: str,
    columns: list[str | None],
    names: list[str],
    schema: dict[str, Any] | None,
    report: Report,
    *,
    previous: PreviousVersion | None = None,
    materialize: Callable[[], str] | None = None,
    after_scan: Callable[[], None] | None = None,
    schema_source: str = "given",
) -> Context:
    """Start a validation and remove blank rows.

    `columns` are the source columns per schema field (labels.bind) when a `schema` is given
    (already checked with `schema_problems`), else the source columns named `names` (inference
    follows; set `ctx.schema` to its result before `validate`). With `materialize`, `table` is a
    view over the source file (a lazy reader, see Context): blank rows are then found by the
    guarded write, and the rows copied into a table only if some check needs them."""
    create_issues_table(con)
    if schema is None:
        ctx = Context(con, table, row_column, list(columns), text_schema(names), report, previous)
    else:
        # "given" by the user, or the "previous" version's reused (ingest/pipeline.py says).
        report.schema_source = schema_source
        ctx = Context(con, table, row_column, list(columns), normalise(schema), report, previous)
    ctx.materialize, ctx.after_scan = materialize, after_scan
    if not ctx.lazy:
        rows.remove_blank_rows(ctx)
    return ctx


class SourceRejected(Exception):
    """The reader rejected rows while its view was scanned (ragged rows…): refuse the file."""


def _reader_problems(ctx: Context) -> None:
    if ctx.after_scan is not None:
        ctx.after_scan()
    if not ctx.report.valid:
        raise SourceRejected


def demote_unfit_fields(ctx: Context) -> list[str]:
    """Inferred types every cell must fit: a field with a cell that does not is made text.

    Inference and validation read cells with the same rules, so this only matters when they
    disagree on an edge case (e.g. a year written with a trailing space)."""
    checked = cells.find_cell_problems(ctx)
    if not checked:
        return []
    counts = ctx.con.execute(
        "SELECT "  # noqa: S608
        + ", ".join(f"count_if((m{i} & 1) <> 0)" for i in checked)
        + f" FROM {cells.CELLS_TABLE}"
    ).fetchall()[0]
    demoted = []
    for index, count in zip(checked, counts, strict=True):
        if count:
            field = ctx.fields[index]
            for key in (
                "format",
                "groupChar",
                "decimalChar",
                "bareNumber",
                "trueValues",
                "falseValues",
            ):
                field.pop(key, None)
            field["type"] = "string"
            demoted.append(field["name"])
    return demoted


def write_typed(ctx: Context, target: Path) -> None:
    """Type, check and write the Parquet; run the full cell checks only when a cell fails.

    The optimistic write stops at the first cell with a problem (cells.guarded_select), so a
    clean file costs one scan. Otherwise the problems are found and reported (an inferred schema
    first turns a column whose cells do not all fit into text), and the Parquet is written with
    NULL for the cells that do not fit."""
    try:
        written = copy_to_parquet(ctx.con, cells.guarded_select(ctx), target)
    except duckdb.Error as error:
        target.unlink(missing_ok=True)
        if not cells.is_guard_error(error):
            raise
        if ctx.lazy:
            # A problem somewhere (or a blank row, or an over-long cell): from now on the rows
            # are looked up, so they go into a table, checked as the reader checks them.
            ctx.rows_table()
            _reader_problems(ctx)
            rows.remove_blank_rows(ctx)
            write_typed(ctx, target)
            return
        if ctx.report.schema_source == "inferred" and demote_unfit_fields(ctx):
            write_typed(ctx, target)
            return
        cells.check_cells(ctx)
        written = write_parquet(ctx.con, ctx.rows_table(), ctx.columns, ctx.schema, target)
    else:
        if ctx.lazy:
            _reader_problems(ctx)
    ctx.parquet_path, ctx.row_count = target, written


def validate(ctx: Context, parquet_path: Path) -> Report:
    """Every check, and the typed Parquet of the version written to `parquet_path`."""
    write_typed(ctx, parquet_path)
    keys.check_unique(ctx)
    keys.check_primary_key(ctx)
    keys.check_foreign_keys(ctx)
    rows.check_duplicate_rows(ctx)
    text.scan_text(ctx)
    regions.check_regions(ctx)
    totals.check_totals(ctx)
    history.check_zero_values(ctx)
    text.check_whitespace(ctx)
    ctx.report.sort()
    return ctx.report
