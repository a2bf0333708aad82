"""Indicator cards: latest value, change since the previous period, trend, source (contract D).

An indicator is one number column of a dataset, aggregated per period (its time column), under
fixed filters (e.g. `indikator = "realisasi PAD retribusi pariwisata"`). Polarity says whether
up is good: the card's arrow shows the direction, its colour whether that is good news.
Periods without a value (a blank cell) are skipped, not drawn as zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed
from satudata.dashboards.formatting import format_number, with_unit
from satudata.dashboards.models import Indicator, Polarity
from satudata.dashboards.specs import (
    FILTER_OPS,
    NUMERIC_TYPES,
    ChartProblem,
    SharedFilters,
    _label,
    _number,
    _typed,
    reading_problem,
    run,
    schema_by_name,
)

SERIES_PERIODS_MAX = 500
SPARK_WIDTH, SPARK_HEIGHT = 120, 32


@dataclass
class Card:
    """What an indicator card shows (and a report prints)."""

    name: str
    unit: str = ""
    value: float | None = None
    period: str = ""
    previous: float | None = None
    previous_period: str = ""
    change: float | None = None
    change_percent: float | None = None
    direction: str = "flat"  # up | down | flat
    good: bool | None = None
    target: float | None = None
    target_label: str = ""
    decimals: int = 0
    series: list[tuple[str, float]] = field(default_factory=list)
    source_dataset: str = ""
    source_url: str = ""
    source_agency: str = ""
    definition: str = ""
    notes: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def value_text(self) -> str:
        return format_number(self.value, self.decimals)

    @property
    def previous_text(self) -> str:
        return format_number(self.previous, self.decimals)

    @property
    def change_text(self) -> str:
        if self.change is None:
            return ""
        sign = "+" if self.change > 0 else ("\u2212" if self.change < 0 else "\u00b1")
        text = sign + format_number(abs(self.change), self.decimals)
        if self.change_percent is not None and self.unit not in ("persen", "%"):
            text += f" ({sign}{format_number(abs(self.change_percent), 1)} %)"
        return text

    @property
    def target_text(self) -> str:
        return format_number(self.target, self.decimals) if self.target is not None else ""

    @property
    def arrow(self) -> str:
        return {"up": "\u25b2", "down": "\u25bc"}.get(self.direction, "\u25b6")

    @property
    def tone(self) -> str:
        """good | bad | neutral: the card's colour."""
        if self.good is None:
            return "neutral"
        return "good" if self.good else "bad"

    def sparkline_points(self) -> str:
        """SVG polyline points of the series (drawn server-side: no JS for a sparkline)."""
        values = [v for _, v in self.series]
        if len(values) < 2:
            return ""
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = SPARK_WIDTH / (len(values) - 1)
        points = []
        for i, v in enumerate(values):
            y = SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4)
            points.append(f"{i * step:.1f},{y:.1f}")
        return " ".join(points)

    @property
    def summary(self) -> str:
        """The card as one sentence (text alternative, report text)."""
        if self.problem:
            return self.problem
        text = _("%(name)s: %(value)s") % {
            "name": self.name,
            "value": with_unit(self.value_text, self.unit),
        }
        if self.period:
            text += " (" + self.period + ")"
        if self.change is not None:
            text += "; " + _("change since %(period)s: %(change)s") % {
                "period": self.previous_period,
                "change": self.change_text,
            }
        return text + "."


def direction_of(change: float | None) -> str:
    if change is None or change == 0:
        return "flat"
    return "up" if change > 0 else "down"


def is_good(direction: str, polarity: str) -> bool | None:
    if direction == "flat" or polarity == Polarity.NEUTRAL:
        return None
    return (direction == "up") == (polarity == Polarity.HIGHER_BETTER)


def card_from_series(
    indicator: Indicator, series: list[tuple[str, float]], period: str = ""
) -> Card:
    """Latest (or the chosen period's) value, previous value and change from a series."""
    card = _empty_card(indicator)
    card.series = series
    if not series:
        card.notes.append(_("No value for the chosen filters."))
        return card
    index = len(series) - 1
    if period:
        found = [i for i, (p, _v) in enumerate(series) if p == period]
        if found:
            index = found[0]
        else:
            card.notes.append(
                _("No value for period %(period)s; the latest is shown.") % {"period": period}
            )
    card.period, card.value = series[index]
    if index > 0:
        card.previous_period, card.previous = series[index - 1]
        card.change = card.value - card.previous
        if card.previous:
            card.change_percent = card.change / abs(card.previous) * 100
    card.direction = direction_of(card.change)
    card.good = is_good(card.direction, indicator.polarity)
    return card


def _empty_card(indicator: Indicator) -> Card:
    dataset = indicator.dataset
    return Card(
        name=indicator.name,
        unit=indicator.unit,
        target=indicator.target,
        target_label=indicator.target_label,
        decimals=indicator.decimals,
        source_dataset=dataset.title,
        source_url=f"/dataset/{dataset.slug}",
        source_agency=str(dataset.organisation),
        definition=indicator.definition,
    )


def _conditions(
    indicator: Indicator, fields: dict, shared: SharedFilters
) -> tuple[list, list[str]]:
    from satudata.warehouse.query import Condition

    conditions, notes = [], []
    for item in indicator.filters or ():
        if item.get("op") in FILTER_OPS and item.get("field") in fields:
            conditions.append(Condition(item["field"], item["op"], item.get("value")))
    if shared.region:
        if indicator.region_field and indicator.region_field in fields:
            conditions.append(Condition(indicator.region_field, "region", shared.region))
        else:
            notes.append(_("The region filter does not apply: regency-wide figure."))
    return conditions, notes


def _series(
    indicator: Indicator, version, fields: dict, conditions: list
) -> list[tuple[str, float]]:
    from satudata.warehouse.query import Aggregate, TableQuery

    aggregate = (
        Aggregate("count")
        if indicator.aggregate == "count"
        else Aggregate(indicator.aggregate, indicator.measure)
    )
    if not indicator.time_field:
        frame = run(
            version, TableQuery(conditions=tuple(conditions), aggregates=(aggregate,), limit=1)
        )
        value = _number(frame.rows[0][-1]) if frame.rows else None
        return [] if value is None else [("", value)]
    frame = run(
        version,
        TableQuery(
            conditions=tuple(conditions),
            group_by=(indicator.time_field,),
            aggregates=(aggregate,),
            sort=((indicator.time_field, False),),
            limit=SERIES_PERIODS_MAX,
        ),
    )
    found = []
    for period, value in zip(
        frame.values(indicator.time_field), [r[-1] for r in frame.rows], strict=True
    ):
        number = _number(value)
        if number is not None and period is not None:
            found.append((_label(period), number))
    return found


def _check(indicator: Indicator, fields: dict, version_number: int) -> None:
    for name in (indicator.measure, indicator.time_field, indicator.region_field):
        if name and name not in fields:
            raise ChartProblem(
                _(
                    "Column “%(column)s” of indicator “%(name)s” is not in the current version "
                    "(v%(version)s) of the dataset."
                )
                % {"column": name, "name": indicator.name, "version": version_number}
            )
    if (
        indicator.aggregate != "count"
        and fields[indicator.measure].get("type") not in NUMERIC_TYPES
    ):
        raise ChartProblem(
            _("Column “%(column)s” holds text, not numbers; it cannot be an indicator.")
            % {"column": indicator.measure}
        )


def indicator_card(
    indicator: Indicator, *, filters: Mapping[str, Any] | SharedFilters | None = None
) -> Card:
    """The card of an indicator under the shared filters; problems are in `card.problem`."""
    from satudata.warehouse.models import Version
    from satudata.warehouse.queries import cached_query

    shared = filters if isinstance(filters, SharedFilters) else SharedFilters.clean(filters)
    dataset = indicator.dataset
    if not dataset.published_version_id:
        card = _empty_card(indicator)
        card.problem = _("Dataset “%(title)s” has no published version yet.") % {
            "title": dataset.title
        }
        return card
    version = Version.objects.only("pk", "number", "parquet_sha256", "table_schema").get(
        pk=dataset.published_version_id
    )
    parts = (
        "dashboards.indicator",
        1,
        version.parquet_sha256,
        indicator.pk,
        indicator.updated_at.isoformat() if indicator.updated_at else "",
        shared.cache_parts(),
        get_language(),
    )
    try:
        return cached_query(parts, lambda: _compute(indicator, version, shared))
    except ValidationFailed as error:
        # Not cached: a failure to read may be passing.
        card = _empty_card(indicator)
        card.problem = reading_problem(error)
        return card


def _compute(indicator: Indicator, version, shared: SharedFilters) -> Card:
    fields = schema_by_name(version)
    try:
        _check(indicator, fields, version.number)
    except ChartProblem as problem:
        card = _empty_card(indicator)
        card.problem = problem.message
        return card
    conditions, notes = _conditions(indicator, fields, shared)
    period = ""
    if shared.period and indicator.time_field:
        period = str(
            _typed(shared.period, fields[indicator.time_field].get("type", "string")) or ""
        )
    series = _series(indicator, version, fields, conditions)
    if not series and shared.desa and indicator.region_field:
        # Figures kept per kecamatan have no row for a desa: the desa's kecamatan instead.
        card = _compute(indicator, version, replace(shared, desa=""))
        card.notes.insert(
            0, _("This data has no rows for the chosen desa; its kecamatan is shown.")
        )
        return card
    card = card_from_series(indicator, series, period)
    card.notes = notes + card.notes
    return card
