"""Vega-Lite specs of charts and maps, built on the server with Altair (contract D).

The path of every chart: the dataset's current public version → a `TableQuery` through the
shared query layer (`satudata.warehouse.query`, which checks names against the Table Schema,
quotes identifiers and binds values) → `ChartData` (fixed field names, region names instead of
codes, top-N plus "lainnya") → a spec with the data inline. The same spec is drawn by vega-embed
in the page and by vl-convert for PNG/SVG/PDF, so screen, download and print agree.

Public entry points:
- `chart_result(chart, filters=...)`: spec + data table + one-sentence summary + notes; never
  raises for bad charts (the problem is a message in the result), for pages.
- `chart_spec(chart, filters=...)` / `map_spec(...)`: the spec only; raise `ChartProblem`.

Bad input handled here, each with a message a user can act on: a column removed in a newer
version, a text column as the measure, a map without a region column, region codes without a
boundary (listed), too many categories (the largest N plus "lainnya").
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import altair as alt
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed
from satudata.dashboards.formatting import VEGA_NUMBER_LOCALE, format_number, scale_for, with_unit
from satudata.dashboards.models import Chart, ChartKind

# Fixed field names inside specs: column names from users never reach Vega expressions.
CATEGORY, VALUE, SERIES, CODE, SHOWN = "kategori", "nilai", "seri", "kode", "tampil"
NUMERIC_TYPES = frozenset({"integer", "number"})
# Rows fetched for charts with a series or a time axis, and points of a scatter plot.
CHART_ROWS_MAX = 1000
SCATTER_POINTS_MAX = 5000
TOP_N_MAX = 50
PIE_TOP_N_MAX = 8
TABLE_ROWS_MAX = 200
PERIOD_MAX_CHARS = 40
PALETTE = ["#0b5471", "#e0b24a", "#2a9d8f", "#c8553d", "#6d597a", "#8ab17d", "#577590"]
MAIN_COLOUR = "#0b5471"
HIGHLIGHT_COLOUR = "#c8553d"
REGION_CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
logger = logging.getLogger(__name__)
# What Django's json_script escapes, so the JSON cannot close the <script> element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
FILTER_OPS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "region"})


class ChartProblem(ValidationFailed):
    """The chart cannot be drawn as configured; `message` says why and what to do."""

    code = "chart-problem"


# --- inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartConfig:
    """What a chart asks for, independent of the database row (tests build these directly)."""

    kind: str
    title: str = ""
    measure: str = ""
    aggregate: str = "sum"
    category: str = ""
    series: str = ""
    time_field: str = ""
    region_field: str = ""
    map_level: str = ""
    classing: str = "quantile"
    latitude_field: str = ""
    longitude_field: str = ""
    filters: tuple = ()
    top_n: int = 20
    unit: str = ""

    @classmethod
    def of(cls, chart: Chart) -> ChartConfig:
        return cls(
            kind=chart.kind,
            title=chart.title,
            measure=chart.measure,
            aggregate=chart.aggregate,
            category=chart.category,
            series=chart.series,
            time_field=chart.time_field,
            region_field=chart.region_field,
            map_level=chart.map_level,
            classing=chart.classing,
            latitude_field=chart.latitude_field,
            longitude_field=chart.longitude_field,
            filters=tuple(tuple(sorted(f.items())) for f in chart.filters or ()),
            top_n=chart.top_n,
            unit=chart.unit,
        )

    @property
    def is_time_chart(self) -> bool:
        """Values along time: lines and areas, and bars whose categories are the periods."""
        if self.kind in _MAP_AND_SCATTER or self.kind in (ChartKind.PIE, ChartKind.DONUT):
            return False
        return self.kind in (ChartKind.LINE, ChartKind.AREA) or (
            bool(self.time_field) and self.category in ("", self.time_field)
        )

    @property
    def x_field(self) -> str:
        """The column along the categories (or time) axis."""
        if self.kind == ChartKind.CHOROPLETH:
            return self.region_field
        if self.is_time_chart:
            return self.time_field or self.category
        return self.category or self.region_field or self.time_field

    def used_columns(self) -> list[str]:
        names = [
            self.measure,
            self.category,
            self.series,
            self.time_field,
            self.region_field,
            self.latitude_field,
            self.longitude_field,
        ]
        names += [dict(f).get("field", "") for f in self.filters]
        return [n for n in dict.fromkeys(names) if n]


_MAP_AND_SCATTER = frozenset({ChartKind.CHOROPLETH, ChartKind.POINT_MAP, ChartKind.SCATTER})


@dataclass(frozen=True)
class SharedFilters:
    """The dashboard's filters (period, kecamatan/desa, variable), cleaned."""

    period: str = ""
    kecamatan: str = ""
    desa: str = ""
    variable: str = ""

    @classmethod
    def clean(cls, data: Mapping[str, Any] | None) -> SharedFilters:
        """Keep only well-formed values: a bad code or an overlong period is dropped (the
        page then shows everything), never passed on."""
        data = data or {}

        def text(name: str, limit: int = PERIOD_MAX_CHARS) -> str:
            value = str(data.get(name) or "").strip()
            return value if len(value) <= limit else ""

        kecamatan, desa = text("kecamatan"), text("desa")
        kecamatan = kecamatan if REGION_CODE_RE.match(kecamatan) else ""
        desa = desa if REGION_CODE_RE.match(desa) else ""
        if desa and kecamatan and not desa.startswith(kecamatan + "."):
            desa = ""  # a desa of another kecamatan: the kecamatan the user just chose wins
        variable = text("variable", 120)
        return cls(
            period=text("period"),
            kecamatan=kecamatan,
            desa=desa,
            variable=variable if re.match(r"^[\w .\-]+$", variable) else "",
        )

    @property
    def region(self) -> str:
        return self.desa or self.kecamatan

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}

    def cache_parts(self) -> tuple:
        return (self.period, self.kecamatan, self.desa, self.variable)


@dataclass
class Frame:
    """A query answer: columns [{"name","type","title","unit"}] and row tuples."""

    columns: list[dict]
    rows: list[tuple]
    total: int | None = None

    def values(self, name: str) -> list[Any]:
        index = [c["name"] for c in self.columns].index(name)
        return [row[index] for row in self.rows]


# --- outputs -------------------------------------------------------------------------------


@dataclass
class ChartData:
    """What a spec is built from: records with the fixed field names."""

    records: list[dict]
    category_title: str = ""
    value_title: str = ""
    series_title: str = ""
    unit: str = ""
    time_axis: bool = False
    highlight: str = ""
    groups_total: int | None = None
    others_included: bool = False
    notes: list[str] = field(default_factory=list)
    # Map extras (maps.py): the areas drawn, codes without a boundary.
    features: list[dict] = field(default_factory=list)
    unmatched_codes: list[str] = field(default_factory=list)
    class_labels: list[str] = field(default_factory=list)
    version_number: int | None = None


@dataclass
class ChartResult:
    """Everything a page, an export or a report needs about one chart."""

    title: str
    kind: str
    # The spec as JSON text, escaped for a <script> element: results are cached (pickled) and a
    # map's spec holds every boundary, so text is what is kept — a string pickles ~100x faster
    # than the nested lists of coordinates, and the page writes it out as it is.
    spec_text: str = ""
    data: ChartData | None = None
    summary: str = ""
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def with_spec(cls, spec: dict, **values: Any) -> ChartResult:
        text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
        return cls(spec_text=text.translate(_SCRIPT_ESCAPES), **values)

    @property
    def spec(self) -> dict | None:
        """The Vega-Lite spec (parsed once per result object)."""
        if not self.spec_text:
            return None
        parsed = self.__dict__.get("_spec")
        if parsed is None:
            parsed = json.loads(self.spec_text)
            self.__dict__["_spec"] = parsed
        return parsed

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_spec", None)
        return state

    @property
    def ok(self) -> bool:
        return bool(self.spec_text) and not self.problem

    @property
    def empty(self) -> bool:
        """Drawn from no value at all (filters left nothing): say so instead of a blank frame."""
        if self.data is None:
            return False
        if self.kind == ChartKind.CHOROPLETH and self.data.records:
            return False  # the areas are drawn, grey, and the legend says "no data"
        return not any(r.get(VALUE) is not None or "lat" in r for r in self.data.records)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The data behind the chart: headers and raw rows (the CSV and the on-page table)."""
        if self.data is None:
            return [], []
        data = self.data
        headers = [data.category_title or _("Category")]
        has_series = any(SERIES in r for r in data.records)
        if has_series:
            headers.append(data.series_title or _("Series"))
        headers.append(with_unit(data.value_title, f"({data.unit})" if data.unit else ""))
        has_code = any(r.get(CODE) for r in data.records)
        if has_code:
            headers.append(_("Region code"))
        rows = []
        for record in data.records:
            row = [record.get(CATEGORY)]
            if has_series:
                row.append(record.get(SERIES))
            row.append(record.get(VALUE))
            if has_code:
                row.append(record.get(CODE, ""))
            rows.append(row)
        return headers, rows


# --- checks --------------------------------------------------------------------------------


def schema_by_name(version) -> dict[str, dict]:
    from satudata.warehouse.queries import schema_fields

    return {f["name"]: f for f in schema_fields(version)}


def check_config(config: ChartConfig, fields: dict[str, dict], *, version_number: int) -> None:
    """Raise ChartProblem when the chart cannot be drawn from this version's columns."""
    missing = [name for name in config.used_columns() if name not in fields]
    if missing:
        raise ChartProblem(
            _(
                "Column “%(column)s” used by this chart is not in the current version "
                "(v%(version)s) of the dataset: it was removed or renamed. Edit the chart and "
                "choose another column."
            )
            % {"column": missing[0], "version": version_number},
            details={"missing": missing},
        )
    if config.aggregate != "count" or config.kind == ChartKind.SCATTER:
        if not config.measure:
            raise ChartProblem(_("Choose the measure (a number column) to draw."))
        kind = fields[config.measure].get("type", "string")
        if kind not in NUMERIC_TYPES:
            raise ChartProblem(
                _(
                    "Column “%(column)s” holds text, not numbers, so it cannot be summed or "
                    "drawn as a value. Choose a number column, or count rows instead."
                )
                % {"column": config.measure},
                details={"column": config.measure, "type": kind},
            )
    if config.kind == ChartKind.CHOROPLETH and not config.region_field:
        raise ChartProblem(
            _(
                "A map needs a column with Kemendagri region codes (kecamatan or desa); this "
                "chart has none. Choose the region code column, or draw a bar chart instead."
            )
        )
    if config.kind == ChartKind.POINT_MAP and not (
        config.latitude_field and config.longitude_field
    ):
        raise ChartProblem(
            _("A point map needs a latitude and a longitude column; this dataset has none.")
        )
    if config.kind == ChartKind.SCATTER and not config.category:
        raise ChartProblem(_("A scatter plot needs a second number column for the x axis."))
    if config.kind not in (ChartKind.CHOROPLETH, ChartKind.POINT_MAP) and not config.x_field:
        raise ChartProblem(_("Choose the category or time column to draw the values along."))


def _field_title(fields: dict[str, dict], name: str) -> str:
    spec = fields.get(name) or {}
    title = spec.get("title") or name.replace("_", " ")
    return title[:1].upper() + title[1:]


def _field_unit(fields: dict[str, dict], name: str) -> str:
    return (fields.get(name) or {}).get("unit", "")


# --- the query -----------------------------------------------------------------------------


def _typed(value: Any, kind: str) -> Any:
    """A filter value from a URL typed for its column; None when it does not fit."""
    if kind in ("integer", "year"):
        try:
            return int(str(value).strip())
        except ValueError:
            return None
    if kind == "number":
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            return None
    return str(value)


def conditions_for(
    config: ChartConfig, fields: dict[str, dict], filters: SharedFilters
) -> tuple[list, list[str], dict[str, bool]]:
    """Query conditions of the chart's fixed filters plus the shared filters that apply.

    Returns (conditions, notes, applied) — `applied` says per shared filter whether it changed
    this chart (the panel shows which filters do not apply, rather than silently ignoring them).
    """
    from satudata.warehouse.query import Condition

    conditions = []
    for item in config.filters:
        raw = dict(item)
        if raw.get("op") in FILTER_OPS and raw.get("field") in fields:
            conditions.append(Condition(raw["field"], raw["op"], raw.get("value")))
    applied = {"period": False, "region": False, "variable": False}
    notes: list[str] = []
    if filters.region and config.region_field:
        conditions.append(Condition(config.region_field, "region", filters.region))
        applied["region"] = True
    if filters.period and config.time_field and not config.is_time_chart:
        value = _typed(filters.period, fields[config.time_field].get("type", "string"))
        if value is not None:
            conditions.append(Condition(config.time_field, "eq", value))
            applied["period"] = True
    return conditions, notes, applied


def _measure_for(config: ChartConfig, fields: dict[str, dict], filters: SharedFilters) -> str:
    """The shared "variable" filter swaps the measure when this dataset has that number column."""
    wanted = filters.variable
    if wanted and wanted in fields and fields[wanted].get("type") in NUMERIC_TYPES:
        return wanted
    return config.measure


def build_query(config: ChartConfig, conditions: list, *, limit: int):
    from satudata.warehouse.query import Aggregate, TableQuery

    if config.kind == ChartKind.SCATTER:
        names = [config.category, config.measure] + ([config.series] if config.series else [])
        return TableQuery(conditions=tuple(conditions), fields=tuple(names), limit=limit)
    aggregate = (
        Aggregate("count")
        if config.aggregate == "count"
        else Aggregate(config.aggregate, config.measure)
    )
    group_by = [config.x_field] + ([config.series] if config.series else [])
    if config.is_time_chart:
        sort = tuple((name, False) for name in group_by)
    else:
        sort = ((aggregate.name, True),)
    return TableQuery(
        conditions=tuple(conditions),
        group_by=tuple(group_by),
        aggregates=(aggregate,),
        sort=sort,
        limit=limit,
    )


def run(version, query) -> Frame:
    """One query through the shared layer (cached there by Parquet sha256 and query)."""
    from satudata.warehouse.query import run_query

    result = run_query(version, query)
    return Frame(columns=list(result.columns), rows=list(result.rows), total=result.total)


# --- shaping -------------------------------------------------------------------------------


def region_names(codes: list[str]) -> dict[str, str]:
    """Kemendagri code → name for the codes that are known (one query)."""
    from satudata.regions.models import Region

    wanted = [c for c in {str(c) for c in codes if c} if REGION_CODE_RE.match(c)]
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def _label(value: Any) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _looks_like_codes(values: list[Any]) -> bool:
    texts = [str(v) for v in values if v is not None]
    return bool(texts) and all(REGION_CODE_RE.match(t) for t in texts)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def shape_grouped(
    config: ChartConfig,
    frame: Frame,
    fields: dict[str, dict],
    *,
    measure: str,
    grand_total: float | None = None,
) -> ChartData:
    """Grouped rows (x[, series], aggregate) → records with region names and "lainnya"."""
    x_values = frame.values(config.x_field)
    value_index = len(frame.columns) - 1
    values = [_number(row[value_index]) for row in frame.rows]
    series_values = frame.values(config.series) if config.series else [None] * len(values)
    names = region_names(x_values) if _looks_like_codes(x_values) else {}
    records = []
    for x, series, value in zip(x_values, series_values, values, strict=True):
        record = {CATEGORY: names.get(str(x), _label(x)), VALUE: value}
        if names:
            record[CODE] = str(x)
        if config.series:
            record[SERIES] = _label(series)
        records.append(record)
    data = ChartData(
        records=records,
        category_title=_region_title(x_values) if names else _field_title(fields, config.x_field),
        value_title=_value_title(config, fields, measure),
        series_title=_field_title(fields, config.series) if config.series else "",
        unit=config.unit or (_field_unit(fields, measure) if config.aggregate != "count" else ""),
        time_axis=config.is_time_chart,
        groups_total=frame.total,
    )
    if not config.is_time_chart:
        _keep_top(config, data, grand_total)
    elif len(frame.rows) >= CHART_ROWS_MAX:
        data.notes.append(
            _("Only the first %(count)s periods are drawn.")
            % {"count": format_number(CHART_ROWS_MAX)}
        )
    if names and len(names) < len({str(x) for x in x_values if x is not None}):
        unknown = sorted({str(x) for x in x_values if x is not None} - set(names))
        data.notes.append(
            _("Region codes not in the Kemendagri list are shown as they are: %(codes)s.")
            % {"codes": ", ".join(unknown[:10])}
        )
    return data


def _region_title(codes: list[Any]) -> str:
    depths = {len(str(c).split(".")) for c in codes if c is not None}
    if depths == {3}:
        return _("Kecamatan")
    if depths == {4}:
        return _("Desa/kelurahan")
    if depths == {2}:
        return _("Kabupaten/kota")
    return _("Region")


def _value_title(config: ChartConfig, fields: dict[str, dict], measure: str) -> str:
    if config.aggregate == "count":
        return _("Number of rows")
    return _field_title(fields, measure)


def top_n_for(config: ChartConfig) -> int:
    limit = PIE_TOP_N_MAX if config.kind in (ChartKind.PIE, ChartKind.DONUT) else TOP_N_MAX
    return max(1, min(config.top_n or limit, limit))


def _keep_top(config: ChartConfig, data: ChartData, grand_total: float | None) -> None:
    """Keep the N largest categories; the rest becomes one "lainnya" bar when the aggregate
    adds up (sum, count), otherwise a note says how many are not drawn."""
    if config.series:
        totals: dict[str, float] = {}
        for r in data.records:
            totals[r[CATEGORY]] = totals.get(r[CATEGORY], 0.0) + (r[VALUE] or 0.0)
        keep = set(sorted(totals, key=lambda k: -totals[k])[: top_n_for(config)])
        if len(totals) > len(keep):
            data.records = [r for r in data.records if r[CATEGORY] in keep]
            data.notes.append(
                _("Only the %(shown)d largest of %(total)s categories are drawn.")
                % {"shown": len(keep), "total": format_number(len(totals))}
            )
        return
    limit = top_n_for(config)
    if len(data.records) <= limit:
        return
    shown = data.records[:limit]
    rest = data.records[limit:]
    total_groups = data.groups_total or len(data.records)
    if config.aggregate in ("sum", "count"):
        if grand_total is not None:
            others = grand_total - sum(r[VALUE] or 0.0 for r in shown)
        else:
            others = sum(r[VALUE] or 0.0 for r in rest)
        shown.append({CATEGORY: _("lainnya"), VALUE: others})
        data.others_included = True
        data.notes.append(
            _(
                "The %(shown)d largest of %(total)s categories are drawn; the other %(rest)s are "
                "added up as “lainnya”."
            )
            % {
                "shown": limit,
                "total": format_number(total_groups),
                "rest": format_number(total_groups - limit),
            }
        )
    else:
        data.notes.append(
            _("Only the %(shown)d largest of %(total)s categories are drawn.")
            % {"shown": limit, "total": format_number(total_groups)}
        )
    data.records = shown


def shape_scatter(config: ChartConfig, frame: Frame, fields: dict[str, dict]) -> ChartData:
    xs, ys = frame.values(config.category), frame.values(config.measure)
    series = frame.values(config.series) if config.series else [None] * len(xs)
    records = []
    for x, y, s in zip(xs, ys, series, strict=True):
        if _number(x) is None or _number(y) is None:
            continue
        record = {CATEGORY: _number(x), VALUE: _number(y)}
        if config.series:
            record[SERIES] = _label(s)
        records.append(record)
    data = ChartData(
        records=records,
        category_title=_field_title(fields, config.category),
        value_title=_field_title(fields, config.measure),
        series_title=_field_title(fields, config.series) if config.series else "",
        unit=config.unit or _field_unit(fields, config.measure),
    )
    if len(frame.rows) >= SCATTER_POINTS_MAX:
        data.notes.append(
            _("Only the first %(count)s points are drawn.")
            % {"count": format_number(SCATTER_POINTS_MAX)}
        )
    return data


# --- specs ---------------------------------------------------------------------------------


def _config() -> dict:
    return {
        "locale": {"number": VEGA_NUMBER_LOCALE},
        "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        # A long axis title is cut with "…" instead of running off the chart.
        "axis": {
            "labelFontSize": 12,
            "titleFontSize": 12,
            "labelColor": "#1f2933",
            "titleLimit": 200,
        },
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "view": {"stroke": None},
        "range": {"category": PALETTE},
    }


def _finish(chart: alt.TopLevelMixin, title: str, description: str) -> dict:
    spec = chart.to_dict(validate=False)
    spec["title"] = (
        {"text": title, "anchor": "start", "fontSize": 14, "limit": 600} if title else None
    )
    if spec["title"] is None:
        del spec["title"]
    # The browser draws with the vendored Vega-Lite 5.21 (static/vendor); vl-convert is told
    # the same version (render.VEGA_LITE_VERSION), so screen and image agree.
    spec["$schema"] = VEGA_LITE_SCHEMA
    spec["description"] = description
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec["background"] = "#ffffff"
    spec["config"] = _config()
    return spec


def _value_format(values: list[float]) -> str:
    if all(v is None or float(v).is_integer() for v in values):
        return ",.0f"
    return ",.2~f"


def _scaled(data: ChartData) -> tuple[list[dict], str, str]:
    """Records with SHOWN (the value in miliar/juta when large), the axis title, the format."""
    values = [r[VALUE] for r in data.records if r.get(VALUE) is not None]
    divisor, word = scale_for(values)
    unit = " ".join(p for p in (word, data.unit) if p)
    records = []
    for r in data.records:
        value = r.get(VALUE)
        records.append({**r, SHOWN: None if value is None else value / divisor})
    title = f"{data.value_title} ({unit})" if unit else data.value_title
    shown = [r[SHOWN] for r in records if r[SHOWN] is not None]
    return records, title, _value_format(shown)


def _tooltip(data: ChartData, value_title: str, fmt: str) -> list:
    tips = [alt.Tooltip(f"{CATEGORY}:N", title=data.category_title or _("Category"))]
    if any(SERIES in r for r in data.records):
        tips.append(alt.Tooltip(f"{SERIES}:N", title=data.series_title or _("Series")))
    tips.append(alt.Tooltip(f"{SHOWN}:Q", title=value_title, format=fmt))
    if any(r.get(CODE) for r in data.records):
        tips.append(alt.Tooltip(f"{CODE}:N", title=_("Region code")))
    return tips


def spec_for(config: ChartConfig, data: ChartData, *, title: str, description: str) -> dict:
    """The Vega-Lite spec of a non-map chart from shaped data."""
    if config.kind == ChartKind.SCATTER:
        return _scatter_spec(data, title, description)
    if config.kind == ChartKind.TABLE:
        return _table_spec(data, title, description)
    records, value_title, fmt = _scaled(data)
    base = alt.Chart(alt.Data(values=records))
    tooltip = _tooltip(data, value_title, fmt)
    order = [r[CATEGORY] for r in records]
    order = list(dict.fromkeys(order))
    if config.kind in (ChartKind.PIE, ChartKind.DONUT):
        inner = 50 if config.kind == ChartKind.DONUT else 0
        chart = base.mark_arc(innerRadius=inner, stroke="#ffffff").encode(
            theta=alt.Theta(f"{SHOWN}:Q", stack=True),
            color=alt.Color(f"{CATEGORY}:N", sort=order, title=data.category_title),
            order=alt.Order(f"{SHOWN}:Q", sort="descending"),
            tooltip=tooltip,
        )
        return _finish(chart.properties(height=260), title, description)
    x_title = data.category_title
    if data.time_axis:
        x = alt.X(f"{CATEGORY}:O", title=x_title, sort=order, axis=alt.Axis(labelAngle=0))
    else:
        x = alt.X(f"{CATEGORY}:N", title=x_title, sort=order, axis=alt.Axis(labelLimit=140))
    y = alt.Y(f"{SHOWN}:Q", title=value_title, axis=alt.Axis(format=fmt))
    has_series = any(SERIES in r for r in records)
    encoding: dict[str, Any] = {"tooltip": tooltip}
    if has_series:
        encoding["color"] = alt.Color(f"{SERIES}:N", title=data.series_title)
    if config.kind in (ChartKind.LINE, ChartKind.AREA):
        mark = (
            base.mark_line(point=True, strokeWidth=2)
            if config.kind == ChartKind.LINE
            else base.mark_area(line=True, opacity=0.6)
        )
        if not has_series:
            mark = (
                base.mark_line(point=True, strokeWidth=2, color=MAIN_COLOUR)
                if config.kind == ChartKind.LINE
                else base.mark_area(line=True, opacity=0.6, color=MAIN_COLOUR)
            )
        chart = mark.encode(x=x, y=y, **encoding)
        if data.highlight:
            rule = (
                alt.Chart(alt.Data(values=[{CATEGORY: data.highlight}]))
                .mark_rule(color=HIGHLIGHT_COLOUR, strokeDash=[4, 3])
                .encode(x=alt.X(f"{CATEGORY}:O", sort=order))
            )
            chart = alt.layer(chart, rule)
        return _finish(chart.properties(height=240), title, description)
    # Bars: horizontal when the category labels are names (they stay readable on a phone).
    horizontal = not data.time_axis
    if config.kind == ChartKind.GROUPED_BAR and has_series:
        encoding["xOffset" if not horizontal else "yOffset"] = (
            alt.XOffset(f"{SERIES}:N") if not horizontal else alt.YOffset(f"{SERIES}:N")
        )
    if horizontal:
        cat = alt.Y(f"{CATEGORY}:N", title=x_title, sort=order, axis=alt.Axis(labelLimit=160))
        val = alt.X(f"{SHOWN}:Q", title=value_title, axis=alt.Axis(format=fmt))
        stack = None if config.kind == ChartKind.GROUPED_BAR else "zero"
        val = alt.X(f"{SHOWN}:Q", title=value_title, axis=alt.Axis(format=fmt), stack=stack)
        colour = {} if has_series else {"color": MAIN_COLOUR}
        chart = base.mark_bar(**colour).encode(y=cat, x=val, **encoding)
        step = 28 if not (has_series and config.kind == ChartKind.GROUPED_BAR) else 14
        bars = len(order) * (
            len({r.get(SERIES) for r in records}) if config.kind == ChartKind.GROUPED_BAR else 1
        )
        height = max(160, min(900, bars * step + 40))
        return _finish(chart.properties(height=height), title, description)
    colour = {} if has_series else {"color": MAIN_COLOUR}
    chart = base.mark_bar(**colour).encode(x=x, y=y, **encoding)
    return _finish(chart.properties(height=240), title, description)


def _scatter_spec(data: ChartData, title: str, description: str) -> dict:
    base = alt.Chart(alt.Data(values=data.records))
    encoding: dict[str, Any] = {
        "x": alt.X(f"{CATEGORY}:Q", title=data.category_title, axis=alt.Axis(format=",.2~f")),
        "y": alt.Y(
            f"{VALUE}:Q",
            title=with_unit(data.value_title, f"({data.unit})" if data.unit else ""),
            axis=alt.Axis(format=",.2~f"),
        ),
        "tooltip": [
            alt.Tooltip(f"{CATEGORY}:Q", title=data.category_title, format=",.2~f"),
            alt.Tooltip(f"{VALUE}:Q", title=data.value_title, format=",.2~f"),
        ],
    }
    if any(SERIES in r for r in data.records):
        encoding["color"] = alt.Color(f"{SERIES}:N", title=data.series_title)
    chart = base.mark_circle(size=60, opacity=0.8, color=MAIN_COLOUR).encode(**encoding)
    return _finish(chart.properties(height=260), title, description)


def _table_spec(data: ChartData, title: str, description: str) -> dict:
    rows = [
        {"baris": i, CATEGORY: r[CATEGORY], SHOWN: format_number(r.get(VALUE))}
        for i, r in enumerate(data.records[:TABLE_ROWS_MAX], start=1)
    ]
    value_title = with_unit(data.value_title, f"({data.unit})" if data.unit else "")
    base = alt.Chart(alt.Data(values=rows)).encode(y=alt.Y("baris:O", axis=None))
    left = (
        base.mark_text(align="left")
        .encode(text=f"{CATEGORY}:N")
        .properties(title=data.category_title, width=200)
    )
    right = (
        base.mark_text(align="right")
        .encode(text=f"{SHOWN}:N")
        .properties(title=value_title, width=120)
    )
    chart = alt.hconcat(left, right).properties(spacing=10)
    spec = _finish(chart, title, description)
    spec.pop("width", None)
    spec["autosize"] = {"type": "pad"}
    return spec


# --- summaries (the text alternative) -------------------------------------------------------


def _value_text(value: float | None, unit: str) -> str:
    return with_unit(format_number(value), unit)


def summarise(config: ChartConfig, data: ChartData, title: str) -> str:
    """One sentence saying what the chart shows (read by screen readers, printed in reports)."""
    values = [
        r for r in data.records if r.get(VALUE) is not None and r.get(CATEGORY) != _("lainnya")
    ]
    if not values:
        return _("%(title)s: no values to show for the chosen filters.") % {"title": title}
    if config.kind == ChartKind.SCATTER:
        return _("%(title)s: %(count)s points.") % {
            "title": title,
            "count": format_number(len(values)),
        }
    if data.time_axis and not any(SERIES in r for r in values):
        first, last = values[0], values[-1]
        return _(
            "%(title)s: from %(first_value)s in %(first)s to %(last_value)s in %(last)s "
            "(%(count)d periods)."
        ) % {
            "title": title,
            "first_value": _value_text(first[VALUE], data.unit),
            "first": first[CATEGORY],
            "last_value": _value_text(last[VALUE], data.unit),
            "last": last[CATEGORY],
            "count": len(values),
        }
    if len(values) == 1:
        only = values[0]
        return _("%(title)s: %(category)s %(value)s.") % {
            "title": title,
            "category": only[CATEGORY],
            "value": _value_text(only[VALUE], data.unit),
        }
    top = max(values, key=lambda r: r[VALUE])
    bottom = min(values, key=lambda r: r[VALUE])
    label = lambda r: f"{r[CATEGORY]} \u2013 {r[SERIES]}" if SERIES in r else r[CATEGORY]  # noqa: E731
    return _(
        "%(title)s: highest %(top)s (%(top_value)s), lowest %(bottom)s (%(bottom_value)s), "
        "%(count)d values."
    ) % {
        "title": title,
        "top": label(top),
        "top_value": _value_text(top[VALUE], data.unit),
        "bottom": label(bottom),
        "bottom_value": _value_text(bottom[VALUE], data.unit),
        "count": len(values),
    }


# --- entry points --------------------------------------------------------------------------


def _version_of(chart: Chart):
    from satudata.warehouse.models import Version

    dataset = chart.dataset
    if not dataset.published_version_id:
        raise ChartProblem(
            _("Dataset “%(title)s” has no published version yet, so there is nothing to draw.")
            % {"title": dataset.title}
        )
    version = getattr(dataset, "_chart_version", None)
    if version is None or version.pk != dataset.published_version_id:
        version = Version.objects.get(pk=dataset.published_version_id)
        dataset._chart_version = version
    return version


def _cache_parts(chart: Chart, version, filters: SharedFilters) -> tuple:
    # The whole configuration (not the row id) is in the key: builder previews of unsaved
    # charts are cached too, and an edited chart never meets its old answer.
    return (
        "dashboards.chart",
        3,
        version.parquet_sha256,
        version.pk,
        chart.dataset_id,
        repr(ChartConfig.of(chart)),
        filters.cache_parts(),
        get_language(),
        settings.SATUDATA_REGION_CODE,
    )


def chart_result(
    chart: Chart, *, filters: Mapping[str, Any] | SharedFilters | None = None
) -> ChartResult:
    """Spec, data, summary and notes of a chart; a problem is reported in the result."""
    from satudata.warehouse.queries import cached_query

    shared = filters if isinstance(filters, SharedFilters) else SharedFilters.clean(filters)
    result = ChartResult(title=chart.title, kind=chart.kind)
    try:
        version = _version_of(chart)
        return cached_query(
            _cache_parts(chart, version, shared), lambda: _compute(chart, version, shared)
        )
    except ChartProblem as problem:
        result.problem = problem.message
    except ValidationFailed as error:
        result.problem = reading_problem(error)
    return result


def reading_problem(error: ValidationFailed) -> str:
    """What a panel says when the query layer refused or failed. A failure to read the data
    (a missing file, the engine) is logged for the administrator; its text names server paths,
    so the page says only that the data could not be read. Failures are never cached."""
    if error.code == "query-failed":
        logger.warning("dashboards: query failed: %s", error.message)
        return _("The data behind this chart could not be read just now. Please try again later.")
    # The query layer refused the question (a value of the wrong type…): say why.
    return _("The chart could not be drawn: %(reason)s") % {"reason": error.message}


def _compute(chart: Chart, version, shared: SharedFilters) -> ChartResult:
    from satudata.dashboards import maps

    config = ChartConfig.of(chart)
    fields = schema_by_name(version)
    measure = _measure_for(config, fields, shared)
    swapped = ""
    if measure != config.measure:
        swapped = _(
            "The dashboard's variable filter shows “%(variable)s” instead of the chart's own "
            "measure “%(measure)s”."
        ) % {
            "variable": _field_title(fields, measure),
            "measure": _field_title(fields, config.measure),
        }
        config = _replace(config, measure=measure)
    check_config(config, fields, version_number=version.number)
    conditions, notes, applied = conditions_for(config, fields, shared)
    if config.kind in (ChartKind.CHOROPLETH, ChartKind.POINT_MAP):
        data = maps.map_data(config, version, fields, conditions, shared)
    elif config.kind == ChartKind.SCATTER:
        frame = run(version, build_query(config, conditions, limit=SCATTER_POINTS_MAX))
        data = shape_scatter(config, frame, fields)
    else:
        data = _grouped_data(config, version, fields, conditions, measure)
        if shared.period and config.is_time_chart:
            data.highlight = shared.period
    if (
        shared.desa
        and applied["region"]
        and config.kind not in maps.MAP_KINDS
        and not any(r.get(VALUE) is not None for r in data.records)
    ):
        # Data kept per kecamatan has no row for a desa: show the desa's kecamatan, and say so.
        fallback = _compute(chart, version, replace(shared, desa=""))
        fallback.notes.insert(
            0, _("This data has no rows for the chosen desa; its kecamatan is shown.")
        )
        return fallback
    data.version_number = version.number
    data.notes = notes + data.notes
    title = chart.title
    if swapped:
        # The saved title names the chart's own measure; say plainly what is drawn instead.
        title = _("%(title)s · variable: %(variable)s") % {
            "title": chart.title,
            "variable": _field_title(fields, measure),
        }
        data.notes.insert(0, swapped)
    summary = (
        summarise(config, data, title)
        if config.kind not in maps.MAP_KINDS
        else maps.summarise(config, data, title)
    )
    description = summary
    if config.kind in maps.MAP_KINDS:
        spec = maps.spec_for(config, data, title=title, description=description)
    else:
        spec = spec_for(config, data, title=title, description=description)
    data.features = []  # drawn into the spec; not kept twice in the cache
    return ChartResult.with_spec(
        spec,
        title=title,
        kind=chart.kind,
        data=data,
        summary=summary,
        notes=_filter_notes(config, shared, applied) + data.notes,
    )


def _replace(config: ChartConfig, **changes: Any) -> ChartConfig:
    from dataclasses import replace

    return replace(config, **changes)


def _grouped_data(config: ChartConfig, version, fields, conditions, measure) -> ChartData:
    limit = CHART_ROWS_MAX if (config.series or config.is_time_chart) else top_n_for(config) + 1
    frame = run(version, build_query(config, conditions, limit=limit))
    grand_total = None
    if (
        not config.series
        and not config.is_time_chart
        and len(frame.rows) > top_n_for(config)
        and config.aggregate in ("sum", "count")
    ):
        grand_total = _grand_total(config, version, conditions)
    return shape_grouped(config, frame, fields, measure=measure, grand_total=grand_total)


def _grand_total(config: ChartConfig, version, conditions) -> float | None:
    from satudata.warehouse.query import Aggregate, TableQuery

    aggregate = (
        Aggregate("count") if config.aggregate == "count" else Aggregate("sum", config.measure)
    )
    frame = run(version, TableQuery(conditions=tuple(conditions), aggregates=(aggregate,), limit=1))
    return _number(frame.rows[0][-1]) if frame.rows else None


def _filter_notes(
    config: ChartConfig, shared: SharedFilters, applied: dict[str, bool]
) -> list[str]:
    notes = []
    if shared.region and not applied["region"]:
        notes.append(_("The region filter does not apply: this data has no region code column."))
    if shared.period and config.is_time_chart:
        notes.append(_("Period %(period)s is marked on the time axis.") % {"period": shared.period})
    elif shared.period and not applied["period"]:
        notes.append(_("The period filter does not apply: this data has no time column."))
    return notes


def chart_spec(chart: Chart, *, filters: Mapping[str, Any] | None = None) -> dict:
    """The chart's Vega-Lite spec with the data inline. Raises ChartProblem."""
    result = chart_result(chart, filters=filters)
    if result.problem or result.spec is None:
        raise ChartProblem(result.problem or _("The chart could not be drawn."))
    return result.spec


def map_spec(map_or_chart: Chart, *, filters: Mapping[str, Any] | None = None) -> dict:
    """The map's Vega-Lite spec (choropleth or points). Raises ChartProblem."""
    if not map_or_chart.is_map:
        raise ChartProblem(_("“%(title)s” is not a map.") % {"title": map_or_chart.title})
    return chart_spec(map_or_chart, filters=filters)
