"""Thematic maps: choropleths by kecamatan/desa and point maps (contract D).

A choropleth joins the dataset's region code column to the region boundaries kept by the regions
app (`Region.boundary`, loaded from regions/data). Codes finer than the map (desa codes on a
kecamatan map) are added up to their kecamatan; codes with no boundary on the map (a regency
total, a code from another regency, a mistyped code) are listed under the map instead of being
dropped silently. Areas without a value get the missing-data colour and say so in the legend.

Classes are computed here (quantiles or equal intervals) and written into each feature, so the
browser, vl-convert and the printed report colour every area the same way.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.dashboards.formatting import format_number, with_unit
from satudata.dashboards.models import ChartKind
from satudata.dashboards.specs import (
    CATEGORY,
    CODE,
    VALUE,
    VEGA_LITE_SCHEMA,
    ChartConfig,
    ChartData,
    ChartProblem,
    _config,
    _field_title,
    _field_unit,
    _number,
    _value_title,
    run,
)
from satudata.regions.maps import region_feature

MAP_KINDS = frozenset({ChartKind.CHOROPLETH, ChartKind.POINT_MAP})
LEVEL_DEPTH = {"kecamatan": 3, "desa": 4}
CLASSES_MAX = 5
# Sequential blues (light → dark) from the site palette; 5 classes at most.
CLASS_COLOURS = ["#d6e9f3", "#a3cde3", "#5fa8cc", "#2a7da8", "#0b5471"]
MISSING_COLOUR = "#e4e6e9"
OUTLINE_COLOUR = "#ffffff"
HIGHLIGHT_OUTLINE = "#c8553d"
POINT_COLOUR = "#c8553d"
# Dashboard maps round coordinates to 4 decimals (~11 m): the shapes look the same at panel
# size and the inline spec of 59 desa stays small.
DASHBOARD_MAP_DECIMALS = 4
MAP_GROUPS_MAX = 5000
MAP_POINTS_MAX = 5000
MAP_HEIGHT_PX = 340
UNMATCHED_LISTED_MAX = 10


def depth_of(code: str) -> int:
    return len(code.split(".")) if code else 0


def roll_up(code: str, depth: int) -> str | None:
    """A code at `depth` (desa 51.05.01.2001 → kecamatan 51.05.01); None when coarser."""
    parts = str(code).strip().split(".")
    if len(parts) < depth:
        return None
    return ".".join(parts[:depth])


def regions_to_draw(level: str, scope: str):
    """Regions at the map's level inside `scope` that have a boundary, in code order."""
    from satudata.regions.models import Region

    depth = LEVEL_DEPTH[level]
    return list(
        Region.objects.filter(depth=depth, code__startswith=scope + ".")
        .exclude(boundary=None)
        .order_by("code")
    )


# --- classification ------------------------------------------------------------------------


def class_breaks(values: list[float], method: str, classes: int = CLASSES_MAX) -> list[float]:
    """Upper bounds of each class (the last is the maximum). Fewer classes than asked when the
    values have fewer distinct numbers."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    count = min(classes, len(distinct))
    if count == 1:
        return [distinct[0]]
    low, high = distinct[0], distinct[-1]
    if method == "equal":
        step = (high - low) / count
        return [low + step * (i + 1) for i in range(count - 1)] + [high]
    ordered = sorted(values)
    breaks = []
    for i in range(1, count):
        position = (len(ordered) - 1) * i / count
        lower = ordered[math.floor(position)]
        upper = ordered[math.ceil(position)]
        breaks.append(lower + (upper - lower) * (position - math.floor(position)))
    breaks.append(high)
    return sorted(set(breaks))


def class_of(value: float, breaks: list[float]) -> int:
    for index, bound in enumerate(breaks):
        if value <= bound:
            return index
    return len(breaks) - 1


def class_labels(breaks: list[float], low: float) -> list[str]:
    labels = []
    start = low
    for bound in breaks:
        if start == bound:
            labels.append(format_number(bound))
        else:
            labels.append(f"{format_number(start)} \u2013 {format_number(bound)}")
        start = bound
    return labels


# --- data ----------------------------------------------------------------------------------


def map_data(config: ChartConfig, version, fields, conditions, shared) -> ChartData:
    if config.kind == ChartKind.POINT_MAP:
        return _point_data(config, version, fields, conditions, shared)
    return _choropleth_data(config, version, fields, conditions, shared)


def _scope_and_highlight(level: str, region: str, conditions: list, config: ChartConfig):
    """Where the map looks: a kecamatan filter on a desa map zooms into that kecamatan; a
    filter at the map's own level keeps every area and outlines the chosen one (its
    neighbours keep their values: dropping them would read as "no data")."""
    site = settings.SATUDATA_REGION_CODE
    depth = LEVEL_DEPTH[level]
    if region and depth_of(region) < depth and region.startswith(site):
        return region, "", conditions
    if region:
        kept = [c for c in conditions if not (c.op == "region" and c.field == config.region_field)]
        return site, roll_up(region, depth) or "", kept
    return site, "", conditions


def _choropleth_data(config: ChartConfig, version, fields, conditions, shared) -> ChartData:
    from satudata.warehouse.query import Aggregate, TableQuery

    level = config.map_level or "kecamatan"
    if level not in LEVEL_DEPTH:
        raise ChartProblem(_("A map is drawn by kecamatan or by desa."))
    scope, highlight, conditions = _scope_and_highlight(level, shared.region, conditions, config)
    aggregate = (
        Aggregate("count")
        if config.aggregate == "count"
        else Aggregate(config.aggregate, config.measure)
    )
    frame = run(
        version,
        TableQuery(
            conditions=tuple(conditions),
            group_by=(config.region_field,),
            aggregates=(aggregate,),
            limit=MAP_GROUPS_MAX,
        ),
    )
    regions = regions_to_draw(level, scope)
    if not regions:
        raise ChartProblem(
            _(
                "No %(level)s boundaries are loaded for region %(code)s, so the map cannot be "
                "drawn. Load them with `satudata regions load`."
            )
            % {"level": level, "code": scope}
        )
    drawn = {r.code for r in regions}
    values, unmatched = _join(frame, config, LEVEL_DEPTH[level], drawn)
    data = ChartData(
        records=[],
        category_title=_("Kecamatan") if level == "kecamatan" else _("Desa/kelurahan"),
        value_title=_value_title(config, fields, config.measure),
        unit=config.unit
        or (_field_unit(fields, config.measure) if config.aggregate != "count" else ""),
        highlight=highlight,
    )
    data.records = sorted(
        ({CATEGORY: r.name, VALUE: values.get(r.code), CODE: r.code} for r in regions),
        key=lambda rec: (rec[VALUE] is None, -(rec[VALUE] or 0)),
    )
    data.features = _features(regions, values, config, data)
    data.unmatched_codes = unmatched
    if unmatched:
        data.notes.append(
            _(
                "%(count)d region code(s) in the data have no boundary on this map and are not "
                "drawn: %(codes)s."
            )
            % {"count": len(unmatched), "codes": ", ".join(unmatched[:UNMATCHED_LISTED_MAX])}
        )
    if highlight:
        chosen = next((r.name for r in regions if r.code == highlight), highlight)
        data.notes.append(_("%(name)s is outlined on the map.") % {"name": chosen})
    missing = sum(1 for r in data.records if r[VALUE] is None)
    if missing:
        data.notes.append(
            _("%(count)d of %(total)d areas have no value in the data (grey).")
            % {"count": missing, "total": len(regions)}
        )
    return data


def _join(frame, config: ChartConfig, depth: int, drawn: set[str]) -> tuple[dict, list[str]]:
    """Values per drawn region code (finer codes added up) and the codes that match nothing."""
    values: dict[str, float] = {}
    unmatched: list[str] = []
    add_up = config.aggregate in ("sum", "count")
    for raw_code, raw_value in zip(
        frame.values(config.region_field), [r[-1] for r in frame.rows], strict=True
    ):
        code = roll_up(str(raw_code or ""), depth)
        value = _number(raw_value)
        if code is None or code not in drawn:
            unmatched.append(str(raw_code))
            continue
        if value is None:
            continue
        if code in values and depth_of(str(raw_code)) > depth:
            # Finer rows of one area: add up sums and counts; other aggregates keep the
            # largest (a mean of means would be wrong, and is said in a note).
            values[code] = values[code] + value if add_up else max(values[code], value)
        else:
            values[code] = value
    return values, sorted(set(unmatched))


def _features(
    regions, values: dict[str, float], config: ChartConfig, data: ChartData
) -> list[dict]:
    numbers = list(values.values())
    breaks = class_breaks(numbers, config.classing)
    labels = class_labels(breaks, min(numbers)) if numbers else []
    data.class_labels = labels
    missing_label = _("No data")
    features = []
    for region in regions:
        feature = region_feature(region, role="child", decimals=DASHBOARD_MAP_DECIMALS)
        value = values.get(region.code)
        props = feature["properties"]
        for key in ("lat", "lng", "parent_kode", "level", "role"):
            props.pop(key, None)
        props["nilai"] = value
        props["teks"] = (
            with_unit(format_number(value), data.unit) if value is not None else missing_label
        )
        props["kelas"] = labels[class_of(value, breaks)] if value is not None else missing_label
        props["pilih"] = region.code == data.highlight
        features.append(feature)
    return features


def _point_data(config: ChartConfig, version, fields, conditions, shared) -> ChartData:
    from satudata.warehouse.query import TableQuery

    names = [config.latitude_field, config.longitude_field]
    names += [n for n in (config.category, config.measure) if n]
    frame = run(
        version,
        TableQuery(
            conditions=tuple(conditions), fields=tuple(dict.fromkeys(names)), limit=MAP_POINTS_MAX
        ),
    )
    lats, lngs = frame.values(config.latitude_field), frame.values(config.longitude_field)
    labels = frame.values(config.category) if config.category else [""] * len(lats)
    values = frame.values(config.measure) if config.measure else [None] * len(lats)
    records, skipped = [], 0
    for lat, lng, label, value in zip(lats, lngs, labels, values, strict=True):
        lat, lng = _number(lat), _number(lng)
        if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            skipped += 1
            continue
        records.append({CATEGORY: str(label or ""), VALUE: _number(value), "lat": lat, "lng": lng})
    scope = (
        shared.region if shared.region and config.region_field else settings.SATUDATA_REGION_CODE
    )
    level = config.map_level or "kecamatan"
    regions = regions_to_draw(level, scope) if depth_of(scope) < LEVEL_DEPTH[level] else []
    data = ChartData(
        records=records,
        category_title=_field_title(fields, config.category) if config.category else _("Point"),
        value_title=_field_title(fields, config.measure) if config.measure else "",
        unit=config.unit or _field_unit(fields, config.measure),
    )
    data.features = [
        region_feature(r, role="child", decimals=DASHBOARD_MAP_DECIMALS) for r in regions
    ]
    if skipped:
        data.notes.append(
            _("%(count)d row(s) without valid coordinates are not drawn.") % {"count": skipped}
        )
    if len(frame.rows) >= MAP_POINTS_MAX:
        data.notes.append(
            _("Only the first %(count)s points are drawn.")
            % {"count": format_number(MAP_POINTS_MAX)}
        )
    return data


# --- specs ---------------------------------------------------------------------------------


def spec_for(config: ChartConfig, data: ChartData, *, title: str, description: str) -> dict:
    if config.kind == ChartKind.POINT_MAP:
        return point_spec(data, title=title, description=description)
    return choropleth_spec(data, title=title, description=description)


def _base(title: str, description: str, layers: list[dict]) -> dict:
    spec: dict[str, Any] = {
        "$schema": VEGA_LITE_SCHEMA,
        "description": description,
        "width": "container",
        "height": MAP_HEIGHT_PX,
        "autosize": {"type": "fit", "contains": "padding"},
        "background": "#ffffff",
        "projection": {"type": "mercator"},
        "layer": layers,
        "config": _config(),
    }
    if title:
        spec["title"] = {"text": title, "anchor": "start", "fontSize": 14, "limit": 600}
    return spec


def choropleth_spec(data: ChartData, *, title: str, description: str) -> dict:
    labels = list(data.class_labels)
    missing = _("No data")
    domain, colours = list(labels), _colours_for(len(labels))
    if any(f["properties"]["nilai"] is None for f in data.features):
        domain.append(missing)
        colours.append(MISSING_COLOUR)
    legend_title = with_unit(data.value_title, f"({data.unit})" if data.unit else "")
    layers: list[dict] = [
        {
            "data": {"values": data.features},
            "mark": {
                "type": "geoshape",
                "stroke": OUTLINE_COLOUR,
                "strokeWidth": 0.8,
                "cursor": "pointer",
            },
            "encoding": {
                "color": {
                    "field": "properties.kelas",
                    "type": "ordinal",
                    "scale": {"domain": domain, "range": colours},
                    "legend": {
                        "title": legend_title,
                        "orient": "bottom",
                        "columns": 2,
                        "symbolType": "square",
                        "labelLimit": 220,
                        "titleLimit": 320,
                    },
                },
                "tooltip": [
                    {"field": "properties.nama", "type": "nominal", "title": data.category_title},
                    {
                        "field": "properties.teks",
                        "type": "nominal",
                        "title": data.value_title or _("Value"),
                    },
                    {"field": "properties.kode", "type": "nominal", "title": _("Region code")},
                ],
            },
        }
    ]
    if data.highlight:
        layers.append(
            {
                "data": {"values": [f for f in data.features if f["properties"]["pilih"]]},
                "mark": {
                    "type": "geoshape",
                    "filled": False,
                    "stroke": HIGHLIGHT_OUTLINE,
                    "strokeWidth": 2.5,
                },
            }
        )
    return _base(title, description, layers)


def _colours_for(count: int) -> list[str]:
    if count <= 0:
        return []
    if count >= len(CLASS_COLOURS):
        return CLASS_COLOURS[:count]
    # Few classes take the darker end, so one class still stands out from the grey of "no data".
    return CLASS_COLOURS[len(CLASS_COLOURS) - count :]


def point_spec(data: ChartData, *, title: str, description: str) -> dict:
    layers: list[dict] = []
    if data.features:
        layers.append(
            {
                "data": {"values": data.features},
                "mark": {
                    "type": "geoshape",
                    "fill": "#eef2f5",
                    "stroke": "#8a99a8",
                    "strokeWidth": 0.7,
                },
                "encoding": {
                    "tooltip": [
                        {"field": "properties.nama", "type": "nominal", "title": _("Region")}
                    ]
                },
            }
        )
    tooltip = [{"field": CATEGORY, "type": "nominal", "title": data.category_title}]
    if any(r.get(VALUE) is not None for r in data.records):
        tooltip.append(
            {"field": VALUE, "type": "quantitative", "title": data.value_title, "format": ",.2~f"}
        )
    layers.append(
        {
            "data": {"values": data.records},
            "mark": {
                "type": "circle",
                "color": POINT_COLOUR,
                "opacity": 0.85,
                "size": 40,
                "stroke": "#ffffff",
                "strokeWidth": 0.8,
            },
            "encoding": {
                "longitude": {"field": "lng", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "tooltip": tooltip,
            },
        }
    )
    return _base(title, description, layers)


def summarise(config: ChartConfig, data: ChartData, title: str) -> str:
    if config.kind == ChartKind.POINT_MAP:
        return _("%(title)s: map of %(count)s points.") % {
            "title": title,
            "count": format_number(len(data.records)),
        }
    with_value = [r for r in data.records if r[VALUE] is not None]
    if not with_value:
        return _("%(title)s: map with no values for the chosen filters.") % {"title": title}
    top, bottom = with_value[0], with_value[-1]
    return _(
        "%(title)s: map of %(total)d areas; highest %(top)s (%(top_value)s), lowest "
        "%(bottom)s (%(bottom_value)s), %(missing)d without data."
    ) % {
        "title": title,
        "total": len(data.records),
        "top": top[CATEGORY],
        "top_value": with_unit(format_number(top[VALUE]), data.unit),
        "bottom": bottom[CATEGORY],
        "bottom_value": with_unit(format_number(bottom[VALUE]), data.unit),
        "missing": len(data.records) - len(with_value),
    }
