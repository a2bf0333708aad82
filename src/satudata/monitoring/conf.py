"""Named, configurable bounds of the monitoring app (each can be set in Django settings)."""

from __future__ import annotations

import json

from django.conf import settings

DEFAULT_WEIGHTS: dict[str, float] = {
    "timeliness": 40.0,
    "completeness": 20.0,
    "quality": 20.0,
    "delivery": 20.0,
}


def yearly_due_month_day() -> tuple[int, int]:
    """(month, day) in year N+1 by which yearly data of year N is due ("MM-DD", default 03-31)."""
    raw = str(getattr(settings, "SATUDATA_YEARLY_DUE_MONTH_DAY", "03-31"))
    month, day = raw.split("-")
    return int(month), int(day)


def monthly_due_day() -> int:
    """Day of the month after a month/quarter/semester ends by which its data is due."""
    return int(getattr(settings, "SATUDATA_MONTHLY_DUE_DAY", 15))


def reminder_horizon_days() -> int:
    """Reminders list what falls due within this many days."""
    return int(getattr(settings, "SATUDATA_REMINDER_HORIZON_DAYS", 14))


def promises_page_size() -> int:
    """Promise rows per page on an agency's drill-down and Daftar Data pages (and datasets per
    page on the drill-down): an agency can promise thousands."""
    return max(1, int(getattr(settings, "SATUDATA_MONITORING_PAGE_SIZE", 100)))


def scorecard_weights() -> dict[str, float]:
    """Weights of the scorecard components (a dict or a JSON string in the setting); unknown keys
    are ignored, missing ones take the default."""
    raw = getattr(settings, "SATUDATA_SCORECARD_WEIGHTS", None)
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else None
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in (raw or {}).items():
        if key in weights:
            weights[key] = max(float(value), 0.0)
    return weights
