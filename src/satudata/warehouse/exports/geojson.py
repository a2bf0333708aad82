"""GeoJSON download of a spatial version: the geometry column back to features.

A GeoJSON upload keeps each feature's geometry as GeoJSON text in one column (readers/geojson.py);
this turns every row into `{"type": "Feature", "geometry": …, "properties": {…}}` again, with the
other columns as properties (codes stay strings, numbers numbers). A cell that is not valid JSON
becomes `"geometry": null` rather than a broken file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from satudata.warehouse import engine
from satudata.warehouse.exports.rows import LINE_COLUMN, source_sql, stream_lines
from satudata.warehouse.models import Version
from satudata.warehouse.queries import schema_fields

FEATURE_SEPARATOR = ",\n"
# The reader names the column `geometry` (or `_geometry`, `__geometry` … when a property has
# that name already); a schema may also type it `geojson` (Frictionless).
_READER_GEOMETRY_RE = re.compile(r"^_*geometry$")


def geometry_field(version: Version) -> dict[str, Any] | None:
    """The field holding the geometry, or None when the version is not spatial."""
    fields = schema_fields(version)
    for field in fields:
        if field.get("type") == "geojson":
            return field
    if (version.source_format or "").lower() == "geojson":
        named = [f for f in fields if _READER_GEOMETRY_RE.match(f["name"])]
        if named:
            return named[-1]  # the reader adds it after every property
    return None


def features_sql(version: Version) -> str:
    geometry = geometry_field(version)
    if geometry is None:
        raise ValueError("version has no geometry column")
    properties = [f["name"] for f in schema_fields(version) if f["name"] != geometry["name"]]
    quoted_geometry = engine.quote_identifier(geometry["name"])
    geometry_json = f"coalesce(CAST(try(json({quoted_geometry})) AS VARCHAR), 'null')"
    if properties:
        selected = ", ".join(engine.quote_identifier(name) for name in properties)
        properties_json = (
            "CAST(to_json(struct_pack("
            + ", ".join(
                f"{engine.quote_identifier(name)} := {engine.quote_identifier(name)}"
                for name in properties
            )
            + ")) AS VARCHAR)"
        )
        inner = f"SELECT {selected}, {quoted_geometry} FROM {source_sql(version)}"  # noqa: S608
    else:
        properties_json = "'{}'"
        inner = f"SELECT {quoted_geometry} FROM {source_sql(version)}"  # noqa: S608
    return (
        f"""SELECT '{{"type":"Feature","geometry":' || {geometry_json} """  # noqa: S608
        f"""|| ',"properties":' || {properties_json} || '}}' AS {LINE_COLUMN} """
        f"FROM ({inner})"
    )


def stream_geojson(version: Version) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":[\n'
    yield from stream_lines(features_sql(version), separator=FEATURE_SEPARATOR)
    yield b"\n]}\n"
