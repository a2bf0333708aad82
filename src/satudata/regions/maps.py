"""GeoJSON and the Vega-Lite map of a region and its children, built on the server.

The map is a `geoshape` layer per role (children filled, the region outlined) over inline GeoJSON
features; the browser only hands the spec to the vendored vega-embed. No tile server is needed,
so the page works on an offline intranet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from satudata.regions.models import Region

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Coordinates in the page's spec are rounded to 5 decimals (about 1 m): the shapes look the same
# and the inline spec is roughly three times smaller. The .geojson download keeps full precision.
MAP_COORDINATE_DECIMALS = 5
# Up to this many children the map has a colour legend naming them. Names drawn on the shapes
# overlap on a 360 px phone (Klungkung's three mainland kecamatan are a few pixels wide), and
# with more children the table under the map is the better key.
MAP_LEGEND_MAX_CHILDREN = 9
# Colours from the site palette (satudata.css).
OUTLINE_COLOUR = "#0b5471"
LABEL_COLOUR = "#1f2933"
# Pastel fills while there are few children (pastel1 has 9 colours, so neighbours differ);
# beyond that, tableau20 keeps neighbouring desa apart (no labels are drawn then).
FILL_SCHEME = "pastel1"
FILL_SCHEME_MANY = "tableau20"
FILL_SCHEME_MAX_CHILDREN = 9

ROLE_REGION = "region"
ROLE_CHILD = "child"


def _round_coordinates(value: Any, decimals: int) -> Any:
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list):
        return [_round_coordinates(item, decimals) for item in value]
    return value


def region_feature(region: Region, *, role: str, decimals: int | None = None) -> dict:
    """One GeoJSON Feature; geometry is null when the region has no boundary (RFC 7946 §3.2)."""
    geometry = region.boundary
    if geometry is not None and decimals is not None:
        geometry = {
            "type": geometry["type"],
            "coordinates": _round_coordinates(geometry["coordinates"], decimals),
        }
    return {
        "type": "Feature",
        "id": region.code,
        "properties": {
            "kode": region.code,
            "nama": region.name,
            "level": region.level,
            "parent_kode": region.parent_id,
            "lat": region.latitude,
            "lng": region.longitude,
            "role": role,
        },
        "geometry": geometry,
    }


def feature_collection(region: Region, children: Sequence[Region]) -> dict:
    """The region and its children, full precision, for `/wilayah/<kode>.geojson`."""
    return {
        "type": "FeatureCollection",
        "name": f"wilayah-{region.code}",
        "features": [
            region_feature(region, role=ROLE_REGION),
            *(region_feature(child, role=ROLE_CHILD) for child in children),
        ],
    }


def map_description(region: Region, children: Sequence[Region]) -> str:
    """The map's text alternative: what it shows, with the names of the areas drawn."""
    drawn = [child.name for child in children if child.boundary]
    if not drawn:
        return _("Map of the boundary of %(name)s.") % {"name": region.name}
    return _("Map of %(name)s and its %(count)d areas: %(areas)s.") % {
        "name": region.name,
        "count": len(drawn),
        "areas": ", ".join(drawn),
    }


def map_spec(region: Region, children: Sequence[Region]) -> dict | None:
    """A Vega-Lite spec drawing the region and its children, or None without a boundary."""
    if not region.boundary:
        return None
    drawn = [child for child in children if child.boundary]
    features = [region_feature(region, role=ROLE_REGION, decimals=MAP_COORDINATE_DECIMALS)]
    features += [
        region_feature(child, role=ROLE_CHILD, decimals=MAP_COORDINATE_DECIMALS) for child in drawn
    ]
    scheme = FILL_SCHEME if len(drawn) <= FILL_SCHEME_MAX_CHILDREN else FILL_SCHEME_MANY
    legend = len(drawn) <= MAP_LEGEND_MAX_CHILDREN
    names = list(dict.fromkeys(child.name for child in drawn))  # code order, like the table
    layers = [_children_layer(scheme, names, legend=legend)] if drawn else []
    layers.append(_region_layer(filled=not drawn))
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": map_description(region, children),
        "width": "container",
        "height": "container",
        "autosize": {"type": "fit", "contains": "padding"},
        "padding": 8,
        "background": None,
        "data": {"values": features},
        "projection": {"type": "mercator"},
        "layer": layers,
        "config": {"view": {"stroke": None}},
    }


def _filter(role: str) -> dict:
    return {"filter": f"datum.properties.role === '{role}'"}


def _tooltip() -> list[dict]:
    return [
        {"field": "properties.nama", "type": "nominal", "title": _("Name")},
        {"field": "properties.kode", "type": "nominal", "title": _("Code")},
    ]


def _children_layer(scheme: str, names: list[str], *, legend: bool) -> dict:
    return {
        "transform": [_filter(ROLE_CHILD)],
        "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 1},
        "encoding": {
            "color": {
                "field": "properties.nama",
                "type": "nominal",
                "legend": _legend() if legend else None,
                "scale": {"scheme": scheme, "domain": names},
            },
            "tooltip": _tooltip(),
        },
    }


def _region_layer(*, filled: bool) -> dict:
    mark: dict = {"type": "geoshape", "stroke": OUTLINE_COLOUR, "strokeWidth": 2}
    if filled:
        mark.update(fill="#b3cde3", fillOpacity=0.8)
    else:
        mark.update(filled=False)
    return {
        "transform": [_filter(ROLE_REGION)],
        "mark": mark,
        "encoding": {"tooltip": _tooltip()} if filled else {},
    }


def _legend() -> dict:
    return {
        "title": None,
        "orient": "bottom",
        "direction": "horizontal",
        "columns": 2,
        "labelFontSize": 13,
        "labelColor": LABEL_COLOUR,
        "labelLimit": 160,
        "symbolType": "square",
        "symbolSize": 160,
        "symbolStrokeColor": OUTLINE_COLOUR,
    }
