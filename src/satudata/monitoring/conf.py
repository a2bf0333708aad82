"""Named, configurable bounds of the monitoring app, listed with their defaults in
docs/admin-guide.md. Each is read from a Django setting, else the environment variable of the same
name, else the default here (workflow/conf.py's `setting`); a value that does not parse is a
configuration error naming the variable."""

from __future__ import annotations

import json
from collections.abc import Callable

from satudata.workflow.conf import positive_int, setting

DEFAULT_WEIGHTS: dict[str, float] = {
    "timeliness": 40.0,
    "completeness": 20.0,
    "quality": 20.0,
    "delivery": 20.0,
}


def _month_day(raw: object) -> tuple[int, int]:
    month, day = (int(part) for part in str(raw).strip().split("-"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError("expected MM-DD")
    return month, day


def _day_of_month(raw: object) -> int:
    day = int(str(raw).strip())
    if not 1 <= day <= 31:
        raise ValueError("must be a day from 1 to 31 (a shorter month uses its last day)")
    return day


def yearly_due_month_day() -> tuple[int, int]:
    """(month, day) in year N+1 by which yearly data of year N is due ("MM-DD", default 03-31)."""
    return setting("SATUDATA_YEARLY_DUE_MONTH_DAY", (3, 31), _month_day)


def monthly_due_day() -> int:
    """Day of the month after a month/quarter/semester ends by which its data is due."""
    return setting("SATUDATA_MONTHLY_DUE_DAY", 15, _day_of_month)


def reminder_horizon_days() -> int:
    """Reminders list what falls due within this many days."""
    return setting("SATUDATA_REMINDER_HORIZON_DAYS", 14, positive_int)


def promises_page_size() -> int:
    """Promise rows per page on an agency's drill-down and Daftar Data pages (and datasets per
    page on the drill-down): an agency can promise thousands."""
    return setting("SATUDATA_MONITORING_PAGE_SIZE", 100, positive_int)


def figures_cache_s() -> int:
    """Seconds the dashboard's grouped promise counts stay cached (a change to the promises or
    their deliveries makes them stale at once anyway; this only bounds memory)."""
    return setting("SATUDATA_MONITORING_CACHE_S", 3600, int)


def _weights(raw: object) -> dict[str, float]:
    """A dict, or a JSON object in a string; unknown keys are ignored, missing ones take the
    default, negative weights count as 0."""
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, dict):
        raise ValueError('expected a JSON object such as {"timeliness": 40}')
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in raw.items():
        if key in weights:
            weights[key] = max(float(value), 0.0)
    return weights


def scorecard_weights() -> dict[str, float]:
    """Weights of the scorecard components (docs/monitoring.md)."""
    return setting("SATUDATA_SCORECARD_WEIGHTS", dict(DEFAULT_WEIGHTS), _weights)


BOUNDS: tuple[Callable[[], object], ...] = (
    yearly_due_month_day,
    monthly_due_day,
    reminder_horizon_days,
    promises_page_size,
    figures_cache_s,
    scorecard_weights,
)
