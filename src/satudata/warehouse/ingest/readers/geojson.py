"""A minimal GeoJSON reader: a FeatureCollection becomes one row per feature — its properties as
columns and its geometry as GeoJSON text in a `geometry` column. The dataset becomes spatial.

Loads the document in memory (bounded by `SATUDATA_JSON_MAX_MB`, see json_table.py); numbers in
properties keep their text as written.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from django.utils.translation import gettext as _

from satudata.warehouse.ingest.readers import (
    RAW_TABLE,
    ROW_COLUMN,
    TableRead,
    cell_column,
    check_cell_lengths,
    register,
)
from satudata.warehouse.ingest.readers.json_table import json_cell, load_document
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import Sniffed

GEOMETRY_COLUMN = "geometry"


def _features(document) -> list[dict]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise fail(
            "format-error",
            _('Only GeoJSON FeatureCollection files can be read ("type": "FeatureCollection").'),
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise fail("format-error", _("The FeatureCollection has no list of features."))
    return features


@register("geojson")
def read_geojson(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    return table_from_document(con, load_document(sniffed.text_path), report)


def table_from_document(con: duckdb.DuckDBPyConnection, document, report: Report) -> TableRead:
    features = _features(document)
    labels: list[str] = []
    positions: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            report.error(
                "source-error",
                _("Item %(n)d of the feature list is not a GeoJSON Feature.") % {"n": index + 1},
                row=index + 2,
            )
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        for key in properties:
            if key not in positions:
                positions[key] = len(labels)
                labels.append(str(key))
        rows.append({"properties": properties, "geometry": feature.get("geometry"), "n": index})
    geometry_label = GEOMETRY_COLUMN
    while geometry_label in positions:  # a property already called "geometry"
        geometry_label = "_" + geometry_label
    all_labels = [*labels, geometry_label]
    columns: dict[str, list] = {ROW_COLUMN: [row["n"] + 2 for row in rows]}
    for key, position in positions.items():
        columns[cell_column(position)] = [json_cell(row["properties"].get(key)) for row in rows]
    columns[cell_column(len(labels))] = [json_cell(row["geometry"]) for row in rows]
    table = pa.table(
        {
            name: pa.array(values, type=pa.int64() if name == ROW_COLUMN else pa.string())
            for name, values in columns.items()
        }
    )
    con.register("geojson_arrow", table)
    con.execute(f"CREATE TEMP TABLE {RAW_TABLE} AS SELECT * FROM geojson_arrow")  # noqa: S608
    con.unregister("geojson_arrow")
    table_read = TableRead(labels=all_labels, is_spatial=True)
    check_cell_lengths(con, table_read, report)
    return table_read
