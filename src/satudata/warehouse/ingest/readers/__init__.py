"""Readers turn a sniffed text file into one DuckDB table of text cells.

Every reader, built-in or added later (XLSX, JSON, XML, … in issue 4), has the same shape: it
gets a DuckDB connection, the `Sniffed` file and the `Report`, and creates a table with a
`__row` column (the row number in the source, header = row 1) and one VARCHAR column per source
column, named `c0`, `c1`, …; it returns the header labels as found. Typing happens later, once,
for all formats (infer.py), so "code-like columns stay strings" holds for every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from satudata.warehouse.ingest.report import Report
from satudata.warehouse.ingest.sniff import Sniffed

RAW_TABLE = "raw_cells"
ROW_COLUMN = "__row"


@dataclass
class TableRead:
    labels: list[str | None]
    table: str = RAW_TABLE
    is_spatial: bool = False

    @property
    def cell_columns(self) -> list[str]:
        return [cell_column(index) for index in range(len(self.labels))]


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
    from satudata.warehouse.ingest.readers import csv, geojson  # noqa: F401

    return _READERS[fmt]
