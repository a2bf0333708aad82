"""A scheduled run through the task queue: due reports are generated, stored and announced."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail
from pypdf import PdfReader

from satudata.core import blobs
from satudata.reports import services, tasks
from satudata.reports.models import Edition
from satudata.warehouse.tasks import huey


@pytest.fixture
def immediate_huey():
    """Tasks run when enqueued (Huey's immediate mode, in-memory queue): the test drives the
    queue instead of waiting for a worker."""
    huey.immediate = True
    try:
        yield huey
    finally:
        huey.immediate = False


def test_scheduled_run_stores_pdf_and_mails_confirmed_subscriber(
    report, world, immediate_huey, settings
):
    settings.SATUDATA_SITE_URL = "https://data.klungkungkab.example"
    subscriber = world.users["user"]
    subscriber.email = "warga@example.org"
    subscriber.save()
    services.subscribe(subscriber, report)  # own address: active at once
    services.subscribe(None, report, "belum.konfirmasi@example.org")  # never confirmed
    mail.outbox.clear()

    # The periodic task as the scheduler calls it (enqueues one task per due report).
    tasks.scheduled_reports()
    edition = Edition.objects.get(report=report)
    assert edition.period_key == services.edition_period(report).key  # last complete month
    assert edition.scheduled and edition.announced_at is not None
    with blobs.open_blob(edition.pdf_sha256) as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == edition.page_count >= 4
    assert [m.to for m in mail.outbox] == [["warga@example.org"]]
    message = mail.outbox[0]
    assert report.title in message.subject
    assert f"https://data.klungkungkab.example/laporan/lap-uji/{edition.period_key}.pdf" in (
        message.body
    )
    assert "/laporan/langganan/" in message.extra_headers["List-Unsubscribe"]

    # Nothing is due any more for this period: a second run makes no edition and no e-mail.
    tasks.scheduled_reports()
    assert Edition.objects.filter(report=report).count() == 1
    assert len(mail.outbox) == 1


def test_periods_follow_the_schedule(report, immediate_huey):
    tasks.enqueue_due_reports(date(2027, 1, 5))
    assert Edition.objects.get(report=report).period_key == "2026-12"
    report.schedule = "quarterly"
    report.save()
    tasks.enqueue_due_reports(date(2027, 1, 5))
    assert set(report.editions.values_list("period_key", flat=True)) == {"2026-12", "2026-T4"}
    report.schedule = "yearly"
    report.save()
    assert services.due_reports(date(2027, 3, 1))[0][1].key == "2026"


def test_generate_now_goes_through_the_worker_when_one_is_running(
    client, report, world, immediate_huey
):
    from satudata.warehouse.tasks import beat, heartbeat_path

    beat()  # a worker's heartbeat: the button queues a task instead of working in the request
    client.force_login(world.users["walidata"])
    try:
        response = client.post(f"/laporan/{report.slug}/terbitkan", follow=True)
    finally:
        heartbeat_path().unlink(missing_ok=True)  # no "worker" left behind for other tests
    assert response.status_code == 200
    edition = Edition.objects.get(report=report)
    assert not edition.scheduled and edition.generated_by == world.users["walidata"]
    assert edition.period_label in response.content.decode()


def test_period_labels_are_stored_in_the_site_language(report):
    from django.utils import translation

    with translation.override("en"):
        period = services.edition_period(report, date(2026, 11, 5))
    with translation.override("id"):
        assert period.label == services.edition_period(report, date(2026, 11, 5)).label
    assert period.key == "2026-10" and period.label == "Oktober 2026"
