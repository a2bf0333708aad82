"""XML reader: one repeated element is one row.

- **Safe parsing** with defusedxml: a document with a DTD (`<!DOCTYPE …>`) is refused, so entity
  expansion ("billion laughs"), external entities (reading local files or URLs) and DTD fetches
  can never happen.
- **Which element is a row**: the element path that occurs most often among elements that have
  fields (child elements or attributes), e.g. `/data/row`; or the one the user names
  (`ReadOptions.row_element`, a tag such as `row` or a path such as `data/row`).
- **A row's fields**: its attributes and its child elements; nested children are flattened with
  `_` (`<wilayah><kode>…` → `wilayah_kode`); a repeated child gets a suffix (`tag`, `tag_2`).
  Namespaces are dropped from names.
- **Streaming**: two passes with `iterparse` (find the row element, then read rows), clearing
  each row after use, so memory stays bounded whatever the file size.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import ElementTree as SafeTree
from defusedxml.common import ExternalReferenceForbidden
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

KEY_SEPARATOR = "_"
FLATTEN_MAX_DEPTH = 5
CANDIDATES_SHOWN = 10


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _events(path: Path, events: tuple[str, ...]):
    """iterparse that forbids DTDs and entities; every parser failure becomes a clear refusal."""
    try:
        with path.open("rb") as handle:
            yield from SafeTree.iterparse(
                handle, events=events, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
    except DTDForbidden:
        raise fail(
            "source-error",
            _(
                "The XML file declares a DTD (<!DOCTYPE …>). For safety, XML with a DTD is not"
                " read (it can expand entities or fetch other files). Remove the DOCTYPE line"
                " and upload the file again."
            ),
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden):
        raise fail(
            "source-error",
            _(
                "The XML file declares entities. For safety, XML entities are never expanded or"
                " fetched; remove the entity declarations and upload the file again."
            ),
        ) from None
    except DefusedXmlException:
        raise fail("source-error", _("The XML file uses a construct that is not read.")) from None
    except SafeTree.ParseError as exc:
        line, column = getattr(exc, "position", ("?", "?"))
        raise fail(
            "source-error",
            _("The file is not well-formed XML (line %(line)s, column %(column)s).")
            % {"line": line, "column": column},
        ) from None


def _candidate_paths(path: Path) -> Counter:
    """How often each element path occurs among elements that have fields."""
    counts: Counter = Counter()
    names: list[str] = []
    elements: list = []
    has_fields: list[bool] = []
    for event, element in _events(path, ("start", "end")):
        if event == "start":
            if has_fields:
                has_fields[-1] = True  # the parent has a child element
            names.append(local_name(element.tag))
            elements.append(element)
            has_fields.append(bool(element.attrib))
            continue
        if has_fields.pop():
            counts["/" + "/".join(names)] += 1
        names.pop()
        elements.pop()
        if elements:  # done with it: keep memory flat on long files
            element.clear()
            elements[-1].remove(element)
    return counts


def _choose_path(counts: Counter, wanted: str | None) -> str:
    if wanted:
        target = wanted.strip()
        normalised = "/" + target.strip("/")
        matches = [p for p in counts if p == normalised or p.endswith("/" + target.strip("/"))]
        if not matches:
            raise fail(
                "source-error",
                _(
                    "The XML file has no element “%(element)s” with fields. Elements found:"
                    " %(names)s."
                )
                % {
                    "element": wanted,
                    "names": ", ".join(p for p, _n in counts.most_common(CANDIDATES_SHOWN)) or "—",
                },
            )
        return max(matches, key=lambda p: counts[p])
    repeated = {p: n for p, n in counts.items() if p.count("/") > 1}
    if not repeated:
        raise fail(
            "source-error",
            _(
                "No repeated element with fields was found in the XML file. A table is a list"
                " of elements such as <row><kode>51.05</kode><jumlah>12</jumlah></row>."
            ),
        )
    return max(repeated, key=lambda p: (repeated[p], -p.count("/")))


def _record(element, prefix: str = "", depth: int = 0) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}

    def put(name: str, value: str | None) -> None:
        key, suffix = name, 2
        while key in fields:
            key = f"{name}{KEY_SEPARATOR}{suffix}"
            suffix += 1
        fields[key] = value

    for attribute, value in element.attrib.items():
        name = local_name(attribute)
        put(f"{prefix}{KEY_SEPARATOR}{name}" if prefix else name, value)
    for child in element:
        name = local_name(child.tag)
        if not name:
            continue  # comments, processing instructions
        full = f"{prefix}{KEY_SEPARATOR}{name}" if prefix else name
        if (len(child) or child.attrib) and depth < FLATTEN_MAX_DEPTH:
            for key, value in _record(child, full, depth + 1).items():
                put(key, value)
            continue
        text = (child.text or "").strip()
        put(full, text if text else None)
    return fields


@register("xml")
def read_xml(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    path = sniffed.text_path
    counts = _candidate_paths(path)
    row_path = _choose_path(counts, sniffed.options.row_element)
    sniffed.choices["row_element"] = row_path
    sniffed.choices["row_elements"] = [p for p, _n in counts.most_common(CANDIDATES_SHOWN)]

    labels: list[str] = []
    positions: dict[str, int] = {}
    created_width = 0
    numbers: list[int] = []
    batch: list[list[str | None]] = []
    record_number = 0

    def flush() -> None:
        nonlocal created_width, numbers, batch
        if not numbers or not labels:
            numbers, batch = [], []
            return
        if created_width == 0:
            create_cell_table(con, len(labels))
            created_width = len(labels)
        elif len(labels) > created_width:
            add_cell_columns(con, created_width, len(labels))
            created_width = len(labels)
        append_rows(con, created_width, numbers, batch)
        numbers, batch = [], []

    stack: list = []
    names: list[str] = []
    for event, element in _events(path, ("start", "end")):
        if event == "start":
            stack.append(element)
            names.append(local_name(element.tag))
            continue
        current = "/" + "/".join(names)
        stack.pop()
        names.pop()
        if current != row_path:
            continue
        record_number += 1
        row: list[str | None] = [None] * len(labels)
        for key, value in _record(element).items():
            if key not in positions:
                positions[key] = len(labels)
                labels.append(key)
                row.append(None)
            row[positions[key]] = value
        numbers.append(record_number)
        batch.append(row)
        # Forget the row (and its place in the parent) so memory stays flat.
        element.clear()
        if stack:
            stack[-1].remove(element)
        if len(batch) >= BATCH_ROWS:
            flush()
    flush()
    if created_width == 0:
        raise fail("source-error", _("The XML rows have no fields."))
    table_read = TableRead(labels=labels)
    check_cell_lengths(con, table_read, report)
    return table_read
