"""The demo's Daftar Data of the current year tells a story: on time, late, overdue, not due;
loading it again changes nothing; the reminder task e-mails each agency's produsen."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from satudata.core.models import AuditEvent
from satudata.monitoring import queries
from satudata.monitoring.demo import load_demo_daftar
from satudata.monitoring.models import DataPromise


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    import io
    from contextlib import redirect_stdout

    from satudata.cli import main

    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    blob_root.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock(), override_settings(BLOB_ROOT=blob_root):
        with redirect_stdout(io.StringIO()):
            assert main(["demo", "--no-serve"]) == 0
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_demo_daftar_data_has_every_status_across_agencies(demo):
    year = timezone.localdate().year
    rows = queries.with_status(DataPromise.objects.filter(daftar__year=year))
    statuses = {row.status for row in rows}
    assert statuses == {queries.ON_TIME, queries.LATE, queries.OVERDUE, queries.NOT_DUE}
    agencies = queries.agency_rows(year)
    assert len(agencies) >= 5
    assert all(row.score is not None for row in agencies)
    assert len({row.score for row in agencies}) > 1  # a ranking with differences


@pytest.mark.django_db
def test_loading_the_demo_daftar_again_changes_nothing(demo):
    from satudata.warehouse.models import Version

    before = (
        list(DataPromise.objects.order_by("pk").values_list("pk", "due_date", "dataset_id")),
        AuditEvent.objects.count(),
        list(Version.objects.order_by("pk").values_list("pk", "created_at")),
    )
    load_demo_daftar()
    after = (
        list(DataPromise.objects.order_by("pk").values_list("pk", "due_date", "dataset_id")),
        AuditEvent.objects.count(),
        list(Version.objects.order_by("pk").values_list("pk", "created_at")),
    )
    assert after == before


@pytest.mark.django_db
def test_reminders_reach_the_produsen_of_agencies_with_late_data(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    from satudata.accounts.models import Membership
    from satudata.monitoring.tasks import send_promise_reminders
    from satudata.workflow.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        reminded = send_promise_reminders()
    assert reminded >= 1
    produsen = Membership.objects.filter(role="produsen").values_list("user_id", flat=True)
    notes = Notification.objects.filter(kind="overdue", recipient_id__in=produsen)
    assert notes.exists()
    text = notes.first().params["message"]
    assert "Cakupan Imunisasi" in text or "Tingkat Hunian" in text or "Kepemilikan" in text
    with_address = [n for n in notes.select_related("recipient") if n.recipient.email]
    assert len(mailoutbox) >= len([n for n in with_address if n.email_status == "sent"])


@pytest.mark.django_db
def test_a_second_reminder_run_the_same_day_sends_nothing(demo):
    """`satudata worker` and the server's embedded worker may both schedule the daily task."""
    from satudata.monitoring.tasks import send_promise_reminders
    from satudata.workflow.models import Notification

    send_promise_reminders()
    before = Notification.objects.count()
    assert send_promise_reminders() == 0
    assert Notification.objects.count() == before


@pytest.mark.django_db
def test_demo_backdating_is_in_the_audit_trail(demo):
    """Every version whose upload time the demo set back says so in the audit trail, with the
    old and new time, and the chain still verifies."""
    from satudata.core.audit import verify_chain
    from satudata.warehouse.models import Version

    year = timezone.localdate().year
    on_time = queries.with_status(DataPromise.objects.filter(daftar__year=year)).filter(
        status=queries.ON_TIME
    )
    assert on_time.exists()
    events = {event.object_id: event for event in AuditEvent.objects.filter(action="demo.backdate")}
    for promise in on_time:
        version = (
            Version.objects.filter(dataset=promise.dataset, created_at=promise.delivered_at)
            .exclude(status="draft")
            .get()
        )
        event = events[str(version.pk)]
        assert event.actor_label == "sistem"
        assert event.changes["created_at"][1] == version.created_at.isoformat()
        assert promise.title in event.changes["why"]
    assert len(events) == on_time.count()
    assert verify_chain().ok


# --- the review story (workflow/demo.py), on the same loaded demo ----------------------------


@pytest.mark.django_db
def test_demo_review_queue_and_bell_tell_a_story(demo, client):
    """First run: two versions wait for the walidata (one returned with a cell comment, answered
    and resubmitted), one desa submission waits for its kecamatan; the bells show what is new,
    not the reviews finished while loading."""
    from django.contrib.auth import get_user_model

    from satudata.workflow.models import Comment, Notification

    users = get_user_model().objects
    walidata = users.get(username="walidata")
    client.force_login(walidata)
    page = client.get("/tinjauan/")
    waiting = [(row.dataset.slug, row.version.number) for row in page.context["waiting_for_you"]]
    assert waiting == [
        ("kunjungan-wisatawan-nusa-penida-bulanan", 2),
        ("puskesmas-pembantu-kabupaten-klungkung", 2),
    ]
    in_progress = [row.dataset.slug for row in page.context["in_progress"]]
    assert "batas-wilayah-desa-kusamba" in in_progress
    unread = Notification.objects.filter(recipient=walidata, read_at__isnull=True)
    assert sorted(unread.values_list("kind", flat=True)) == ["comment", "submitted", "submitted"]
    assert not Notification.objects.filter(read_at__isnull=True, version__status="terbit").exists()
    pinned = Comment.objects.get(target="cell")
    assert pinned.dataset.slug == "puskesmas-pembantu-kabupaten-klungkung"
    assert pinned.row == 1 and pinned.cell_value and pinned.replies.count() == 1

    client.force_login(users.get(username="verifikator.kecamatan"))
    mine = client.get("/tinjauan/").context["waiting_for_you"]
    assert [row.dataset.slug for row in mine] == ["batas-wilayah-desa-kusamba"]
    # The public still sees the published versions only.
    client.logout()
    assert client.get("/dataset/batas-wilayah-desa-kusamba").status_code == 404
