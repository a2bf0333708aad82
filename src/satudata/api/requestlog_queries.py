"""Reading the API request log: filters, summary figures, chart data and the CSV export.

Everything starts from `RequestLog.objects.visible_to(user)` (walidata only). Filters come from
the query string and are parsed into typed values (unknown or malformed values are ignored, with
the form showing what was understood); the ORM binds every value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.api.models import RequestLog
from satudata.warehouse.exports.escape import escape_text

DEFAULT_DAYS = 7
MAX_DAYS = 400
TOP_N = 15
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "errors")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CSV_COLUMNS = (
    "created_at",
    "method",
    "path",
    "status",
    "duration_ms",
    "response_bytes",
    "request_bytes",
    "client_ip",
    "username",
    "token_prefix",
    "organisation_id",
    "request_id",
)


@dataclass
class LogFilter:
    start: date
    end: date  # inclusive
    status: str = ""
    method: str = ""
    key: str = ""
    organisation_id: int | None = None
    path: str = ""
    user: str = ""

    def as_params(self) -> dict[str, str]:
        params = {"dari": self.start.isoformat(), "sampai": self.end.isoformat()}
        for name, value in (
            ("status", self.status),
            ("metode", self.method),
            ("kunci", self.key),
            ("opd", str(self.organisation_id or "")),
            ("path", self.path),
            ("pengguna", self.user),
        ):
            if value:
                params[name] = value
        return params


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def parse_filter(params) -> LogFilter:
    today = timezone.localdate()
    end = _date(params.get("sampai")) or today
    start = _date(params.get("dari")) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_DAYS))
    status = params.get("status", "")
    method = params.get("metode", "").upper()
    try:
        organisation_id = int(params.get("opd", "") or 0) or None
    except ValueError:
        organisation_id = None
    return LogFilter(
        start=start,
        end=end,
        status=status if status in STATUS_CLASSES else "",
        method=method if method in METHODS else "",
        key=params.get("kunci", "").strip()[:16],
        organisation_id=organisation_id,
        path=params.get("path", "").strip()[:200],
        user=params.get("pengguna", "").strip()[:150],
    )


def _bounds(log_filter: LogFilter) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(log_filter.start, time.min, tzinfo=zone)
    end = datetime.combine(log_filter.end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _status_q(status: str) -> Q:
    if status == "errors":
        return Q(status__gte=400)
    low = int(status[0]) * 100
    return Q(status__gte=low, status__lt=low + 100)


def filtered(user, log_filter: LogFilter) -> QuerySet:
    start, end = _bounds(log_filter)
    qs = RequestLog.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end)
    if log_filter.status:
        qs = qs.filter(_status_q(log_filter.status))
    if log_filter.method:
        qs = qs.filter(method=log_filter.method)
    if log_filter.key:
        qs = qs.filter(token_prefix__startswith=log_filter.key)
    if log_filter.organisation_id:
        qs = qs.filter(organisation_id=log_filter.organisation_id)
    if log_filter.path:
        qs = qs.filter(path__contains=log_filter.path)
    if log_filter.user:
        qs = qs.filter(username=log_filter.user)
    return qs


# Percentiles come from the newest requests of the selection (read through the time index):
# exact up to this many, a sample of the most recent ones beyond (sorting millions is slow).
PERCENTILE_SAMPLE = 20_000


def _percentiles(qs: QuerySet) -> tuple[float | None, float | None]:
    durations = sorted(
        qs.order_by("-created_at").values_list("duration_ms", flat=True)[:PERCENTILE_SAMPLE]
    )
    if not durations:
        return None, None
    last = len(durations) - 1
    return (
        round(durations[min(last, int(len(durations) * 0.5))], 1),
        round(durations[min(last, int(len(durations) * 0.95))], 1),
    )


def summary(qs: QuerySet) -> dict[str, Any]:
    figures = qs.aggregate(
        total=Count("id"),
        errors=Count("id", filter=Q(status__gte=400)),
        server_errors=Count("id", filter=Q(status__gte=500)),
        limited=Count("id", filter=Q(status=429)),
        mean_ms=Avg("duration_ms"),
    )
    total = figures["total"]
    figures["error_rate"] = round(100 * figures["errors"] / total, 1) if total else 0.0
    figures["p50_ms"], figures["p95_ms"] = _percentiles(qs)
    figures["sampled"] = total > PERCENTILE_SAMPLE
    figures["sample_size"] = PERCENTILE_SAMPLE
    figures["mean_ms"] = round(figures["mean_ms"], 1) if figures["mean_ms"] is not None else None
    return figures


def _outcome_label(status: int) -> str:
    if status >= 500:
        return _("server error (5xx)")
    if status >= 400:
        return _("client error (4xx)")
    return _("success (2xx/3xx)")


def _naive_local(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None).isoformat()


def hourly_buckets(log_filter: LogFilter) -> bool:
    """Hours for a period of up to 3 days, days beyond."""
    return (log_filter.end - log_filter.start).days < 3


def over_time(qs: QuerySet, log_filter: LogFilter) -> list[dict[str, Any]]:
    """Requests per hour (a period of up to 3 days) or per day (local time), by outcome.

    Grouped by the stored integer hour in SQL (a few thousand groups at most), then folded into
    local hours or days here."""
    rows = qs.values("hour").annotate(
        ok=Count("id", filter=Q(status__lt=400)),
        client=Count("id", filter=Q(status__gte=400, status__lt=500)),
        server=Count("id", filter=Q(status__gte=500)),
    )
    hourly = hourly_buckets(log_filter)
    totals: dict[tuple[datetime, int], int] = {}
    for row in rows:
        moment = timezone.localtime(datetime.fromtimestamp(row["hour"] * 3600, tz=UTC))
        bucket = moment.replace(minute=0, second=0, microsecond=0)
        if not hourly:
            bucket = bucket.replace(hour=0)
        for code, count in ((200, row["ok"]), (400, row["client"]), (500, row["server"])):
            if count:
                totals[(bucket, code)] = totals.get((bucket, code), 0) + count
    return [
        {
            # Naive local time: the browser shows the portal's hours whatever its own zone.
            "time": bucket.replace(tzinfo=None).isoformat(),
            "outcome": _outcome_label(code),
            "count": count,
        }
        for (bucket, code), count in sorted(totals.items())
    ]


def per_agency(qs: QuerySet) -> list[dict[str, Any]]:
    from satudata.accounts.models import Organisation

    rows = list(
        qs.values("organisation_id")
        .annotate(count=Count("id"), errors=Count("id", filter=Q(status__gte=400)))
        .order_by("-count")[:TOP_N]
    )
    names = dict(
        Organisation.objects.filter(
            pk__in=[r["organisation_id"] for r in rows if r["organisation_id"]]
        ).values_list("pk", "name")
    )
    return [
        {
            "organisation_id": row["organisation_id"],
            "agency": names.get(row["organisation_id"]) or _("(no agency / public)"),
            "count": row["count"],
            "errors": row["errors"],
        }
        for row in rows
    ]


def per_key(qs: QuerySet) -> list[dict[str, Any]]:
    rows = (
        qs.exclude(token_prefix="")
        .values("token_prefix", "username")
        .annotate(count=Count("id"), errors=Count("id", filter=Q(status__gte=400)))
        .order_by("-count")[:TOP_N]
    )
    return [
        {
            "key": f"{row['token_prefix']}… ({row['username'] or '-'})",
            "prefix": row["token_prefix"],
            "count": row["count"],
            "errors": row["errors"],
        }
        for row in rows
    ]


def _long_form(rows: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    """Bars split into successful and failed requests (for a stacked chart)."""
    values = []
    for row in rows:
        values.append(
            {label: row[label], "outcome": _("success"), "count": row["count"] - row["errors"]}
        )
        values.append({label: row[label], "outcome": _("error (4xx/5xx)"), "count": row["errors"]})
    return values


def chart_specs(qs: QuerySet, log_filter: LogFilter) -> dict[str, dict[str, Any]]:
    """Vega-Lite specs (data inline) for the log page."""
    colour = {
        "field": "outcome",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": [_outcome_label(code) for code in (200, 400, 500)],
            "range": ["#2e7d32", "#b26a00", "#c62828"],
        },
    }
    time_values = over_time(qs, log_filter)
    # A time unit gives each bar the width of its hour or day.
    time_unit = "yearmonthdatehours" if hourly_buckets(log_filter) else "yearmonthdate"
    start, end = _bounds(log_filter)
    period = [_naive_local(start), _naive_local(end)]
    specs = {
        "time": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": _("API requests over time, by outcome"),
            "width": "container",
            "height": 220,
            "data": {"values": time_values},
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "time",
                    "type": "temporal",
                    "timeUnit": time_unit,
                    "title": None,
                    # The whole chosen period, so one busy day does not fill the chart.
                    "scale": {"domain": period},
                },
                "y": {"field": "count", "type": "quantitative", "title": _("requests")},
                "color": colour,
                "tooltip": [
                    {"field": "time", "type": "temporal", "timeUnit": time_unit},
                    {"field": "outcome"},
                    {"field": "count"},
                ],
            },
        }
    }
    bar_colour = dict(
        colour,
        scale={"domain": [_("success"), _("error (4xx/5xx)")], "range": ["#2e7d32", "#c62828"]},
    )
    for name, rows, label, title in (
        ("agency", per_agency(qs), "agency", _("API requests per agency")),
        ("key", per_key(qs), "key", _("API requests per key")),
    ):
        specs[name] = {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "description": title,
            "width": "container",
            "height": {"step": 22},
            "data": {"values": _long_form(rows, label)},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {
                    "field": label,
                    "type": "nominal",
                    "title": None,
                    "sort": "-x",
                    # Long agency names are cut (full name in the tooltip), so phones keep bars.
                    "axis": {"labelLimit": 150},
                },
                "x": {"field": "count", "type": "quantitative", "title": _("requests")},
                "color": bar_colour,
                "tooltip": [{"field": label}, {"field": "outcome"}, {"field": "count"}],
            },
        }
    return specs


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value


def csv_lines(qs: QuerySet) -> Iterator[str]:
    """The filtered log as CSV lines (header first); text cells formula-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_COLUMNS)
    yield take()
    rows = qs.order_by("created_at", "id").values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(value) for value in row])
        if count % 500 == 0:
            yield take()
    yield take()
