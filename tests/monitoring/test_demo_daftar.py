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
