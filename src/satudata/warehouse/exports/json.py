"""JSON download: one array of records, `[{"kode": "51.05", "jumlah": 10}, …]`.

Each record is written by DuckDB's `to_json` (numbers stay numbers, code columns stay strings,
dates are ISO text, empty cells are `null`); the response streams the array batch by batch. No
formula escaping: JSON is read by programs, not spreadsheets.
"""

from __future__ import annotations

from collections.abc import Iterator

from satudata.warehouse import engine
from satudata.warehouse.exports.rows import LINE_COLUMN, field_names, source_sql, stream_lines
from satudata.warehouse.models import Version

RECORD_SEPARATOR = ",\n"


def records_sql(version: Version, names: list[str] | None = None) -> str:
    """One JSON object per row, with the given columns (all of them by default)."""
    names = field_names(version) if names is None else names
    selected = ", ".join(engine.quote_identifier(name) for name in names)
    return (
        f"SELECT CAST(to_json(record) AS VARCHAR) AS {LINE_COLUMN} "  # noqa: S608
        f"FROM (SELECT {selected} FROM {source_sql(version)}) AS record"
    )


def stream_json(version: Version) -> Iterator[bytes]:
    yield b"[\n"
    if field_names(version):
        yield from stream_lines(records_sql(version), separator=RECORD_SEPARATOR)
    yield b"\n]\n"
