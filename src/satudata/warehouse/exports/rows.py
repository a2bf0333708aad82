"""Shared machinery of the streamed downloads: DuckDB turns every row into its final text (a CSV
line, a JSON object, an XML element) in one vectorised pass, and Python only joins each Arrow
record batch into one block of bytes and hands it to the response. Memory stays flat whatever the
size of the version: one batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from satudata.warehouse import engine
from satudata.warehouse.models import Version
from satudata.warehouse.queries import parquet_path, schema_fields

# Rows per Arrow batch: large enough that the per-batch Python overhead vanishes, small enough
# that one batch of long text cells stays a few megabytes.
BATCH_ROWS = 20_000
LINE_COLUMN = "line"


def field_names(version: Version) -> list[str]:
    return [field["name"] for field in schema_fields(version)]


def source_sql(version: Version) -> str:
    """`read_parquet('<blob>')`: the blob path comes from the content-addressed store, never
    from the user, and is quoted as a literal."""
    return f"read_parquet({engine.quote_literal(str(parquet_path(version)))})"


def as_text(field: dict[str, Any], expression: str) -> str:
    """A DuckDB expression giving the cell as text the way DuckDB writes it in CSV
    (`-5.0`, `true`, `2024-01-31`); text cells pass through untouched."""
    if field.get("type", "string") == "string":
        return expression
    return f"CAST({expression} AS VARCHAR)"


def _join_batch(column: pa.Array, separator: str) -> bytes:
    """All strings of one batch joined by `separator`, in Arrow (no Python string per row)."""
    if len(column) == 0:
        return b""
    strings = column.cast(pa.large_string())
    wrapped = pa.LargeListArray.from_arrays(pa.array([0, len(strings)], pa.int64()), strings)
    joined = pc.binary_join(wrapped, pa.scalar(separator, pa.large_string()))[0]
    return joined.as_buffer().to_pybytes() if joined.is_valid else b""


def stream_lines(sql: str, *, separator: str = "", batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
    """Run `sql` (one VARCHAR column, one string per row) and yield the rows joined by
    `separator`, batch by batch. The separator also goes between batches, never after the last
    row. The DuckDB connection lives exactly as long as the generator (closed when the client
    goes away too: Django closes the response's iterator)."""
    con = engine.connect()
    try:
        reader = con.sql(sql).to_arrow_reader(batch_rows)
        first = True
        for batch in reader:
            if batch.num_rows == 0:
                continue
            block = _join_batch(batch.column(0), separator)
            if not first and separator:
                block = separator.encode() + block
            first = False
            yield block
    finally:
        con.close()
