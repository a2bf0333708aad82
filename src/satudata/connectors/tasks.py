"""Huey tasks: execute a run (with exponential-backoff retries) and the scheduler's tick.

`enqueue_due_connectors` runs every minute in the worker: each enabled connector whose
`next_run_at` has passed gets a run (unless one is already active) and its next time.
"""

from __future__ import annotations

import logging

from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _
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
    # Claim the run: a task queued twice (recovered after a lost message) runs it once.
    claimed = SyncRun.objects.filter(
        pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RETRYING)
    ).update(status=RunStatus.RUNNING)
    if not claimed:
        return
    run = SyncRun.objects.get(pk=run_id)
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
    recover_stale_runs()
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


QUEUED_STALE_MIN = 5
RUNNING_STALE_H = 6


def recover_stale_runs(now=None) -> tuple[int, int]:
    """Runs a lost task left behind: "queued" for minutes → queued again; "running" for hours
    (a killed worker) → failed, so that the connector can run again. Returns both counts."""
    now = now or timezone.now()
    queued = SyncRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=now - timezone.timedelta(minutes=QUEUED_STALE_MIN)
    )
    requeued = 0
    for run_id in queued.values_list("pk", flat=True):
        execute_run_task(run_id)
        requeued += 1
    failed = SyncRun.objects.filter(
        status=RunStatus.RUNNING,
        started_at__lt=now - timezone.timedelta(hours=RUNNING_STALE_H),
    ).update(
        status=RunStatus.FAILED,
        error_code="run-abandoned",
        error=_("The worker stopped during this run."),
        finished_at=now,
    )
    return requeued, failed
