"""What each section of a report shows, computed once per edition and used by both the PDF and
the XLSX renderers.

Everything a report shows is public: tables read the dataset's current public version *as the
public sees it* (anonymous), through the shared query layer (`warehouse.query`); charts, maps and
indicator cards come from the dashboards app (contract D) and are only used when the public may
see them. A section whose data is not available (dataset withdrawn or restricted, chart deleted,
column removed in a newer version) prints a short note instead, and the note is kept on the
edition, so a report never fails as a whole because of one section.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from satudata.core.errors import SatuDataError, ValidationFailed
from satudata.core.permissions import ANONYMOUS
from satudata.reports import conf
from satudata.reports.models import Report, Section, SectionKind

logger = logging.getLogger(__name__)

NUMERIC_TYPES = frozenset({"integer", "number"})


# --- numbers the Indonesian way ---------------------------------------------------------------


def format_number(value: Any, decimals: int | None = None) -> str:
    """1234567.5 -> "1.234.567,5": dot for thousands, comma for decimals, as BPS publishes.
    `decimals` None keeps up to 2 decimals, dropping trailing zeros."""
    if value is None:
        return "\u2013"  # en dash: "no figure"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, (float, Decimal)):
        number = float(value)
        if decimals is None:
            text = f"{number:,.2f}".rstrip("0").rstrip(".")
        else:
            text = f"{number:,.{decimals}f}"
        # 1,234.5 -> 1.234,5 (swap the separators through a placeholder)
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return str(value)


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- blocks -----------------------------------------------------------------------------------


@dataclass
class Source:
    agency: str
    dataset_title: str
    url: str
    version: str = ""


@dataclass
class TableBlock:
    columns: list[dict]  # name, title, type, unit
    rows: list[tuple]  # raw values (XLSX writes these)
    source: Source
    truncated: bool = False

    @property
    def printed_rows(self) -> list[list[tuple[str, bool]]]:
        """(text, is_number) per cell: numbers right-aligned and formatted, years as written
        (2024, not 2.024), an empty number cell as an en dash."""
        numeric = [c.get("type") in NUMERIC_TYPES for c in self.columns]
        years = [is_year_column(c) for c in self.columns]
        decimals = [column_decimals([row[i] for row in self.rows]) for i in range(len(numeric))]
        rows = []
        for row in self.rows:
            cells = []
            for i, value in enumerate(row):
                if years[i] and value is not None:
                    cells.append((str(value), False))
                elif numeric[i]:
                    cells.append((format_number(value, decimals[i]), True))
                else:
                    cells.append((format_cell(value), False))
            rows.append(cells)
        return rows


YEAR_WORDS = ("tahun", "year")
COLUMN_DECIMALS_MAX = 2


def column_decimals(values: list) -> int | None:
    """One number of decimals for a whole column (5,30 under 9,52, as tables are printed): the
    most any value needs, at most COLUMN_DECIMALS_MAX; None for a column of whole numbers."""
    needed = 0
    for value in values:
        if isinstance(value, (float, Decimal)) and not float(value).is_integer():
            text = f"{float(value):.{COLUMN_DECIMALS_MAX}f}".rstrip("0")
            needed = max(needed, len(text.partition(".")[2]))
    return needed or None


def is_year_column(column: dict) -> bool:
    """A year column (Table Schema `year`, or an integer column named like one)."""
    if column.get("type") == "year":
        return True
    name = str(column.get("name") or "").lower()
    return column.get("type") == "integer" and any(word in name for word in YEAR_WORDS)


@dataclass
class IndicatorBlock:
    name: str
    value: Any
    value_text: str
    unit: str
    period: str
    previous_text: str = ""
    previous_period: str = ""
    change_text: str = ""
    direction: str = "flat"  # up / down / flat
    good: bool | None = None
    definition: str = ""
    source: Source | None = None
    summary: str = ""  # the card as one sentence


@dataclass
class FigureBlock:
    svg: str
    alt: str
    source: Source | None
    is_map: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


@dataclass
class SectionContent:
    section: Section
    number: int
    paragraphs: list[str] = field(default_factory=list)
    table: TableBlock | None = None
    indicator: IndicatorBlock | None = None
    figure: FigureBlock | None = None
    problem: str = ""
    sheet: str = ""  # the XLSX sheet holding this section's figures
    label: str = ""  # "2" for a chapter, "2.1" for a section inside it
    table_number: int = 0  # "Tabel 2", "Gambar 1": numbered separately, in order
    figure_number: int = 0

    @property
    def anchor(self) -> str:
        return f"bagian-{self.number}"


# --- sources and versions ---------------------------------------------------------------------


def dataset_url(dataset) -> str:
    return conf.site_url() + reverse("catalog:dataset_detail", kwargs={"slug": dataset.slug})


def source_for(dataset, version=None) -> Source:
    label = _("version %(number)s") % {"number": version.number} if version is not None else ""
    return Source(dataset.organisation.name, dataset.title, dataset_url(dataset), label)


def public_dataset_version(dataset):
    """(dataset, version) as the public sees them, or raise ValidationFailed with the reason."""
    from satudata.catalog.models import Dataset
    from satudata.warehouse.queries import public_version

    if dataset is None:
        raise ValidationFailed(_("Choose a dataset."))
    visible = Dataset.objects.visible_to(ANONYMOUS).filter(pk=dataset.pk).first()
    if visible is None:
        raise ValidationFailed(
            _("Dataset “%(title)s” is not public: reports only show public data.")
            % {"title": dataset.title}
        )
    version = public_version(ANONYMOUS, visible)
    if version is None or not version.parquet_sha256:
        raise ValidationFailed(
            _("Dataset “%(title)s” has no published table yet.") % {"title": dataset.title}
        )
    return visible, version


# --- tables -----------------------------------------------------------------------------------


def _names(value: Any, label: str) -> tuple[str, ...]:
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(_("%(label)s must be a list of column names.") % {"label": label})
    return tuple(v.strip() for v in value if v.strip())


def table_query(config: dict):
    """The shared query layer's TableQuery for a table section's settings."""
    from satudata.warehouse.query import Aggregate, Condition, TableQuery

    aggregates = []
    for text in _names(config.get("aggregates"), _("Aggregates")):
        fn, _sep, column = text.partition(":")
        aggregates.append(Aggregate(fn.strip(), column.strip() or None))
    sort = tuple(
        (name.lstrip("-"), name.startswith("-")) for name in _names(config.get("sort"), _("Sort"))
    )
    conditions = []
    for item in config.get("conditions") or []:
        if not isinstance(item, dict) or not {"field", "op", "value"} <= set(item):
            raise ValidationFailed(_("Each filter needs a field, an operator and a value."))
        conditions.append(Condition(str(item["field"]), str(item["op"]), item["value"]))
    try:
        limit = int(config.get("limit") or conf.table_rows_max())
    except (TypeError, ValueError):
        raise ValidationFailed(_("The row limit must be a whole number.")) from None
    if not 1 <= limit <= conf.table_rows_max():
        raise ValidationFailed(
            _("A report table shows from 1 to %(max)d rows.") % {"max": conf.table_rows_max()}
        )
    group_by = _names(config.get("group_by"), _("Group by"))
    fields = _names(config.get("fields"), _("Columns"))
    return TableQuery(
        conditions=tuple(conditions),
        fields=None if group_by or not fields else fields,
        sort=sort,
        group_by=group_by,
        aggregates=tuple(aggregates),
        # one more row than shown tells whether the table was cut
        limit=limit + 1,
    )


def column_label(column: dict) -> str:
    """The schema's title; a bare column name reads better as words ("kode_kecamatan" ->
    "Kode kecamatan")."""
    title = str(column.get("title") or "")
    name = str(column.get("name") or "")
    if title and title != name:
        return title
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def build_table(section: Section) -> TableBlock:
    from satudata.warehouse.query import run_query

    dataset, version = public_dataset_version(section.dataset)
    query = table_query(section.config or {})
    result = run_query(version, query)
    shown = query.limit - 1
    columns = [dict(column, label=column_label(column)) for column in result.columns]
    return TableBlock(
        columns=columns,
        rows=list(result.rows[:shown]),
        source=source_for(dataset, version),
        truncated=len(result.rows) > shown,
    )


# --- indicators -------------------------------------------------------------------------------


def _dashboards_indicator(slug: str):
    from satudata.dashboards.models import Indicator

    indicator = Indicator.objects.visible_to(ANONYMOUS).filter(slug=slug).first()
    if indicator is None:
        raise ValidationFailed(
            _("Indicator “%(slug)s” does not exist or is not public.") % {"slug": slug}
        )
    return indicator


def _card_block(indicator) -> IndicatorBlock:
    """The dashboards' indicator card (contract D), printed with the same texts as on the web
    (value, change and previous value are the card's own formatted strings)."""
    from satudata.dashboards.indicators import indicator_card

    card = indicator_card(indicator)
    if card.problem:
        raise ValidationFailed(card.problem)
    dataset = indicator.dataset
    return IndicatorBlock(
        name=card.name or indicator.name,
        value=card.value,
        value_text=card.value_text,
        unit=card.unit,
        period=card.period,
        previous_text=card.previous_text if card.previous is not None else "",
        previous_period=card.previous_period,
        change_text=card.change_text,
        direction=card.direction,
        good=card.good,
        definition=card.definition or indicator.definition,
        source=source_for(dataset, dataset.published_version),
        summary=card.summary,
    )


def _direct_indicator(section: Section) -> IndicatorBlock:
    """An indicator straight from the query layer: the measure aggregated per period (the
    `time_field`), latest and previous period. Used for sections that name a measure instead of
    a dashboards indicator."""
    from satudata.warehouse.query import Aggregate, Condition, TableQuery, run_query

    config = section.config or {}
    dataset, version = public_dataset_version(section.dataset)
    measure = str(config.get("measure") or "")
    time_field = str(config.get("time_field") or "")
    if not measure or not time_field:
        raise ValidationFailed(_("An indicator needs a measure column and a time column."))
    fn = str(config.get("aggregate") or "sum")
    conditions = tuple(
        Condition(str(c["field"]), str(c["op"]), c["value"])
        for c in config.get("conditions") or []
        if isinstance(c, dict) and {"field", "op", "value"} <= set(c)
    )
    aggregate = Aggregate(fn, measure)
    result = run_query(
        version,
        TableQuery(
            conditions=conditions,  # null measures are skipped by the aggregate itself
            group_by=(time_field,),
            aggregates=(aggregate,),
            sort=((time_field, True),),
            limit=50,
        ),
    )
    values = [(period, value) for period, value in result.rows if value is not None]
    if not values:
        raise ValidationFailed(_("The indicator has no value in the published data."))
    decimals = config.get("decimals")
    decimals = int(decimals) if isinstance(decimals, int) else None
    (period, value), previous = values[0], values[1] if len(values) > 1 else None
    block = IndicatorBlock(
        name=section.title,
        value=value,
        value_text=format_number(value, decimals),
        unit=str(config.get("unit") or dataset.unit or ""),
        period=str(period),
        definition=section.body,
        source=source_for(dataset, version),
    )
    if previous is not None:
        change = float(value) - float(previous[1])
        block.previous_text = format_number(previous[1], decimals)
        block.previous_period = str(previous[0])
        block.change_text = format_number(abs(change), decimals)
        block.direction = "up" if change > 0 else "down" if change < 0 else "flat"
    return block


def build_indicator(section: Section) -> IndicatorBlock:
    slug = (section.config or {}).get("indicator")
    if slug:
        return _card_block(_dashboards_indicator(str(slug)))
    return _direct_indicator(section)


# --- charts and maps --------------------------------------------------------------------------


def _public_chart(key: str):
    from satudata.dashboards.models import Chart

    chart = Chart.objects.visible_to(ANONYMOUS).filter(key=key).first()
    if chart is None:
        raise ValidationFailed(_("Chart “%(key)s” does not exist or is not public.") % {"key": key})
    return chart


def build_figure(section: Section) -> FigureBlock:
    """The chart or map as the web draws it (same Vega-Lite spec), rendered to SVG."""
    from satudata.dashboards import render, specs

    key = str((section.config or {}).get("chart") or "")
    if not key:
        raise ValidationFailed(_("Choose a chart or map."))
    chart = _public_chart(key)
    if section.kind == SectionKind.MAP and not chart.is_map:
        raise ValidationFailed(_("“%(title)s” is not a map.") % {"title": chart.title})
    result = specs.chart_result(chart)
    if result.problem or result.spec is None:
        raise ValidationFailed(result.problem or _("The chart could not be drawn."))
    dataset = chart.dataset
    # The caption above the figure carries the title; the spec's own title would repeat it.
    spec = {key: value for key, value in result.spec.items() if key != "title"}
    return FigureBlock(
        svg=render.to_svg(spec),
        alt=result.summary or chart.title,
        source=source_for(dataset, dataset.published_version),
        is_map=chart.is_map,
        notes=list(result.notes),
    )


# --- a whole report ---------------------------------------------------------------------------

BUILDERS = {
    SectionKind.TABLE: ("table", build_table),
    SectionKind.INDICATOR: ("indicator", build_indicator),
    SectionKind.CHART: ("figure", build_figure),
    SectionKind.MAP: ("figure", build_figure),
}


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single line breaks are kept inside one."""
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def build_section(section: Section, number: int) -> SectionContent:
    content = SectionContent(section=section, number=number)
    if section.kind != SectionKind.INDICATOR:
        content.paragraphs = paragraphs(section.body)
    builder = BUILDERS.get(section.kind)
    if builder is None:
        return content
    attribute, build = builder
    try:
        setattr(content, attribute, build(section))
    except SatuDataError as error:
        content.problem = error.message
    except Exception:  # a chart renderer or engine failure must not sink the whole report
        logger.exception("report section %s failed", section.pk)
        content.problem = _("This section could not be produced; the walidata has been told.")
    return content


def number_sections(contents: list[SectionContent]) -> None:
    """Chapters (sections that start a new page) are numbered 1, 2, 3; the sections after a
    chapter 1.1, 1.2; before any chapter simply 1, 2."""
    chapter = sub = plain = 0
    for content in contents:
        if content.section.starts_chapter:
            chapter, sub = chapter + 1, 0
            content.label = str(chapter)
        elif chapter:
            sub += 1
            content.label = f"{chapter}.{sub}"
        else:
            plain += 1
            content.label = str(plain)


def build_report(report: Report) -> list[SectionContent]:
    """Every section's content, in the site's language (notes and labels are printed)."""
    sections = report.sections.select_related("dataset__organisation").order_by("position", "id")
    with translation.override(settings.LANGUAGE_CODE):
        contents = [build_section(section, n) for n, section in enumerate(sections, start=1)]
    number_sections(contents)
    return contents


def check_section(section: Section) -> None:
    """Raise ValidationFailed when a section as configured cannot be produced now (used when it
    is saved, so the walidata hears about a wrong column at once, not at the next edition)."""
    builder = BUILDERS.get(section.kind)
    if builder is None:
        return
    try:
        builder[1](section)
    except SatuDataError:
        raise
    except ImportError:
        raise ValidationFailed(_("Charts, maps and indicators are not available yet.")) from None
