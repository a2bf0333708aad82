"""JSON reader: an array of records, or records found under a path (`data.items`).

- Which list is the table: the document itself when it is an array; otherwise the longest list
  of objects within the first levels of the document (`data.items`, `result.rows`, …), or the
  path the user gives (`ReadOptions.record_path`, dots between keys, numbers index lists).
- Each record is one row. Nested objects are flattened with `_` (`{"wilayah": {"kode": …}}` →
  `wilayah_kode`); lists stay as JSON text in their cell.
- Numbers keep the exact text they have in the file (`51.10` stays `51.10`, never `51.1`), so
  code-like values survive; typing happens later for all formats (infer.py).
- A GeoJSON FeatureCollection in a `.json` file is read by the GeoJSON reader.

The document is parsed in memory, so it is bounded by `SATUDATA_JSON_MAX_MB` (a larger export
should come as CSV or be split); rows go to DuckDB in batches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from satudata.warehouse.ingest.readers import (
    BATCH_ROWS,
    TableRead,
    add_cell_columns,
    append_rows,
    check_cell_lengths,
    create_cell_table,
    register,
)
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import Sniffed

FLATTEN_MAX_DEPTH = 5
SEARCH_MAX_DEPTH = 4
KEY_SEPARATOR = "_"


class JsonNumber(float):
    """A JSON number that remembers how it was written (`51.10`, `1e3`)."""

    text: str

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


def json_max_bytes() -> int:
    return int(getattr(settings, "SATUDATA_JSON_MAX_MB", 100)) * 1024 * 1024


def load_document(path: Path) -> Any:
    """Parse a JSON file (numbers keep their text); clear messages for every failure."""
    if path.stat().st_size > json_max_bytes():
        raise fail(
            "source-error",
            _(
                "JSON files are read whole, and this one is larger than %(limit)d MB"
                " (SATUDATA_JSON_MAX_MB). Export the data as CSV, or split it."
            )
            % {"limit": json_max_bytes() // (1024 * 1024)},
        )
    try:
        with path.open("r", encoding="utf-8") as handle:
            return json.load(handle, parse_float=JsonNumber, parse_constant=lambda _name: None)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(
            "source-error",
            _("The file is not valid JSON (line %(line)s): %(error)s")
            % {"line": getattr(exc, "lineno", "?"), "error": getattr(exc, "msg", str(exc))},
        ) from None
    except RecursionError:
        raise fail("source-error", _("The JSON document is nested too deeply.")) from None


def json_cell(value: Any) -> str | None:
    """A JSON value as the text it would have in a CSV."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonNumber):
        return value.text
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def flatten(record: dict, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{KEY_SEPARATOR}{key}" if prefix else str(key)
        if isinstance(value, dict) and value and depth < FLATTEN_MAX_DEPTH:
            flat.update(flatten(value, name, depth + 1))
        else:
            flat[name] = value
    return flat


def _lists_of_records(node: Any, path: list[str], depth: int):
    if isinstance(node, list):
        if node and sum(isinstance(item, dict) for item in node) * 2 >= len(node):
            yield path, node
        return
    if isinstance(node, dict) and depth < SEARCH_MAX_DEPTH:
        for key, value in node.items():
            yield from _lists_of_records(value, [*path, str(key)], depth + 1)


def _follow(document: Any, record_path: str) -> Any:
    node = document
    for part in [p for p in record_path.strip().strip(".").split(".") if p]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise fail(
                "source-error",
                _("The JSON document has nothing at “%(path)s” (stopped at “%(part)s”).")
                % {"path": record_path, "part": part},
            )
    if not isinstance(node, list):
        raise fail(
            "source-error",
            _("“%(path)s” in the JSON document is not a list of records.") % {"path": record_path},
        )
    return node


def find_records(document: Any, record_path: str | None) -> tuple[str, list]:
    if record_path:
        return record_path, _follow(document, record_path)
    if isinstance(document, list):
        return "", document
    candidates = list(_lists_of_records(document, [], 0))
    if not candidates:
        raise fail(
            "source-error",
            _(
                "No list of records was found in the JSON document. A table is an array of"
                ' objects, e.g. [{"kode": "51.05", "jumlah": 12}, …], at the top or under a'
                " key such as data.items."
            ),
        )
    path, records = max(candidates, key=lambda item: (len(item[1]), -len(item[0])))
    return ".".join(path), records


def records_to_table(
    con: duckdb.DuckDBPyConnection, records: list, report: Report, *, first_row: int = 1
) -> list[str]:
    """Load records (objects, or plain values as a `value` column) as text cells; labels back."""
    labels: list[str] = []
    positions: dict[str, int] = {}
    created_width = 0
    numbers: list[int] = []
    batch: list[list[str | None]] = []

    def flush() -> None:
        nonlocal created_width, numbers, batch
        if not numbers:
            return
        if created_width == 0:
            create_cell_table(con, max(len(labels), 1))
            created_width = max(len(labels), 1)
        elif len(labels) > created_width:
            add_cell_columns(con, created_width, len(labels))
            created_width = len(labels)
        append_rows(con, created_width, numbers, batch)
        numbers, batch = [], []

    for index, record in enumerate(records):
        flat = flatten(record) if isinstance(record, dict) else {"value": record}
        row: list[str | None] = [None] * len(labels)
        for key, value in flat.items():
            if key not in positions:
                positions[key] = len(labels)
                labels.append(key)
                row.append(None)
            row[positions[key]] = json_cell(value)
        numbers.append(first_row + index)
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            flush()
    flush()
    if created_width == 0:
        raise fail("source-error", _("The list of records is empty."))
    if not labels:
        raise fail("source-error", _("The records have no fields (every object is empty)."))
    return labels


@register("json")
def read_json(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    document = load_document(sniffed.text_path)
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        from satudata.warehouse.ingest.readers.geojson import table_from_document

        sniffed.choices["format"] = "geojson"
        return table_from_document(con, document, report)
    record_path, records = find_records(document, sniffed.options.record_path)
    sniffed.choices["record_path"] = record_path or "."
    labels = records_to_table(con, records, report)
    table_read = TableRead(labels=list(labels))
    check_cell_lengths(con, table_read, report)
    return table_read
