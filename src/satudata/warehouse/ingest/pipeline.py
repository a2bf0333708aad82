"""The ingest pipeline (DESIGN §2): receive → sniff → read → name fields → infer → Parquet.

One function, `process()`, shared by every entry point (web upload, CLI, API, connectors). It only
writes inside a scratch folder; the service decides what becomes a version and commits the blobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from satudata.warehouse import engine
from satudata.warehouse.ingest.header import field_names
from satudata.warehouse.ingest.infer import infer_schema
from satudata.warehouse.ingest.parquet import write_parquet
from satudata.warehouse.ingest.readers import ROW_COLUMN, reader_for
from satudata.warehouse.ingest.receive import Received
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import Sniffed, sniff

BLANK_ROWS_LISTED = 20


@dataclass
class IngestOutcome:
    sniffed: Sniffed
    table_schema: dict[str, Any]
    report: dict[str, Any]
    row_count: int
    column_count: int
    parquet_path: Path
    is_spatial: bool

    @property
    def source_format(self) -> str:
        return self.sniffed.format

    @property
    def encoding_label(self) -> str:
        return self.sniffed.encoding_label


def _drop_blank_rows(con, table: str, columns: list[str], report: Report) -> None:
    """Rows with no value at all (trailing `,,,` lines from spreadsheets) carry no data."""
    if not columns:
        return
    blank = " AND ".join(f"nullif(trim({engine.quote_identifier(c)}), '') IS NULL" for c in columns)
    rows = [
        row[0]
        for row in con.execute(
            f"SELECT {ROW_COLUMN} FROM {table} WHERE {blank} ORDER BY {ROW_COLUMN}"  # noqa: S608
        ).fetchall()
    ]
    if not rows:
        return
    con.execute(f"DELETE FROM {table} WHERE {blank}")  # noqa: S608
    listed = ", ".join(str(row) for row in rows[:BLANK_ROWS_LISTED])
    if len(rows) > BLANK_ROWS_LISTED:
        listed += ", …"
    report.warning(
        "blank-row",
        ngettext(
            "%(count)d empty row was left out (row %(rows)s).",
            "%(count)d empty rows were left out (rows %(rows)s).",
            len(rows),
        )
        % {"count": len(rows), "rows": listed},
        row=rows[0],
        count=len(rows),
    )


def process(received: Received, workdir: Path) -> IngestOutcome:
    """Turn received bytes into a typed Parquet file, a Table Schema and a report.

    Raises `ValidationFailed` (with the report in `details["report"]`) when the file cannot
    become a version.
    """
    sniffed = sniff(received, workdir)
    report = Report()
    con = engine.connect(temp_dir=workdir)
    try:
        table_read = reader_for(sniffed.format)(con, sniffed, report)
        if not report.valid:
            raise report.reject()
        table, columns = table_read.table, table_read.cell_columns
        names = field_names(table_read.labels, report)
        _drop_blank_rows(con, table, columns, report)
        row_count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        if row_count == 0:
            raise fail(
                "source-error",
                _("The file has column names but no data rows."),
                row=2,
            )
        schema = infer_schema(con, table, columns, names, report)
        report.rows, report.fields = row_count, len(names)
        parquet_path = workdir / "version.parquet"
        write_parquet(con, table, columns, schema, parquet_path, order_by=ROW_COLUMN)
    finally:
        con.close()
    return IngestOutcome(
        sniffed=sniffed,
        table_schema=schema,
        report=report.to_dict(),
        row_count=int(row_count),
        column_count=len(names),
        parquet_path=parquet_path,
        is_spatial=table_read.is_spatial,
    )
