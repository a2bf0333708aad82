"""Scheduled workflow work: reminding reviewers of submissions that wait too long.

`remind_overdue_reviews()` runs every morning as a Huey periodic task (on the shared queue of
warehouse/tasks.py, in `satudata worker`); each submission is reminded once per wait (reset when
the version moves on). E-mails themselves leave right after the commit of the change they report
(notifications.py).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from huey import crontab

from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import VersionStatus
from satudata.warehouse.tasks import huey
from satudata.workflow import conf, queries
from satudata.workflow.models import NotificationKind, Review
from satudata.workflow.notifications import members_of_step, notify


def remind_overdue_reviews(now=None) -> int:
    """Notify the people a submission waits for when it has waited `SATUDATA_REVIEW_OVERDUE_DAYS`
    or more (once per wait); returns how many submissions were reminded."""
    now = now or timezone.now()
    days = conf.review_overdue_days()
    limit = now - timedelta(days=days)
    waiting = (
        Review.objects.filter(
            version__status__in=[VersionStatus.DIAJUKAN, VersionStatus.DIVERIFIKASI],
            waiting_since__lte=limit,
        )
        .filter(Q(overdue_notified_at__isnull=True) | Q(overdue_notified_at__lt=limit))
        .select_related("version", "dataset", "definition")
    )
    reminded = 0
    for review in waiting:
        with transaction.atomic():
            locked = Review.objects.select_for_update().get(pk=review.pk)
            if locked.overdue_notified_at is not None and locked.overdue_notified_at >= limit:
                continue
            situation = queries.situation(review.version, review=locked, dataset=review.dataset)
            step = situation.current_step
            if step is None:
                continue
            waited = (now - locked.waiting_since).days
            notify(
                members_of_step(step, situation.organisation_id, situation.region_code),
                NotificationKind.OVERDUE,
                actor=SYSTEM,
                dataset=review.dataset,
                version=review.version,
                url=queries.reverse(
                    "workflow:review", args=[review.dataset.slug, review.version.number]
                ),
                params={"days": waited},
            )
            locked.overdue_notified_at = now
            locked.save(update_fields=["overdue_notified_at"])
            reminded += 1
    return reminded


@huey.periodic_task(crontab(hour="7", minute="30"))
def daily_overdue_review_reminders() -> int:
    return remind_overdue_reviews()
