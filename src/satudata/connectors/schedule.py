"""When a connector runs next: hourly/daily/weekly/monthly presets or a cron expression.

Presets become cron expressions whose minute is spread by the connector's id, so that a hundred
daily connectors do not all hit the worker (and the agencies' servers) at 02:00 sharp. Times are
the installation's local time (TIME_ZONE).
"""

from __future__ import annotations

from datetime import datetime

from croniter import croniter
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed

NIGHT_HOUR = 2


def cron_expression(schedule: str, cron: str, spread: int) -> str | None:
    minute = spread % 60
    presets = {
        "hourly": f"{minute} * * * *",
        "daily": f"{minute} {NIGHT_HOUR} * * *",
        "weekly": f"{minute} {NIGHT_HOUR} * * 1",
        "monthly": f"{minute} {NIGHT_HOUR} 1 * *",
    }
    if schedule == "cron":
        return cron.strip()
    return presets.get(schedule)


def check_cron(cron: str) -> str:
    expression = " ".join((cron or "").split())
    if not expression or not croniter.is_valid(expression) or len(expression.split()) != 5:
        raise ValidationFailed(
            _("%(cron)r is not a cron expression of five fields (minute hour day month weekday).")
            % {"cron": cron},
            code="cron-invalid",
        )
    return expression


def next_run(
    schedule: str, cron: str, spread: int, after: datetime | None = None
) -> datetime | None:
    """The next time after `after` (default now), or None for manual-only connectors."""
    expression = cron_expression(schedule, cron, spread)
    if not expression:
        return None
    start = timezone.localtime(after or timezone.now())
    return croniter(expression, start).get_next(datetime)
