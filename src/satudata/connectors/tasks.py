"""Huey tasks: execute a run (with exponential-backoff retries) and the scheduler's tick.

`enqueue_due_connectors` runs every minute in the worker: each enabled connector whose
`next_run_at` has passed gets a run (unless one is already active) and its next time.
"""

from __future__ import annotations

import logging

from django.db import close_old_connections
from django.utils import timezone
from huey import crontab

from satudata.connectors.models import Connector, RunStatus, RunTrigger, SyncRun
from satudata.core.errors import Conflict
from satudata.core.permissions import SYSTEM
from satudata.warehouse.tasks import huey, worker_alive

logger = logging.getLogger(__name__)


@huey.task()
def execute_run_task(run_id: int) -> None:
    from satudata.connectors import sync

    close_old_connections()
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None or run.finished:
        return
    delay = sync.execute(run)
    if delay is not None:
        # Exponential backoff without holding a worker thread: the task comes back later.
        execute_run_task.schedule((run_id,), delay=delay)


def dispatch(run: SyncRun) -> SyncRun:
    """Queue `run` for the worker; without a worker (or in immediate mode) run it here."""
    if worker_alive() or huey.immediate:
        execute_run_task(run.pk)
    else:
        from satudata.connectors import sync

        sync.run_now(run.connector, run=run)
    run.refresh_from_db()
    return run


def due_connectors(now=None):
    now = now or timezone.now()
    return Connector.objects.filter(enabled=True, next_run_at__lte=now).exclude(schedule="manual")


@huey.periodic_task(crontab(minute="*"))
def enqueue_due_connectors() -> int:
    """Start a run for every connector that is due; returns how many were started."""
    from satudata.connectors import services

    close_old_connections()
    started = 0
    for connector in due_connectors():
        services.mark_scheduled(connector)
        try:
            run = services.start_run(SYSTEM, connector, trigger=RunTrigger.SCHEDULE)
        except Conflict:
            continue  # still running since the last time: skip this slot
        execute_run_task(run.pk)
        started += 1
    return started


def stale_runs_cleanup(max_age_h: float = 6) -> int:
    """Runs left "running" by a killed worker are marked failed so the connector can run again."""
    cutoff = timezone.now() - timezone.timedelta(hours=max_age_h)
    return SyncRun.objects.filter(
        status__in=(RunStatus.RUNNING, RunStatus.QUEUED), created_at__lt=cutoff
    ).update(status=RunStatus.FAILED, error="stale", finished_at=timezone.now())
