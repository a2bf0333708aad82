"""Readers turn a sniffed text file into one DuckDB table of text cells.

Every reader (CSV, XLSX/XLS/ODS, JSON, GeoJSON, XML; a ZIP is opened by sniff.py and its
member read by one of these) has the same shape: it
gets a DuckDB connection, the `Sniffed` file and the `Report`, and creates a table with a
`__row` column (the row number in the source, header = row 1) and one VARCHAR column per source
column, named `c0`, `c1`, …; it returns the header labels as found. Typing happens later, once,
for all formats (infer.py), so "code-like columns stay strings" holds for every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import Sniffed

RAW_TABLE = "raw_cells"
ROW_COLUMN = "__row"


@dataclass
class TableRead:
    labels: list[str | None]
    table: str = RAW_TABLE
    is_spatial: bool = False
    # A reader may leave the rows in the file: `table` is then a view that parses it on each
    # scan (the CSV reader does, so a clean file with a schema is read once, by the typed
    # Parquet write). `materialize()` copies the rows into a real table (`table` changes and
    # `materialize` becomes None); `after_scan()` reports what only a full scan reveals
    # (rejected rows) — call it once after the first full scan of the view.
    materialize: Callable[[], None] | None = None
    after_scan: Callable[[], None] | None = None

    @property
    def cell_columns(self) -> list[str]:
        return [cell_column(index) for index in range(len(self.labels))]

    @property
    def lazy(self) -> bool:
        return self.materialize is not None


Reader = Callable[[duckdb.DuckDBPyConnection, Sniffed, Report], TableRead]
_READERS: dict[str, Reader] = {}


def cell_column(index: int) -> str:
    return f"c{index}"


def register(fmt: str) -> Callable[[Reader], Reader]:
    def decorator(reader: Reader) -> Reader:
        _READERS[fmt] = reader
        return reader

    return decorator


def reader_for(fmt: str) -> Reader:
    # Importing the modules registers the built-in readers (the same way plugins would).
    from satudata.warehouse.ingest.readers import (  # noqa: F401
        csv,
        geojson,
        json_table,
        spreadsheet,
        xml_table,
    )

    return _READERS[fmt]


def cell_max_chars() -> int:
    return int(getattr(settings, "SATUDATA_CELL_MAX_CHARS", 1_000_000))


def check_cell_lengths(
    con: duckdb.DuckDBPyConnection, table_read: TableRead, report: Report
) -> None:
    """Refuse a file with a giant cell (`SATUDATA_CELL_MAX_CHARS`), naming its row and column.

    One vectorised pass; the geometry column of a spatial layer is exempt (a detailed boundary
    is legitimately long).
    """
    columns = table_read.cell_columns
    if table_read.is_spatial:
        columns = columns[:-1]
    if not columns:
        return
    limit = cell_max_chars()
    longest = ", ".join(f"max(length({column}))" for column in columns)
    lengths = con.execute(f"SELECT {longest} FROM {table_read.table}").fetchone()  # noqa: S608
    for index, length in enumerate(lengths):
        if length is not None and length > limit:
            column = columns[index]
            row = con.execute(
                f"SELECT min({ROW_COLUMN}) FROM {table_read.table} "  # noqa: S608
                f"WHERE length({column}) > {int(limit)}"
            ).fetchone()[0]
            label = table_read.labels[index] or f"{index + 1}"
            raise fail(
                "source-error",
                _(
                    "Row %(row)s, column “%(column)s” holds a cell of %(length)s characters; a"
                    " cell may hold at most %(limit)s (SATUDATA_CELL_MAX_CHARS). Check that"
                    " the file is a data table, or split the text."
                )
                % {"row": row, "column": label, "length": f"{length:,}", "limit": f"{limit:,}"},
                row=row,
                field=label,
            )


# Rows handed to DuckDB at once by readers that build rows in Python (workbooks, JSON, XML):
# memory stays bounded by one batch, whatever the file size.
BATCH_ROWS = 20_000


def create_cell_table(con: duckdb.DuckDBPyConnection, width: int) -> None:
    columns = ", ".join(f"{cell_column(i)} VARCHAR" for i in range(width))
    con.execute(f"CREATE TEMP TABLE {RAW_TABLE} ({ROW_COLUMN} BIGINT, {columns})")


def append_rows(
    con: duckdb.DuckDBPyConnection, width: int, numbers: list[int], rows: list[list[str | None]]
) -> None:
    """Insert one batch of text rows (each padded/cut to `width`) through Arrow."""
    import pyarrow as pa

    if not numbers:
        return
    data = {ROW_COLUMN: pa.array(numbers, type=pa.int64())}
    for index in range(width):
        data[cell_column(index)] = pa.array(
            [row[index] if index < len(row) else None for row in rows], type=pa.string()
        )
    batch = pa.table(data)
    con.register("cell_batch", batch)
    try:
        con.execute(f"INSERT INTO {RAW_TABLE} SELECT * FROM cell_batch")  # noqa: S608
    finally:
        con.unregister("cell_batch")


def add_cell_columns(con: duckdb.DuckDBPyConnection, old_width: int, new_width: int) -> None:
    """Widen the cell table when later records bring new keys (JSON, XML)."""
    for index in range(old_width, new_width):
        con.execute(f"ALTER TABLE {RAW_TABLE} ADD COLUMN {cell_column(index)} VARCHAR")
