"""E-mail to a connector's owners after N failed runs in a row (once per failure streak)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.connectors import conf
from satudata.connectors.models import Connector, SyncRun
from satudata.core.permissions import ROLE_PRODUSEN, ROLE_WALIDATA

logger = logging.getLogger(__name__)


def owner_emails(connector: Connector) -> list[str]:
    """The produsen of the owning agency, whoever created the connector, and walidata."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    produsen = users.filter(
        memberships__organisation_id=connector.organisation_id, memberships__role=ROLE_PRODUSEN
    )
    walidata = users.filter(memberships__role=ROLE_WALIDATA)
    emails = set(produsen.values_list("email", flat=True)) | set(
        walidata.values_list("email", flat=True)
    )
    if connector.created_by_id:
        creator = users.filter(pk=connector.created_by_id).values_list("email", flat=True).first()
        if creator:
            emails.add(creator)
    return sorted(emails)


def after_failure(connector: Connector, run: SyncRun) -> bool:
    """Send the alert when the streak reaches the threshold; True when a mail went out."""
    threshold = conf.failure_alert_after()
    fresh = Connector.objects.get(pk=connector.pk)
    if fresh.consecutive_failures < threshold or fresh.failure_notified_at is not None:
        return False
    recipients = owner_emails(fresh)
    if recipients:
        subject = _("[Satu Data] Connector %(name)s failed %(n)d times in a row") % {
            "name": fresh.name,
            "n": fresh.consecutive_failures,
        }
        body = _(
            "The connector %(name)s (dataset: %(dataset)s) failed %(n)d times in a row.\n"
            "Last error: %(error)s\n\nThe last good version of the dataset is unchanged.\n"
            "Details: %(url)s"
        ) % {
            "name": fresh.name,
            "dataset": fresh.dataset.title,
            "n": fresh.consecutive_failures,
            "error": run.error,
            "url": f"/konektor/{fresh.name}/",
        }
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except OSError:
            logger.exception("could not send the failure alert of connector %s", fresh.name)
            return False
    Connector.objects.filter(pk=fresh.pk).update(failure_notified_at=timezone.now())
    return bool(recipients)
