"""Step: write the typed table to Parquet — to a temporary file first, then into the blob store.

The typed value of every cell comes from the validator (`validation/types.py`: the strict parse
per Table Schema type, with groupChar, decimalChar, bareNumber, date formats, missingValues), so
the Parquet column types are exactly the schema's (code-like columns stay VARCHAR) and what
validation accepted is exactly what is stored. A cell validation reported as a type error is
stored as NULL (such a version has errors and cannot be published; its raw bytes and the rows to
fix are kept). The temporary file is renamed into the content-addressed store by the service
only after the whole file is written (atomic: a killed import leaves no half-written version).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.validation.types import sql_type, typed_sql

ROW_GROUP_ROWS = 122_880
# zstd level 1: about a quarter less CPU than the default level 3 for files a few percent
# larger (benchmarks/ingest.py); versions are written once and read many times either way.
ZSTD_LEVEL = 1


def typed_column(schema: dict[str, Any], field: dict[str, Any], column: str | None) -> str:
    """`<typed value> AS "<field name>"` for one field (NULL when the file lacks the column)."""
    target = sql_type(field)
    if column is None:
        value = f"CAST(NULL AS {target})"
    else:
        value = f"CAST({typed_sql(schema, field, quote_identifier(column))} AS {target})"
    return f"{value} AS {quote_identifier(field['name'])}"


def select_typed(table: str, columns: list[str | None], schema: dict[str, Any]) -> str:
    # No ORDER BY: a scan keeps insertion order (DuckDB's preserve_insertion_order), which is
    # file order — sorting a million rows would cost more than the rest of the write.
    parts = [
        typed_column(schema, field, column)
        for column, field in zip(columns, schema["fields"], strict=True)
    ]
    return f"SELECT {', '.join(parts)} FROM {table}"  # noqa: S608


def copy_to_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    """Write a query's rows to a Parquet file (zstd, fixed row groups); the rows written."""
    written = con.execute(
        f"COPY ({query}) TO {quote_literal(str(target))} "
        f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {ZSTD_LEVEL}, "
        f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    ).fetchall()
    return int(written[0][0]) if written else 0


def write_parquet(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str | None],
    schema: dict[str, Any],
    target: Path,
) -> int:
    """Typed Parquet of the table: cells that do not fit their type become NULL. Returns the
    number of rows written."""
    return copy_to_parquet(con, select_typed(table, columns, schema), target)
