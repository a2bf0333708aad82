"""Notifications: in-app rows (the bell and /notifikasi/) and e-mails through Django's e-mail
backend (the console in the demo), for submitted, returned, verified, published, withdrawn,
overdue and comments.

`notify()` is the one way to send one; it is called inside the caller's transaction, so a
transition that fails notifies nobody. E-mails go out after the commit (`on_commit`), only for
the kinds the recipient chose (NotificationPreference; all kinds until changed) and only to users
with an address. The text is built when shown, in the reader's language; e-mails use the
portal's default language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.core.permissions import actor_for
from satudata.workflow import conf
from satudata.workflow.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    StepScope,
    WorkflowStep,
    default_email_kinds,
)

logger = logging.getLogger(__name__)

# The sentence shown for each kind; params: actor, dataset, number, note, tier, days, message.
TEMPLATES = {
    NotificationKind.SUBMITTED: gettext_lazy(
        "%(actor)s submitted version %(number)s of “%(dataset)s” for review."
    ),
    NotificationKind.RETURNED: gettext_lazy(
        "%(actor)s returned version %(number)s of “%(dataset)s” with comments."
    ),
    NotificationKind.VERIFIED: gettext_lazy(
        "%(actor)s verified version %(number)s of “%(dataset)s”."
    ),
    NotificationKind.PUBLISHED: gettext_lazy(
        "%(actor)s published version %(number)s of “%(dataset)s”."
    ),
    NotificationKind.WITHDRAWN: gettext_lazy("%(actor)s withdrew “%(dataset)s” from publication."),
    NotificationKind.OVERDUE: gettext_lazy(
        "Version %(number)s of “%(dataset)s” has waited %(days)s days for review."
    ),
    NotificationKind.COMMENT: gettext_lazy(
        "%(actor)s commented on version %(number)s of “%(dataset)s”."
    ),
}
NOTE_SHOWN_CHARS = 300


def notification_text(kind: str, params: dict[str, Any], actor_label: str = "") -> str:
    """The notification's sentence in the active language (`params["message"]` — an already
    written text, e.g. from a scheduled reminder — is used as it is when given)."""
    if params.get("message"):
        return str(params["message"])
    values = {
        "actor": actor_label or _("The system"),
        "dataset": params.get("dataset", ""),
        "number": params.get("number", ""),
        "days": params.get("days", ""),
    }
    template = TEMPLATES.get(kind)
    if template is None:
        return str(params.get("dataset", kind))
    return str(template) % values


def _actor_label(actor) -> str:
    who = actor_for(actor)
    if who.user_id is None:
        return ""
    user = get_user_model().objects.filter(pk=who.user_id).first()
    return user.display_name() if user is not None else who.username


def email_kinds_of(user) -> list[str]:
    pref = NotificationPreference.objects.filter(user=user).first()
    return list(pref.email_kinds) if pref is not None else default_email_kinds()


def notify(
    recipients: Iterable,
    kind: str,
    *,
    actor=None,
    dataset=None,
    version=None,
    url: str = "",
    params: dict[str, Any] | None = None,
) -> list[Notification]:
    """Notify each of `recipients` (users; the acting user is left out, duplicates once).

    Call inside the transaction of the change it reports. `params` feed the sentence (see
    TEMPLATES); `dataset`/`version` fill `dataset` and `number` when not given.
    """
    who = actor_for(actor) if actor is not None else None
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if who is not None and who.user_id in users:
        del users[who.user_id]
    if not users:
        return []
    values = dict(params or {})
    if dataset is not None:
        values.setdefault("dataset", dataset.title)
    if version is not None:
        values.setdefault("number", version.number)
    if values.get("note"):
        values["note"] = str(values["note"])[:NOTE_SHOWN_CHARS]
    label = _actor_label(actor) if actor is not None else ""
    wanted = _email_wanted(list(users), kind)
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            actor_label=label,
            params=values,
            url=url,
            dataset=dataset,
            version=version,
            email_status="pending" if pk in wanted else "",
        )
        for pk, user in users.items()
    ]
    created = Notification.objects.bulk_create(rows)
    pending = [row.pk for row in created if row.email_status == "pending" and row.pk]
    if pending:
        transaction.on_commit(lambda: send_emails(pending))
    return created


def _email_wanted(user_ids: list[int], kind: str) -> set[int]:
    """Users (of `user_ids`) with an address who want `kind` by e-mail."""
    users = get_user_model().objects.filter(pk__in=user_ids).exclude(email="")
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "email_kinds"
        )
    )
    return {user.pk for user in users if kind in chosen.get(user.pk, default_email_kinds())}


def send_emails(notification_ids: list[int]) -> int:
    """Send the pending e-mails of these notifications; returns how many went out. A failure
    is logged and marked (`failed`); it never undoes the change that was notified."""
    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, email_status="pending")
    for notification in rows.select_related("recipient"):
        status = "sent"
        try:
            _message(notification).send()
            sent += 1
        except Exception:  # any backend error: keep going, record it
            logger.exception("notification e-mail %s failed", notification.pk)
            status = "failed"
        Notification.objects.filter(pk=notification.pk).update(email_status=status)
    return sent


def _message(notification: Notification) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(notification.kind, notification.params, notification.actor_label)
        site = getattr(settings, "SATUDATA_SITE_NAME", "Satu Data")
        lines = [text]
        if notification.params.get("note"):
            lines += ["", str(notification.params["note"])]
        if notification.url:
            lines += ["", _("Open: %(url)s") % {"url": conf.site_url() + notification.url}]
        lines += [
            "",
            "—",
            _("You receive this e-mail from %(site)s. Choose which e-mails you receive: %(url)s")
            % {"site": site, "url": conf.site_url() + reverse("workflow:preferences")},
        ]
        # A header is one line: the first line of a longer message (e.g. a reminder list).
        first_line = (text.splitlines() or [""])[0]
        subject = f"[{site}] {first_line}"[:200]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
    )


# --- who to notify ----------------------------------------------------------------------------


def region_ancestors(code: str) -> list[str]:
    """The codes of the regions containing `code` (51.05.01.2001 → 51, 51.05, 51.05.01)."""
    parts = code.split(".") if code else []
    return [".".join(parts[:length]) for length in range(1, len(parts))]


def members_of_step(step: WorkflowStep, organisation_id: int, region_code: str) -> QuerySet:
    """The users who may act at `step` for a dataset of this organisation/region."""
    User = get_user_model()
    roles = list(step.roles or [])
    memberships = Q(memberships__role__in=roles)
    if step.scope == StepScope.ORGANISATION:
        memberships &= Q(memberships__organisation_id=organisation_id)
    elif step.scope == StepScope.REGION:
        ancestors = region_ancestors(region_code)
        if not ancestors:
            return User.objects.none()
        memberships &= Q(memberships__organisation__region_id__in=ancestors)
    return User.objects.filter(memberships, is_active=True).distinct()
