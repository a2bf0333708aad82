"""Notifications: the bell's unread count in the header, the list, marking as read, opening one,
e-mail preferences, overdue reminders, and nobody reading another person's notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from satudata.core.models import AuditEvent
from satudata.workflow import services
from satudata.workflow.models import Notification, NotificationPreference, Review
from satudata.workflow.notifications import notification_text, notify
from satudata.workflow.tasks import remind_overdue_reviews
from tests.workflow.conftest import review_url


def unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@pytest.fixture
def submitted(world, version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(world.users["produsen_own"], version)
    version.refresh_from_db()
    return version


def test_the_bell_shows_the_unread_count(world, submitted, client_for):
    html = client_for("walidata").get("/").content.decode()
    assert 'class="topbar-user wf-bell"' in html
    assert 'data-unread="1"' in html
    assert "Notifications: 1 unread" in html
    quiet = client_for("pimpinan").get("/").content.decode()
    assert 'data-unread="0"' in quiet and "Notifications: none unread" in quiet
    assert "wf-bell" not in client_for("anonymous").get("/").content.decode()


def test_list_mark_one_and_all_as_read(world, submitted, client_for, dataset):
    walidata = world.users["walidata"]
    notify([walidata], "overdue", dataset=dataset, version=submitted, params={"days": 9})
    client = client_for("walidata")
    page = client.get("/notifikasi/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"submitted version 1 of “{dataset.title}” for review." in html
    assert f"Version 1 of “{dataset.title}” has waited 9 days for review." in html
    first = Notification.objects.filter(recipient=walidata).order_by("pk").first()
    response = client.post("/notifikasi/baca", {"id": [first.pk]})
    assert response.status_code == 302 and unread(walidata) == 1
    client.post("/notifikasi/baca", {"semua": "1"})
    assert unread(walidata) == 0
    assert client.get("/notifikasi/?belum=1").context["rows"] == []


def test_opening_a_notification_marks_it_read_and_goes_there(world, submitted, client_for):
    item = Notification.objects.get(recipient=world.users["walidata"])
    response = client_for("walidata").get(f"/notifikasi/{item.pk}/buka")
    assert response.status_code == 302 and response["Location"] == review_url(submitted)
    item.refresh_from_db()
    assert item.read_at is not None


def test_nobody_reads_or_marks_another_persons_notifications(world, submitted, client_for):
    item = Notification.objects.get(recipient=world.users["walidata"])
    other = client_for("admin")
    assert other.get(f"/notifikasi/{item.pk}/buka").status_code == 404
    other.post("/notifikasi/baca", {"id": [item.pk]})
    other.post("/notifikasi/baca", {"id": ["x", "-1", "99999999999999999"]})
    item.refresh_from_db()
    assert item.read_at is None
    assert f"/notifikasi/{item.pk}/buka" not in other.get("/notifikasi/").content.decode()
    assert client_for("anonymous").get("/notifikasi/").status_code == 302


def test_mark_read_never_redirects_elsewhere(world, submitted, client_for):
    response = client_for("walidata").post(
        "/notifikasi/baca", {"semua": "1", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == "/notifikasi/"


def test_email_preferences_choose_the_kinds(
    world, version, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for("walidata")
    page = client.get("/notifikasi/pengaturan")
    assert page.status_code == 200
    assert page.context["form"].initial["email_kinds"] == [
        "submitted",
        "returned",
        "verified",
        "published",
        "withdrawn",
        "overdue",
        "comment",
    ]
    response = client.post("/notifikasi/pengaturan", {"email_kinds": ["published", "overdue"]})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=world.users["walidata"])
    assert pref.email_kinds == ["published", "overdue"]
    assert AuditEvent.objects.filter(action="notification.preferences").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(world.users["produsen_own"], version)
    # In the app, yes; by e-mail, no (not chosen).
    assert unread(world.users["walidata"]) == 1
    assert not [mail for mail in mailoutbox if "walidata@example.org" in mail.to]
    bad = client.post("/notifikasi/pengaturan", {"email_kinds": ["spam"]})
    assert bad.status_code == 400
    assert NotificationPreference.objects.get(user=world.users["walidata"]).email_kinds == [
        "published",
        "overdue",
    ]


def test_users_without_an_address_get_no_email(
    world, version, mailoutbox, django_capture_on_commit_callbacks
):
    from satudata.accounts import services as account_services
    from satudata.core.permissions import SYSTEM

    account_services.ensure_user(
        SYSTEM, username=world.users["walidata"].username, password=None, email=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(world.users["produsen_own"], version)
    assert mailoutbox == []
    assert Notification.objects.get(recipient=world.users["walidata"]).email_status == ""


def test_a_failed_transition_notifies_nobody(world, version, mailoutbox):
    with pytest.raises(Exception):
        services.verify(world.users["walidata"], version)
    assert Notification.objects.count() == 0 and mailoutbox == []


def test_overdue_submissions_are_reminded_once(
    world, submitted, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SATUDATA_REVIEW_OVERDUE_DAYS = 3
    assert remind_overdue_reviews() == 0
    Review.objects.filter(version=submitted).update(
        waiting_since=timezone.now() - timedelta(days=4)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_reviews() == 1
    assert remind_overdue_reviews() == 0  # once per wait
    kinds = list(
        Notification.objects.filter(recipient=world.users["walidata"])
        .order_by("pk")
        .values_list("kind", "params")
    )
    assert kinds[-1][0] == "overdue" and kinds[-1][1]["days"] == 4
    # E-mails are written in the portal's default language (Indonesian unless configured).
    with translation.override(settings.LANGUAGE_CODE):
        expected = notification_text(
            "overdue", {"dataset": submitted.dataset.title, "number": 1, "days": 4}
        )
    assert any(expected in mail.subject for mail in mailoutbox), [m.subject for m in mailoutbox]
    page = world.users["walidata"]
    from django.test import Client

    client = Client()
    client.force_login(page)
    queue = client.get("/tinjauan/")
    assert [row.overdue for row in queue.context["waiting_for_you"]] == [True]


def test_a_failing_mail_server_never_undoes_the_transition(
    world, version, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(world.users["produsen_own"], version)
    version.refresh_from_db()
    assert version.status == "diajukan"
    assert Notification.objects.get(recipient=world.users["walidata"]).email_status == "failed"


def test_a_written_message_of_several_lines_mails_its_first_line_as_subject(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """Other apps (Daftar Data reminders) notify with their own text."""
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(
            [world.users["produsen_own"]],
            "overdue",
            url="/daftar-data/",
            params={"message": "Pengingat Daftar Data.\n- Data A, jatuh tempo 2026-01-31"},
        )
    assert [mail.subject for mail in mailoutbox] == [
        "[Satu Data Kabupaten Klungkung] Pengingat Daftar Data."
    ]
    assert "- Data A, jatuh tempo 2026-01-31" in mailoutbox[0].body
