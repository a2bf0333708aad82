"""Step: write the typed table to Parquet — to a temporary file first, then into the blob store.

The cast expressions come from the Table Schema, so the Parquet column types are exactly the
schema's (code-like columns are VARCHAR). Inference already checked that every cell fits its type,
so the casts cannot fail or lose a value. The temporary file is renamed into the content-addressed
store by the service only after the whole file is written (atomic: a killed import leaves no
half-written version behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.ingest.infer import SQL_TYPES

ROW_GROUP_ROWS = 122_880


def cast_expression(column: str, field: dict[str, Any]) -> str:
    source = quote_identifier(column)
    kind = field.get("type", "string")
    if kind == "string":
        return source  # exactly as written: no trimming, no re-formatting
    if kind == "boolean":
        return f"(lower(trim({source})) = 'true')"
    return f"CAST(trim({source}) AS {SQL_TYPES[kind]})"


def select_typed(table: str, columns: list[str], schema: dict[str, Any], order_by: str) -> str:
    parts = [
        f"{cast_expression(column, field)} AS {quote_identifier(field['name'])}"
        for column, field in zip(columns, schema["fields"], strict=True)
    ]
    return f"SELECT {', '.join(parts)} FROM {table} ORDER BY {order_by}"  # noqa: S608


def write_parquet(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    schema: dict[str, Any],
    target: Path,
    *,
    order_by: str,
) -> None:
    query = select_typed(table, columns, schema, order_by)
    con.execute(
        f"COPY ({query}) TO {quote_literal(str(target))} "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
