"""What every check works on: the DuckDB table of text cells, the schema, the report, and a
place to put the problems found (`record`).

Problems go two ways: the report counts all of them and lists the first
`SATUDATA_VALIDATION_LISTED_PER_TYPE` of each type (with a message), and the `issues` table in
DuckDB keeps (row, field, type, severity) for the first `SATUDATA_VALIDATION_ISSUE_ROWS_MAX`
problem rows of each check — the report page's table and the "rows to fix" download are built
from it (issues.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.ingest.report import Report
from satudata.warehouse.validation import types, vocabulary

ISSUES_TABLE = "validation_issues"


def issue_rows_max() -> int:
    return max(1, int(getattr(settings, "SATUDATA_VALIDATION_ISSUE_ROWS_MAX", 100_000)))


@dataclass
class PreviousVersion:
    """The version new data is compared with (zero-value check)."""

    number: int
    parquet_path: Path
    table_schema: dict[str, Any]


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    table: str
    row_column: str
    # Per schema field, the text column it is read from (None: the file lacks that column).
    columns: list[str | None]
    schema: dict[str, Any]
    report: Report
    previous: PreviousVersion | None = None
    # Names of the source columns the schema does not describe (extra-label), kept for issues.
    extra_columns: list[tuple[str, str]] = field(default_factory=list)
    issue_rows: int = field(default_factory=issue_rows_max)
    region_table: str | None = None  # loaded on demand (references.py)
    region_codes: set[str] = field(default_factory=set)  # codes looked up so far
    # Set as the checks go: the typed Parquet once written, the number of total rows
    # (text.py), and whether the primary key was found unique (then no row can repeat).
    parquet_path: Path | None = None
    total_rows: int = 0
    key_unique: bool = False
    # When `table` is a view over the source file (a lazy reader), `materialize` copies the rows
    # into a real table and returns its name, and `after_scan` reports the rows the reader
    # rejected while the view was scanned. `row_count` is known once the Parquet is written.
    materialize: Callable[[], str] | None = None
    after_scan: Callable[[], None] | None = None
    row_count: int | None = None

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.schema["fields"]

    @property
    def names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def row(self) -> str:
        return quote_identifier(self.row_column)

    def cell(self, index: int) -> str:
        column = self.columns[index]
        return quote_identifier(column) if column else "CAST(NULL AS VARCHAR)"

    def typed(self, index: int) -> str:
        return types.typed_sql(self.schema, self.fields[index], self.cell(index))

    def missing(self, index: int) -> str:
        return types.is_missing_sql(
            self.cell(index), types.missing_values(self.schema, self.fields[index])
        )

    def index_of(self, name: str) -> int | None:
        for index, item in enumerate(self.fields):
            if item["name"] == name:
                return index
        return None

    @property
    def lazy(self) -> bool:
        return self.materialize is not None

    def rows_table(self) -> str:
        """The table of text cells, copied out of the source file first if it is still there
        (checks call this only when they must look rows up: a clean file never needs it)."""
        if self.materialize is not None:
            materialize, self.materialize = self.materialize, None
            self.table = materialize()
        return self.table

    def typed_source(self) -> str | None:
        """The written Parquet as a SQL source (typed columns by field name), if written."""
        if self.parquet_path is None:
            return None
        return f"read_parquet({quote_literal(str(self.parquet_path))})"

    def scalar(self, sql: str, params: list | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None


def create_issues_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ISSUES_TABLE} ("
        "row BIGINT, field VARCHAR, type VARCHAR, severity VARCHAR)"
    )


def record(
    ctx: Context,
    kind: str,
    found_sql: str,
    *,
    total: int | None = None,
    highlight: list[str] | None = None,
) -> int:
    """Count and keep the problems of `kind` that `found_sql` selects.

    `found_sql` gives the columns `row` (BIGINT or NULL), `field` (VARCHAR or NULL), `cell`
    (VARCHAR or NULL) and `params` (JSON text with what the message needs, or NULL). It may be
    limited to the first problems when the caller passes the exact `total` itself.
    `highlight`: the fields whose cells the report page marks, when not `field` (e.g. the
    columns of a primary key).
    """
    con = ctx.con
    severity = vocabulary.severity_of(kind)
    con.execute(f"CREATE OR REPLACE TEMP TABLE validation_found AS {found_sql}")
    if total is None:
        total = ctx.scalar("SELECT count(*) FROM validation_found")
    if not total:
        return 0
    fields = (
        "unnest([" + ", ".join(quote_literal(name) for name in highlight) + "])"
        if highlight
        else "field"
    )
    con.execute(
        f"INSERT INTO {ISSUES_TABLE} SELECT row, {fields}, {quote_literal(kind)}, "  # noqa: S608
        f"{quote_literal(severity)} FROM (SELECT * FROM validation_found "
        f"ORDER BY row NULLS FIRST, field LIMIT {int(ctx.issue_rows)})"
    )
    listed = con.execute(
        "SELECT row, field, cell, params FROM validation_found "  # noqa: S608
        f"ORDER BY row NULLS FIRST, field LIMIT {int(ctx.report.listed_cap)}"
    ).fetchall()
    for row, field_name, cell, params_text in listed:
        params = json.loads(params_text) if params_text else {}
        where = {"row": row, "field": field_name, "cell": cell}
        ctx.report.add(
            severity,
            kind,
            vocabulary.message(kind, {**params, **where}),
            row=row,
            field=field_name,
            cell=cell,
            params=params,
        )
    if total > len(listed):
        ctx.report.add(severity, kind, "", count=total - len(listed), listed=False)
    con.execute("DROP TABLE validation_found")
    return total


def add_listed(ctx: Context, kind: str, params: dict[str, Any], *, row=None, field=None) -> None:
    """One problem found in Python (header checks): report it and keep it for the issues."""
    severity = vocabulary.severity_of(kind)
    ctx.report.add(
        severity,
        kind,
        vocabulary.message(kind, {**params, "row": row, "field": field}),
        row=row,
        field=field,
        cell=params.get("cell"),
        params=params,
    )
    ctx.con.execute(f"INSERT INTO {ISSUES_TABLE} VALUES (?, ?, ?, ?)", [row, field, kind, severity])  # noqa: S608
