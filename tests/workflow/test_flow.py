"""The sectoral flow through the pages, as the right users: submit → return with a cell comment →
reply and resubmit → verify → publish. At every step every other role is refused (403/404, or the
log-in page) and nothing changes; every transition appends its audit event; the right people get
an in-app notification and an e-mail."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from satudata.catalog.models import Dataset
from satudata.core.models import AuditEvent
from satudata.workflow import queries
from satudata.workflow.models import Comment, Notification
from satudata.workflow.notifications import notification_text
from tests.factories import ROLES
from tests.workflow.conftest import refused, review_url, snapshot, token_in

REVIEWERS = {"walidata", "admin", "superuser"}


def current_token(version) -> str:
    version.refresh_from_db()
    return queries.state_token(queries.situation(version))


def assert_everyone_else_refused(client_for, version, action: str, allowed: set, data=None):
    """Every role outside `allowed` posts the action with a valid token: refused, no change."""
    token = current_token(version)
    before = snapshot(version)
    for role in ROLES:
        if role in allowed:
            continue
        response = client_for(role).post(
            review_url(version, action), {"token": token, **(data or {})}
        )
        assert refused(response), f"{role} {action}: expected 403/404, got {response.status_code}"
        assert snapshot(version) == before, f"{role} {action}: refused but something changed"


def act(client, version, action: str, capture, data=None):
    """Open the review page as a person would, then post the action with the page's token."""
    page = client.get(review_url(version))
    assert page.status_code == 200
    with capture(execute=True):
        response = client.post(
            review_url(version, action), {"token": token_in(page.content.decode()), **(data or {})}
        )
    version.refresh_from_db()
    return response


def kinds_for(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    )


def mails_to(outbox, address: str) -> list:
    return [mail for mail in outbox if address in mail.to]


def test_a_dataset_goes_through_review_to_publication(
    world, dataset, version, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    produsen, walidata = client_for("produsen_own"), client_for("walidata")
    users = world.users

    # 1. The produsen of the owning OPD submits; nobody else may.
    assert_everyone_else_refused(client_for, version, "ajukan", {"produsen_own"})
    response = act(produsen, version, "ajukan", capture, {"note": "Data 2023 lengkap."})
    assert response.status_code == 302 and version.status == "diajukan"
    assert kinds_for(users["walidata"]) == ["submitted"]
    # The e-mail, in the portal's default language, says who submitted what.
    with translation.override(settings.LANGUAGE_CODE):
        sentence = notification_text(
            "submitted", {"dataset": dataset.title, "number": 1}, "Alur Produsen Own"
        )
    assert [m.subject for m in mails_to(mailoutbox, "walidata@example.org")] == [
        f"[Satu Data Kabupaten Klungkung] {sentence}"
    ]

    # 2. The walidata returns it with a comment pinned to a data cell (row 2, column jumlah).
    assert_everyone_else_refused(
        client_for, version, "kembalikan", REVIEWERS, {"body": "Tidak.", "target": "general"}
    )
    response = act(
        walidata,
        version,
        "kembalikan",
        capture,
        {
            "body": "Angka pada baris 2 tidak sama dengan laporan tahunan.",
            "target": "cell",
            "column": "jumlah",
            "row": "2",
        },
    )
    assert response.status_code == 302 and version.status == "dikembalikan"
    pinned = Comment.objects.get(version=version, target="cell")
    assert (pinned.row, pinned.column, pinned.cell_value) == (2, "jumlah", "20")
    assert pinned.transition.action == "return"
    assert kinds_for(users["produsen_own"]) == ["returned"]
    assert len(mails_to(mailoutbox, "produsen_own@example.org")) == 1
    page = produsen.get(review_url(version)).content.decode()
    assert "Cell: row 2, column “jumlah”" in page
    assert "Angka pada baris 2 tidak sama dengan laporan tahunan." in page

    # 3. The produsen answers in the thread, then submits again.
    with capture(execute=True):
        reply = produsen.post(
            review_url(version, "komentar"),
            {"body": "Sudah dicek: angka 20 benar.", "parent": pinned.pk},
        )
    assert reply.status_code == 302
    assert Comment.objects.get(parent=pinned).body == "Sudah dicek: angka 20 benar."
    assert kinds_for(users["walidata"]) == ["submitted", "comment"]
    response = act(produsen, version, "ajukan", capture, {"note": "Dijawab di komentar."})
    assert response.status_code == 302 and version.status == "diajukan"
    assert version.review.submissions == 2 and version.review.returns == 1

    # 4. The walidata verifies.
    assert_everyone_else_refused(client_for, version, "verifikasi", REVIEWERS)
    response = act(walidata, version, "verifikasi", capture)
    assert response.status_code == 302 and version.status == "diverifikasi"

    # 5. The walidata publishes: the dataset's public pointer moves.
    assert_everyone_else_refused(client_for, version, "terbitkan", REVIEWERS)
    response = act(walidata, version, "terbitkan", capture)
    assert response.status_code == 302 and version.status == "terbit"
    dataset = Dataset.objects.get(pk=dataset.pk)
    assert dataset.published_version_id == version.pk and dataset.state == "published"
    assert client_for("anonymous").get(f"/dataset/{dataset.slug}").status_code == 200

    # Every transition (and the reply) appended its audit event, by the right person.
    trail = list(
        AuditEvent.objects.filter(object_type="warehouse.version", object_id=str(version.pk))
        .exclude(action="version.create")
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert trail == [
        ("workflow.submit", "alur_produsen_own"),
        ("workflow.return", "alur_walidata"),
        ("workflow.comment", "alur_produsen_own"),
        ("workflow.submit", "alur_produsen_own"),
        ("workflow.verify", "alur_walidata"),
        ("version.publish", "alur_walidata"),
    ]
    returned = AuditEvent.objects.get(action="workflow.return")
    assert returned.changes["target"] == {
        "target": "cell",
        "column": "jumlah",
        "row": 2,
        "cell_value": "20",
    }
    assert [t.action for t in version.transitions.all()] == [
        "submit",
        "return",
        "submit",
        "verify",
        "publish",
    ]

    # The right people heard of it, in the app and by e-mail; nobody else did.
    assert kinds_for(users["produsen_own"]) == ["returned", "verified", "published"]
    assert kinds_for(users["walidata"]) == ["submitted", "comment", "submitted"]
    for role in ROLES:
        if role not in ("anonymous", "produsen_own", "walidata"):
            assert kinds_for(users[role]) == [], f"{role} should not have been notified"
    assert len(mails_to(mailoutbox, "produsen_own@example.org")) == 3
    assert len(mails_to(mailoutbox, "walidata@example.org")) == 3
    assert {address for mail in mailoutbox for address in mail.to} == {
        "produsen_own@example.org",
        "walidata@example.org",
    }
    published_mail = mails_to(mailoutbox, "produsen_own@example.org")[-1]
    assert review_url(version) in published_mail.body


def test_reviewers_other_than_the_walidata_role_may_act(world, version):
    """An admin and a Django superuser act where the walidata does (services directly)."""
    from satudata.workflow import services

    services.submit(world.users["produsen_own"], version)
    services.return_version(world.users["admin"], version, note="Lengkapi sumber data.")
    services.submit(world.users["produsen_own"], version)
    services.verify(world.users["superuser"], version)
    services.publish(world.users["admin"], version)
    version.refresh_from_db()
    assert version.status == "terbit"


def test_the_first_decision_records_how_long_the_submission_waited(world, version):
    """What the monitoring's median review time reads: hours from a submission to the first
    decision after it (verify or return at the first review tier); later steps carry none."""
    from datetime import timedelta

    from django.utils import timezone

    from satudata.workflow import services
    from satudata.workflow.models import Review, Transition

    users = world.users
    services.submit(users["produsen_own"], version)
    Review.objects.filter(version=version).update(submitted_at=timezone.now() - timedelta(hours=10))
    services.return_version(users["walidata"], version, note="Mohon dicek.")
    services.submit(users["produsen_own"], version)
    Review.objects.filter(version=version).update(submitted_at=timezone.now() - timedelta(hours=4))
    services.verify(users["walidata"], version)
    services.publish(users["walidata"], version)
    hours = dict(
        Transition.objects.filter(version=version)
        .exclude(action="submit")
        .values_list("action", "review_hours")
    )
    assert round(hours["return"]) == 10 and round(hours["verify"]) == 4
    assert hours["publish"] is None
