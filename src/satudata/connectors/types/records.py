"""Turning what sources send (JSON records, XML elements, CSV text) into an Arrow table.

Every value becomes text (None stays null): the warehouse infers and checks types exactly as for
an upload, and text keeps codes such as `0101` or `51.10` intact. Nested objects are kept as
compact JSON text.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyarrow as pa
from defusedxml import ElementTree
from django.utils.translation import gettext as _

from satudata.connectors.types.base import SourceError


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def records_to_table(records: list[dict[str, Any]]) -> pa.Table:
    """Columns in order of first appearance; missing keys are nulls."""
    names: dict[str, None] = {}
    for record in records:
        for key in record:
            names.setdefault(str(key), None)
    columns = {
        name: pa.array([as_text(record.get(name)) for record in records], pa.string())
        for name in names
    }
    return pa.table(columns) if columns else pa.table({})


def dig(document: Any, path: str) -> Any:
    """`data.items` → document["data"]["items"]; a number picks a list item. Missing → None."""
    current = document
    for part in [part for part in path.split(".") if part]:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def json_records(document: Any, record_path: str) -> list[dict[str, Any]]:
    found = dig(document, record_path) if record_path else document
    if found is None and record_path:
        keys = (
            ", ".join(list(document)[:20])
            if isinstance(document, dict)
            else type(document).__name__
        )
        raise SourceError(
            _("The response has no %(path)s (record path). Its top level has: %(keys)s.")
            % {"path": record_path, "keys": keys or "—"},
            code="record-path-missing",
        )
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list):
        raise SourceError(
            _("The record path %(path)s does not lead to a list of records.")
            % {"path": record_path or "(top level)"},
            code="record-path-missing",
        )
    records = []
    for item in found:
        records.append(item if isinstance(item, dict) else {"value": item})
    return records


def xml_records(body: bytes, record_path: str) -> tuple[Any, list[dict[str, Any]]]:
    """Records are the elements at `record_path` (tags separated by dots below the root);
    each record's fields are its attributes and its children's text."""
    try:
        root = ElementTree.fromstring(body)
    except Exception as error:  # defusedxml raises its own classes for hostile documents
        raise SourceError(
            _("The response is not well-formed XML: %(error)s") % {"error": str(error)[:200]},
            code="malformed-response",
        ) from None
    elements = [root]
    for tag in [part for part in record_path.split(".") if part]:
        elements = [child for element in elements for child in element if _local(child.tag) == tag]
    if not record_path:
        elements = list(root)
    records = []
    for element in elements:
        record: dict[str, Any] = dict(element.attrib)
        for child in element:
            record[_local(child.tag)] = (child.text or "").strip() if len(child) == 0 else None
        if not len(element) and not element.attrib:
            record["value"] = (element.text or "").strip()
        records.append(record)
    return root, records


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def csv_records(body: bytes) -> list[dict[str, Any]]:
    text = body.decode("utf-8-sig", errors="replace")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return [dict(row) for row in reader]
