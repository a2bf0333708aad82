"""CSV download: UTF-8, comma-separated, header row, text cells formula-escaped.

Written by DuckDB's `COPY … TO` straight from the Parquet file (vectorised; one pass on disk),
then streamed to the client from the file.
"""

from __future__ import annotations

from pathlib import Path

from satudata.warehouse import engine
from satudata.warehouse.exports.escape import escape_sql, escape_text
from satudata.warehouse.models import Version
from satudata.warehouse.queries import parquet_path, schema_fields


def select_for_export(version: Version) -> str:
    parts = []
    for field in schema_fields(version):
        name = field["name"]
        expression = (
            escape_sql(name)
            if field.get("type", "string") == "string"
            else (engine.quote_identifier(name))
        )
        parts.append(f"{expression} AS {engine.quote_identifier(escape_text(name))}")
    source = engine.quote_literal(str(parquet_path(version)))
    # DuckDB keeps file order for a plain scan (preserve_insertion_order is on by default).
    return f"SELECT {', '.join(parts)} FROM read_parquet({source})"  # noqa: S608


def export_csv(version: Version, target: Path) -> None:
    con = engine.connect(temp_dir=target.parent)
    try:
        con.execute(
            f"COPY ({select_for_export(version)}) TO {engine.quote_literal(str(target))} "
            "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', NULLSTR '')"
        )
    finally:
        con.close()
