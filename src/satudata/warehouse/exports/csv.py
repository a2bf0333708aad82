"""CSV download: UTF-8, comma-separated, a header row, text cells formula-escaped (escape.py).

Streamed: DuckDB writes each row as one finished CSV line (quoting only the cells that need it:
a comma, a quote, a line break, or the empty text, which is quoted so that it differs from an
empty cell), and the response sends one Arrow batch of lines at a time. Numbers keep DuckDB's
text form (`-5.0`), so a number column never changes meaning.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from satudata.warehouse import engine
from satudata.warehouse.exports.escape import escape_sql, escape_text
from satudata.warehouse.exports.rows import LINE_COLUMN, as_text, source_sql, stream_lines
from satudata.warehouse.models import Version
from satudata.warehouse.queries import schema_fields

NEEDS_QUOTES_RE = '[",\\r\\n]'


def _quoted(expression: str) -> str:
    return (
        f"CASE WHEN {expression} IS NULL THEN '' "
        f"WHEN {expression} = '' OR regexp_matches({expression}, '{NEEDS_QUOTES_RE}') "
        f"THEN '\"' || replace({expression}, '\"', '\"\"') || '\"' "
        f"ELSE {expression} END"
    )


def _cell_sql(field: dict) -> str:
    name = field["name"]
    if field.get("type", "string") == "string":
        return _quoted(escape_sql(name))
    # Numbers, years, dates and booleans never contain a comma, quote or line break.
    return f"coalesce({as_text(field, engine.quote_identifier(name))}, '')"


def header_line(names: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([escape_text(name) for name in names])
    return buffer.getvalue().encode("utf-8")


def lines_sql(version: Version) -> str:
    fields = schema_fields(version)
    cells = " || ',' || ".join(_cell_sql(field) for field in fields)
    return f"SELECT {cells} || chr(10) AS {LINE_COLUMN} FROM {source_sql(version)}"  # noqa: S608


def stream_csv(version: Version) -> Iterator[bytes]:
    """The whole version as CSV bytes, header first, in file order."""
    fields = schema_fields(version)
    yield header_line([field["name"] for field in fields])
    if fields:
        yield from stream_lines(lines_sql(version))
