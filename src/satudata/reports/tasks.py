"""Scheduled reports (issue 7 point 6): every morning the reports whose last complete period
(month, quarter or year) has no edition yet are generated, stored and announced. One task per
report, so one failing report does not hold up the others; a failure is logged and retried at
the next day's run (the period still has no edition)."""

from __future__ import annotations

import logging
from datetime import date

from huey import crontab

from satudata.core.errors import SatuDataError
from satudata.core.permissions import SYSTEM
from satudata.reports import conf, services
from satudata.reports.models import Report
from satudata.warehouse.tasks import huey

logger = logging.getLogger(__name__)


@huey.task()
def generate_report(report_id: int, today: str | None = None) -> int | None:
    """Generate (and announce) one report's edition; returns the edition id."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return None
    day = date.fromisoformat(today) if today else None
    try:
        edition = services.generate_edition(SYSTEM, report, today=day, scheduled=True)
    except SatuDataError as error:
        logger.error("scheduled report %s failed: %s", report.slug, error.message)
        return None
    return edition.pk


@huey.task()
def generate_report_by_hand(report_id: int, user_id: int) -> int | None:
    """A walidata's "generate now", run by the worker (a 14-page publication with charts takes
    several seconds: longer than a request should wait)."""
    from django.contrib.auth import get_user_model

    report = Report.objects.filter(pk=report_id).first()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if report is None or user is None:
        return None
    try:
        return services.generate_edition(user, report).pk
    except SatuDataError as error:
        logger.error("report %s failed: %s", report.slug, error.message)
        return None


def enqueue_due_reports(today: date | None = None) -> list:
    """Queue a generation task for every scheduled report that is due; returns the results."""
    day = today.isoformat() if today else None
    return [generate_report(report.pk, day) for report, _period in services.due_reports(today)]


@huey.periodic_task(crontab(hour=str(conf.schedule_hour()), minute="15"))
def scheduled_reports() -> int:
    return len(enqueue_due_reports())


__all__ = [
    "enqueue_due_reports",
    "generate_report",
    "generate_report_by_hand",
    "scheduled_reports",
]
