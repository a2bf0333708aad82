"""XML download: a `<dataset>` with its field list and one `<record>` element per row.

Column names become element names (made XML-safe: other characters become `_`, a leading digit
gets a `_` in front, duplicates get a number); `<fields>` maps each element back to the original
column name and its type. Empty cells are left out of their record. Each record is built by
DuckDB as text (escaped `&`, `<`, `>`, characters XML forbids removed), streamed batch by batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from satudata.warehouse import engine
from satudata.warehouse.exports.rows import LINE_COLUMN, as_text, source_sql, stream_lines
from satudata.warehouse.models import Version
from satudata.warehouse.queries import schema_fields

# Characters XML 1.0 does not allow (C0 controls other than tab/newline/CR, U+FFFE, U+FFFF).
XML_FORBIDDEN_RE = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x{FFFE}\\x{FFFF}]"
_NAME_START_OK = re.compile(r"[A-Za-z_]")
_NAME_CHAR_BAD = re.compile(r"[^A-Za-z0-9._-]")


def element_names(names: list[str]) -> list[str]:
    """XML-safe, unique element names for the columns (ASCII NCNames)."""
    found: list[str] = []
    used: set[str] = {"record", "dataset", "fields", "field", "records"}
    for name in names:
        element = _NAME_CHAR_BAD.sub("_", name) or "_"
        if not _NAME_START_OK.match(element) or element.lower().startswith("xml"):
            element = "_" + element
        candidate, n = element, 2
        while candidate in used:
            candidate, n = f"{element}_{n}", n + 1
        used.add(candidate)
        found.append(candidate)
    return found


def _escaped(expression: str) -> str:
    clean = f"regexp_replace({expression}, '{XML_FORBIDDEN_RE}', '', 'g')"
    return f"replace(replace(replace({clean}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def records_sql(version: Version) -> str:
    fields = schema_fields(version)
    parts = []
    for field, element in zip(fields, element_names([f["name"] for f in fields]), strict=True):
        value = as_text(field, engine.quote_identifier(field["name"]))
        parts.append(f"coalesce('<{element}>' || {_escaped(value)} || '</{element}>', '')")
    body = " || ".join(parts)
    return (
        f"SELECT '  <record>' || {body} || '</record>' || chr(10) AS {LINE_COLUMN} "  # noqa: S608
        f"FROM {source_sql(version)}"
    )


def _header(version: Version) -> bytes:
    fields = schema_fields(version)
    slug, number = quoteattr(version.dataset.slug), quoteattr(str(version.number))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<dataset name={slug} version={number}>",
        "<fields>",
    ]
    for field, element in zip(fields, element_names([f["name"] for f in fields]), strict=True):
        clean_name = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", field["name"])
        lines.append(
            f"  <field element={quoteattr(element)} name={quoteattr(clean_name)}"
            f" type={quoteattr(str(field.get('type', 'string')))}/>"
        )
    lines += ["</fields>", "<records>", ""]
    return "\n".join(lines).encode("utf-8")


def stream_xml(version: Version) -> Iterator[bytes]:
    """The XML document, as a generator (the header is made now, while the view runs)."""
    return _chunks(version, _header(version))


def _chunks(version: Version, header: bytes) -> Iterator[bytes]:
    yield header
    if schema_fields(version):
        yield from stream_lines(records_sql(version))
    yield b"</records>\n</dataset>\n"
