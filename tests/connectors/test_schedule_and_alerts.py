"""Schedules (the worker's tick starts due connectors), retries through Huey, and the e-mail to
the owners after N failed runs in a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from satudata.connectors import schedule, services, sync, tasks
from satudata.connectors.models import Connector, RunStatus, SyncRun
from satudata.core.errors import ValidationFailed
from satudata.core.permissions import SYSTEM
from satudata.warehouse.tasks import huey

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """The tasks close stale database connections (right in a worker); in a test that would
    close the test transaction's connection (PostgreSQL), so they keep it here."""
    monkeypatch.setattr(tasks, "close_old_connections", lambda: None)


@pytest.fixture
def immediate_huey():
    huey.immediate = True
    yield huey
    huey.immediate = False


def test_presets_and_cron_give_the_next_run():
    after = timezone.make_aware(timezone.datetime(2024, 3, 4, 10, 0))  # a Monday, local time
    assert schedule.next_run("hourly", "", 7, after).minute == 7
    daily = timezone.localtime(schedule.next_run("daily", "", 61, after))
    assert (daily.day, daily.hour, daily.minute) == (5, 2, 1)
    cron = timezone.localtime(schedule.next_run("cron", "30 6 * * 1-5", 0, after))
    assert (cron.day, cron.hour, cron.minute) == (5, 6, 30)
    assert schedule.next_run("manual", "", 0, after) is None
    with pytest.raises(ValidationFailed):
        schedule.check_cron("every day at noon")


def test_the_tick_runs_due_connectors_once_and_moves_next_run(
    make_http_connector, immediate_huey, fast_retries
):
    connector = make_http_connector()
    Connector.objects.filter(pk=connector.pk).update(
        next_run_at=timezone.now() - timedelta(minutes=1)
    )
    assert tasks.enqueue_due_connectors.call_local() == 1
    run = SyncRun.objects.get()
    assert run.trigger == "schedule" and run.status == RunStatus.SUCCEEDED, run.error
    connector.refresh_from_db()
    assert connector.next_run_at > timezone.now()
    assert tasks.enqueue_due_connectors.call_local() == 0  # not due again


def test_disabled_and_manual_connectors_are_not_scheduled(make_http_connector, immediate_huey):
    off = make_http_connector("mati")
    services.update_connector(SYSTEM, off, enabled=False)
    manual = make_http_connector(
        "manual",
    )
    services.update_connector(SYSTEM, manual, schedule="manual")
    past = timezone.now() - timedelta(hours=1)
    Connector.objects.update(next_run_at=past)
    assert tasks.enqueue_due_connectors.call_local() == 0


def test_worker_retries_transient_faults_by_rescheduling(make_http_connector, agency, fast_retries):
    """In the worker, a temporary fault re-schedules the task (backoff) instead of sleeping."""
    connector = make_http_connector()
    run = services.start_run(SYSTEM, connector)
    agency.state.faults = ["500"]
    huey.immediate = True  # the re-scheduled task (delay 0 here) then runs at once
    try:
        tasks.execute_run_task.call_local(run.pk)
    finally:
        huey.immediate = False
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.log
    assert run.attempt == 2 and "attempt 2 of 3" in run.log


def test_a_lost_queued_run_is_recovered_and_runs_once(make_http_connector, immediate_huey):
    connector = make_http_connector()
    run = services.start_run(SYSTEM, connector)
    SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    requeued, failed = tasks.recover_stale_runs()
    assert (requeued, failed) == (1, 0)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    tasks.execute_run_task.call_local(run.pk)  # a duplicate message does nothing
    assert SyncRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED


def test_owners_get_one_email_after_three_failures_in_a_row(
    make_http_connector, agency, world, fast_retries, settings
):
    settings.SATUDATA_CONNECTOR_ALERT_AFTER_FAILURES = 3
    produsen = world.users["produsen_own"]
    produsen.email = "produsen@dinkes.example"
    produsen.save()
    connector = make_http_connector()
    agency.state.mode = "html"
    for _ in range(2):
        sync.run_now(connector)
    assert len(mail.outbox) == 0
    sync.run_now(connector)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "produsen@dinkes.example" in message.to
    assert connector.name in message.subject
    sync.run_now(connector)
    assert len(mail.outbox) == 1  # once per failure streak
    agency.state.mode = ""
    assert sync.run_now(connector).status == RunStatus.SUCCEEDED
    connector.refresh_from_db()
    assert connector.consecutive_failures == 0 and connector.failure_notified_at is None
