"""Daily clean-up of the API tables: request log entries past their retention period and
idempotency records past their lifetime (registered with the shared Huey instance)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab

from satudata.api import requestlog
from satudata.warehouse.tasks import huey

logger = logging.getLogger(__name__)


def purge_idempotency_records(now=None) -> int:
    from satudata.api.models import IdempotencyRecord

    hours = int(getattr(settings, "SATUDATA_API_IDEMPOTENCY_HOURS", 24))
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def purge_api_tables() -> dict[str, int]:
    """What the daily task does (also callable by hand)."""
    requestlog.flush()
    return {
        "request_log": requestlog.purge(),
        "idempotency_records": purge_idempotency_records(),
    }


@huey.periodic_task(crontab(hour="3", minute="20"))
def purge_api_tables_daily() -> None:
    result = purge_api_tables()
    logger.info("API tables purged: %s", result)
