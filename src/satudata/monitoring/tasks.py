"""Scheduled reminders (issue 5 point 7): every morning each agency's produsen (a desa's
operator) get what falls due in the next `SATUDATA_REMINDER_HORIZON_DAYS` days and what is late,
in-app and by e-mail (through the workflow's notifications, which respect each user's e-mail
choices)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab

from satudata.accounts.models import Membership
from satudata.core.permissions import PRODUCING_ROLES, SYSTEM
from satudata.monitoring import conf
from satudata.monitoring.models import DataPromise
from satudata.monitoring.queries import NOT_DUE, OVERDUE, with_status
from satudata.warehouse.tasks import huey
from satudata.workflow.models import Notification, NotificationKind
from satudata.workflow.notifications import notify

REMINDER_URL = "/daftar-data/"


def _reminder_text(soon: list, late: list) -> str:
    lines = [_("Daftar Data reminder.")]
    if late:
        lines.append(_("Late (%(count)s):") % {"count": len(late)})
        lines += [f"- {p.title} ({p.period_label}), {_('due')} {p.due_date:%Y-%m-%d}" for p in late]
    if soon:
        lines.append(_("Due in the coming days (%(count)s):") % {"count": len(soon)})
        lines += [f"- {p.title} ({p.period_label}), {_('due')} {p.due_date:%Y-%m-%d}" for p in soon]
    return "\n".join(lines)


def _reminded_today(now) -> set[int]:
    """Users who already got today's Daftar Data reminder (local day)."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return set(
        Notification.objects.filter(
            kind=NotificationKind.OVERDUE,
            url=REMINDER_URL,
            created_at__gte=start,
            created_at__lt=start + timedelta(days=1),
        ).values_list("recipient_id", flat=True)
    )


def send_promise_reminders(now=None) -> int:
    """Notify the produsen of every agency with promises due within the horizon or overdue;
    returns how many agencies were reminded."""
    now = now or timezone.now()
    horizon = now + timedelta(days=conf.reminder_horizon_days())
    promises = (
        with_status(DataPromise.objects.filter(due_before__lte=horizon + timedelta(days=1)), now)
        .filter(status__in=[OVERDUE, NOT_DUE])
        .order_by("organisation_id", "due_date", "title")
    )
    by_org: dict[int, tuple[list, list]] = {}
    for promise in promises:
        soon, late = by_org.setdefault(promise.organisation_id, ([], []))
        if promise.status == OVERDUE:
            late.append(promise)
        elif promise.due_date <= horizon.date():
            soon.append(promise)
    members: dict[int, list] = {}
    for membership in Membership.objects.filter(
        organisation_id__in=list(by_org), role__in=PRODUCING_ROLES
    ).select_related("user"):
        members.setdefault(membership.organisation_id, []).append(membership.user)
    already = _reminded_today(now)
    reminded = 0
    for org_id, (soon, late) in by_org.items():
        if not (soon or late) or not members.get(org_id):
            continue
        if {user.pk for user in members[org_id]} <= already:
            continue  # a second scheduler (worker + server) ran today's reminder already
        with transaction.atomic():
            notify(
                members[org_id],
                NotificationKind.OVERDUE,
                actor=SYSTEM,
                url=REMINDER_URL,
                params={"message": _reminder_text(soon, late)},
            )
        reminded += 1
    return reminded


@huey.periodic_task(crontab(hour="7", minute="0"))
def daily_promise_reminders() -> int:
    return send_promise_reminders()


__all__ = ["daily_promise_reminders", "send_promise_reminders"]
