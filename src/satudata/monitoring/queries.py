"""Monitoring figures: promise status, per-agency aggregates, trends and the scorecard.

Everything is a handful of aggregate queries grouped by organisation (no query per agency).

Scorecard (documented in docs/monitoring.md): each component is a percentage 0-100:

- timeliness   = promises delivered on time / promises already due * 100
- delivery     = promises delivered (on time or late) / promises already due * 100
- completeness = mean metadata completeness of the agency's datasets
- quality      = first versions without validation errors / datasets with a version * 100

index = sum(weight * component) / sum(weight) over the components the agency has figures for
(an agency with nothing due yet is scored on the others), rounded to one decimal.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Organisation
from satudata.monitoring import conf
from satudata.monitoring.deliveries import current_generation
from satudata.monitoring.models import DaftarData, DataPromise

ON_TIME = "on_time"
LATE = "late"
OVERDUE = "overdue"
NOT_DUE = "not_due"
STATUS_LABELS = {
    ON_TIME: _("Delivered on time"),
    LATE: _("Delivered late"),
    OVERDUE: _("Overdue"),
    NOT_DUE: _("Not yet due"),
}
COMPONENTS = ("timeliness", "delivery", "completeness", "quality")


def status_conditions(now: datetime) -> dict[str, Q]:
    """The condition of each status at `now` (what with_status's CASE says, for aggregates)."""
    return {
        ON_TIME: Q(delivered_at__lt=F("due_before")),
        LATE: Q(delivered_at__gte=F("due_before")),
        OVERDUE: Q(delivered_at__isnull=True, due_before__lte=now),
        NOT_DUE: Q(delivered_at__isnull=True, due_before__gt=now),
    }


def with_status(qs: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate `status` (on_time / late / overdue / not_due) at `now` from the stored
    `delivered_at` and `due_before`."""
    now = now or timezone.now()
    return qs.annotate(
        status=Case(
            When(delivered_at__isnull=False, delivered_at__lt=F("due_before"), then=Value(ON_TIME)),
            When(delivered_at__isnull=False, then=Value(LATE)),
            When(due_before__lte=now, then=Value(OVERDUE)),
            default=Value(NOT_DUE),
            output_field=CharField(),
        )
    )


def agency_counts(promises: QuerySet, now: datetime | None = None) -> list[dict]:
    """Per organisation_id: promised, on_time, late, overdue and due (already due or delivered)
    promises of `promises`, in one grouped query."""
    now = now or timezone.now()
    when = status_conditions(now)
    return list(
        promises.values("organisation_id")
        .annotate(
            promised=Count("id"),
            on_time=Count("id", filter=when[ON_TIME]),
            late=Count("id", filter=when[LATE]),
            overdue=Count("id", filter=when[OVERDUE]),
            due=Count("id", filter=Q(due_before__lte=now) | Q(delivered_at__isnull=False)),
        )
        .order_by()
    )


def grouped_counts(
    year: int, now: datetime, organisation_ids=None, promises: QuerySet | None = None
) -> list[dict]:
    """Status counts per (organisation, due date) of the year's promises: one scan that both
    the agency table and the monthly trend fold (a few thousand groups at most).

    All promises of one due date share their `due_before`, so whether they are due at `now` is
    decided once per group here, and the database only counts deliveries (two aggregates over
    a covering index instead of five CASE expressions per promise)."""
    if promises is None and organisation_ids is None:
        groups = _whole_year_groups(year)
    else:
        base = DataPromise.objects.all() if promises is None else promises
        if organisation_ids is not None:
            base = base.filter(organisation_id__in=organisation_ids)
        groups = _delivery_groups(base.filter(daftar__year=year))
    return [_group_statuses(group, now) for group in groups]


def _delivery_groups(promises: QuerySet) -> list[dict]:
    """Promised, delivered and delivered-on-time counts per (organisation, due date)."""
    return list(
        promises.values("organisation_id", "due_date", "due_before")
        .annotate(
            promised=Count("id"),
            delivered=Count("delivered_at"),
            on_time_count=Count("id", filter=Q(delivered_at__lt=F("due_before"))),
        )
        .order_by()
    )


def _whole_year_groups(year: int) -> list[dict]:
    """_delivery_groups() of every promise of `year`, cached under the figures' generation
    (deliveries.py grows it with every change to promises or deliveries; the counts do not
    depend on the time of day, the statuses derived from them do). Any server process reads
    the generation first, so a cached answer is never older than the data."""
    generation = current_generation()
    key = f"monitoring:groups:{year}:{generation}"
    groups = cache.get(key)
    if groups is None:
        groups = _delivery_groups(DataPromise.objects.filter(daftar__year=year))
        cache.set(key, groups, conf.figures_cache_s())
    return groups


def _group_statuses(group: dict, now: datetime) -> dict:
    """The status counts of one (organisation, due date) group at `now`."""
    promised, delivered, on_time = group["promised"], group["delivered"], group["on_time_count"]
    waiting = promised - delivered
    is_due = group["due_before"] <= now
    return {
        "organisation_id": group["organisation_id"],
        "due_date": group["due_date"],
        "promised": promised,
        "due": promised if is_due else delivered,
        ON_TIME: on_time,
        LATE: delivered - on_time,
        OVERDUE: waiting if is_due else 0,
        NOT_DUE: 0 if is_due else waiting,
    }


def fold_by_organisation(grouped: list[dict]) -> dict[int, dict]:
    """grouped_counts() summed per organisation_id (promised, on time, late, overdue, due)."""
    keys = ("promised", ON_TIME, LATE, OVERDUE, "due")
    folded: dict[int, dict] = {}
    for row in grouped:
        target = folded.setdefault(row["organisation_id"], dict.fromkeys(keys, 0))
        for key in keys:
            target[key] += row[key]
    return folded


def years_with_lists() -> list[int]:
    """Years that have a Daftar Data, newest first (and the current year)."""
    years = set(DaftarData.objects.values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def _promise_counts(promises: QuerySet, now: datetime) -> dict[int, dict]:
    return {row.pop("organisation_id"): row for row in agency_counts(promises, now)}


def _completeness(org_ids: list[int]) -> dict[int, float]:
    from satudata.catalog.models import Dataset

    rows = (
        Dataset.objects.filter(organisation_id__in=org_ids)
        .values("organisation_id")
        .annotate(mean=Avg("completeness"))
        .order_by()
    )
    return {row["organisation_id"]: float(row["mean"]) for row in rows if row["mean"] is not None}


def _first_pass(org_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(datasets with a first version, of which without errors) per organisation."""
    from satudata.warehouse.models import Version

    rows = (
        Version.objects.filter(number=1, dataset__organisation_id__in=org_ids)
        .values("dataset__organisation_id")
        .annotate(total=Count("id"), passed=Count("id", filter=Q(error_count=0)))
        .order_by()
    )
    return {row["dataset__organisation_id"]: (row["total"], row["passed"]) for row in rows}


def _review_figures(org_ids: list[int]) -> dict[int, dict]:
    """Returns per submission and median review time (hours: submission → the first decision
    after it, verified or returned) per organisation. The workflow stores each decision's
    waiting time on its Transition (`review_hours`), so this reads two small grouped answers."""
    from satudata.workflow.models import Transition

    transitions = Transition.objects.filter(dataset__organisation_id__in=org_ids)
    counts = (
        transitions.filter(action__in=["submit", "return"])
        .values("dataset__organisation_id")
        .annotate(
            submissions=Count("id", filter=Q(action="submit")),
            returns=Count("id", filter=Q(action="return")),
        )
        .order_by()
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for org_id, hours in transitions.filter(review_hours__isnull=False).values_list(
        "dataset__organisation_id", "review_hours"
    ):
        durations[org_id].append(hours)
    figures = {}
    for row in counts:
        org_id, sent, returned = (
            row["dataset__organisation_id"],
            row["submissions"],
            row["returns"],
        )
        figures[org_id] = {
            "submissions": sent,
            "returns": returned,
            "returns_per_submission": round(returned / sent, 2) if sent else None,
            "median_review_hours": round(statistics.median(durations[org_id]), 1)
            if durations.get(org_id)
            else None,
        }
    return figures


@dataclass
class AgencyRow:
    organisation: Organisation
    promised: int = 0
    delivered: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    due: int = 0
    completeness: float | None = None
    first_versions: int = 0
    first_pass: int = 0
    submissions: int = 0
    returns: int = 0
    returns_per_submission: float | None = None
    median_review_hours: float | None = None
    components: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    sync_health: str = "—"  # connectors do not exist yet

    @property
    def first_pass_rate(self) -> float | None:
        return (
            round(self.first_pass * 100 / self.first_versions, 1) if self.first_versions else None
        )


def score_components(row: AgencyRow) -> dict[str, float | None]:
    """The four component percentages of the scorecard (None when there is nothing to judge)."""
    return {
        "timeliness": round(row.on_time * 100 / row.due, 1) if row.due else None,
        "delivery": round(row.delivered * 100 / row.due, 1) if row.due else None,
        "completeness": round(row.completeness, 1) if row.completeness is not None else None,
        "quality": row.first_pass_rate,
    }


def score(components: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the available components (see the module docstring)."""
    used = {
        key: value for key, value in components.items() if value is not None and weights.get(key)
    }
    total = sum(weights[key] for key in used)
    if not total:
        return None
    return round(sum(weights[key] * value for key, value in used.items()) / total, 1)


def agency_rows(
    year: int, *, now: datetime | None = None, organisation_ids=None, grouped=None
) -> list[AgencyRow]:
    """One row per agency with a Daftar Data for `year`, ranked by score (best first)."""
    now = now or timezone.now()
    if grouped is None:
        grouped = grouped_counts(year, now, organisation_ids)
    counts = fold_by_organisation(grouped)
    org_ids = list(counts)
    organisations = Organisation.objects.in_bulk(org_ids)
    completeness = _completeness(org_ids)
    first = _first_pass(org_ids)
    reviews = _review_figures(org_ids)
    weights = conf.scorecard_weights()
    rows = []
    for org_id, figures in counts.items():
        row = AgencyRow(organisation=organisations[org_id], **figures)
        row.delivered = row.on_time + row.late
        row.completeness = completeness.get(org_id)
        row.first_versions, row.first_pass = first.get(org_id, (0, 0))
        for key, value in reviews.get(org_id, {}).items():
            setattr(row, key, value)
        row.components = score_components(row)
        row.score = score(row.components, weights)
        rows.append(row)
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.organisation.name))
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.score is not None else None
    return rows


def monthly_trend(year: int, *, now: datetime | None = None, grouped=None) -> list[dict]:
    """Per due month: promises due, delivered on time, late, overdue (Vega-Lite values)."""
    now = now or timezone.now()
    # Folded from (organisation, due date) groups: SQLite's month truncation is a Python
    # function called per row.
    rows = grouped if grouped is not None else grouped_counts(year, now)
    months: dict[str, dict[str, int]] = {}
    for row in sorted(rows, key=lambda r: r["due_date"]):
        month = months.setdefault(row["due_date"].strftime("%Y-%m"), defaultdict(int))
        for key in (ON_TIME, LATE, OVERDUE, NOT_DUE):
            month[key] += row[key]
    values = []
    for month, counts in months.items():
        for key in (ON_TIME, LATE, OVERDUE, NOT_DUE):
            if counts[key]:
                values.append(
                    {"month": month, "status": str(STATUS_LABELS[key]), "count": counts[key]}
                )
    return values
