"""Out-of-order transitions, double submits (two clicks, two tabs), stale pages, hostile or
incomplete forms: a clear message, the typed text kept, and nothing changed."""

from __future__ import annotations

import pytest

from satudata.catalog import services as catalog_services
from satudata.catalog.models import Dataset
from satudata.core.errors import Conflict, PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.warehouse.services import publish_version
from satudata.workflow import services
from satudata.workflow.models import Comment, CommentKind, Transition
from tests.factories import make_dataset, upload_csv
from tests.workflow.conftest import review_url, snapshot, token_in


def page_token(client, version) -> str:
    response = client.get(review_url(version))
    assert response.status_code == 200
    return token_in(response.content.decode())


@pytest.fixture
def submitted(world, version):
    services.submit(world.users["produsen_own"], version)
    version.refresh_from_db()
    return version


# --- out of order ---------------------------------------------------------------------------


def test_out_of_order_transitions_are_refused(world, version):
    walidata, produsen = world.users["walidata"], world.users["produsen_own"]
    before = snapshot(version)
    with pytest.raises(Conflict, match="cannot be verified: it is a draft"):
        services.verify(walidata, version)
    with pytest.raises(Conflict, match="cannot be returned: it is a draft"):
        services.return_version(walidata, version, note="Tidak lengkap.")
    with pytest.raises(Conflict, match="cannot be published: it is a draft"):
        services.publish(walidata, version)
    with pytest.raises(Conflict, match="cannot be withdrawn: it is a draft"):
        services.withdraw(walidata, version, reason="Salah.")
    # The warehouse's own publish door obeys the same rule.
    with pytest.raises(ValidationFailed, match="cannot be published yet: it is a draft") as exc:
        publish_version(walidata, version)
    assert exc.value.code == "not-verified"
    assert snapshot(version) == before
    services.submit(produsen, version)
    with pytest.raises(Conflict, match="cannot be published: it is submitted for review"):
        services.publish(walidata, version)
    with pytest.raises(ValidationFailed, match="cannot be published yet"):
        publish_version(walidata, version)


def test_the_warehouse_publish_button_refuses_an_unverified_version(world, version, client_for):
    client = client_for("walidata")
    before = snapshot(version)
    response = client.post(f"/dataset/{version.dataset.slug}/versi/1/terbitkan", follow=True)
    assert "cannot be published yet: it is a draft" in response.content.decode()
    assert snapshot(version) == before
    assert Dataset.objects.get(pk=version.dataset_id).published_version_id is None


def test_ui_out_of_order_answers_409_with_the_message(world, version, client_for):
    client = client_for("walidata")
    token = page_token(client, version)
    before = snapshot(version)
    response = client.post(review_url(version, "verifikasi"), {"token": token, "note": "Oke"})
    assert response.status_code == 409
    assert "Version 1 cannot be verified: it is a draft. Nothing was changed." in (
        response.content.decode()
    )
    assert snapshot(version) == before


def test_action_pages_only_accept_post(world, version, client_for):
    client = client_for("walidata")
    for action in ("ajukan", "verifikasi", "kembalikan", "terbitkan", "tarik", "komentar"):
        assert client.get(review_url(version, action)).status_code == 405, action


# --- double submit, two tabs, stale page -----------------------------------------------------


def test_double_submit_changes_nothing_the_second_time(
    world, version, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    client = client_for("produsen_own")
    token = page_token(client, version)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(review_url(version, "ajukan"), {"token": token})
    assert first.status_code == 302
    after_first = snapshot(version)
    mails = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(review_url(version, "ajukan"), {"token": token})
    assert second.status_code == 409
    assert "Version 1 cannot be submitted: it is submitted for review." in second.content.decode()
    assert snapshot(version) == after_first
    assert len(mailoutbox) == mails
    with pytest.raises(Conflict):  # the service says the same without a token
        services.submit(world.users["produsen_own"], version)


def test_two_tabs_the_second_action_is_refused(world, submitted, client_for):
    version = submitted
    client = client_for("walidata")
    tab_one, tab_two = page_token(client, version), page_token(client, version)
    assert tab_one == tab_two
    returned = client.post(review_url(version, "kembalikan"), {"token": tab_one, "body": "Kurang."})
    assert returned.status_code == 302
    before = snapshot(version)
    response = client.post(review_url(version, "verifikasi"), {"token": tab_two, "note": "OK"})
    assert response.status_code == 409
    assert "cannot be verified: it is returned to its producer" in response.content.decode()
    assert snapshot(version) == before


def test_a_version_that_came_back_to_the_same_state_is_still_stale(world, submitted, client_for):
    """Opened while submitted; meanwhile returned and submitted again: the status is the same,
    the page is not — the verification is refused, the typed note is kept."""
    version = submitted
    walidata = client_for("walidata")
    stale = page_token(walidata, version)
    services.return_version(world.users["admin"], version, note="Tambahkan sumber.")
    services.submit(world.users["produsen_own"], version)
    before = snapshot(version)
    response = walidata.post(
        review_url(version, "verifikasi"), {"token": stale, "note": "Catatan verifikasi saya"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed since you opened this page" in html
    assert "Catatan verifikasi saya" in html  # nothing typed is lost
    assert snapshot(version) == before
    # The page shown again carries the fresh token: the action now works.
    fresh = token_in(html)
    assert walidata.post(review_url(version, "verifikasi"), {"token": fresh}).status_code == 302


def test_metadata_edited_after_the_page_was_opened_makes_it_stale(world, submitted, client_for):
    version = submitted
    walidata = client_for("walidata")
    stale = page_token(walidata, version)
    catalog_services.update_dataset(
        world.users["produsen_own"], version.dataset, description="Deskripsi baru setelah diajukan."
    )
    before = snapshot(version)
    response = walidata.post(review_url(version, "verifikasi"), {"token": stale})
    assert response.status_code == 409
    assert snapshot(version) == before


def test_a_form_without_its_token_is_refused(world, submitted, client_for):
    before = snapshot(submitted)
    response = client_for("walidata").post(review_url(submitted, "verifikasi"), {})
    assert response.status_code == 400
    assert "state token is missing" in response.content.decode()
    assert snapshot(submitted) == before


# --- returns and comments: where they point ---------------------------------------------------


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"body": "   "}, "Please write why it is returned."),
        ({"body": "x" * 4001}, "is too long: 4001 characters, at most 4000"),
        ({"body": "Baris salah", "target": "cell", "column": "jumlah", "row": "0"}, "Row 0 does"),
        ({"body": "Baris salah", "target": "cell", "column": "jumlah", "row": "99"}, "Row 99 does"),
        (
            {"body": "Baris salah", "target": "cell", "column": "jumlah", "row": "dua"},
            "The row must be a whole number between 1 and 4.",
        ),
        (
            {"body": "Kolom", "target": "column", "column": "<script>alert(1)</script>"},
            "Column “&lt;script&gt;alert(1)&lt;/script&gt;” is not in version 1.",
        ),
        ({"body": "Metadata", "target": "metadata", "field": "password"}, "Choose the metadata"),
        ({"body": "Apa?", "target": "planet"}, "Choose what the comment is about."),
    ],
)
def test_bad_returns_keep_the_text_and_change_nothing(
    world, submitted, client_for, fields, message
):
    client = client_for("walidata")
    token = page_token(client, submitted)
    before = snapshot(submitted)
    response = client.post(review_url(submitted, "kembalikan"), {"token": token, **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    if fields["body"].strip() and len(fields["body"]) < 100:
        assert fields["body"] in html  # the comment is still in the form
    assert "<script>alert(1)</script>" not in html
    assert snapshot(submitted) == before


def test_comments_pin_to_metadata_and_columns_and_replies_thread(world, submitted):
    walidata, produsen = world.users["walidata"], world.users["produsen_own"]
    on_field = services.add_comment(
        walidata, submitted, body="Sumber data?", target="metadata", field="data_source"
    )
    on_column = services.add_comment(
        walidata, submitted, body="Satuan?", target="column", column="jumlah"
    )
    reply = services.add_comment(produsen, submitted, body="Laporan tahunan.", parent=on_field.pk)
    reply_to_reply = services.add_comment(walidata, submitted, body="Terima kasih.", parent=reply)
    assert (on_field.target, on_field.field) == ("metadata", "data_source")
    assert (on_column.target, on_column.column) == ("column", "jumlah")
    assert reply.parent_id == on_field.pk and reply_to_reply.parent_id == on_field.pk
    submitted.refresh_from_db()
    assert submitted.status == "diajukan"  # comments never move the version


def test_a_reply_to_another_versions_comment_is_refused(world, submitted, dataset):
    other = upload_csv(dataset, "kode_wilayah,jumlah\n51.05,1\n")
    services.submit(world.users["produsen_own"], other)
    elsewhere = services.add_comment(world.users["walidata"], other, body="Di versi 2.")
    with pytest.raises(ValidationFailed, match="comment to reply to was not found"):
        services.add_comment(world.users["produsen_own"], submitted, body="x", parent=elsewhere)
    with pytest.raises(ValidationFailed, match="comment to reply to was not found"):
        services.add_comment(world.users["produsen_own"], submitted, body="x", parent="abc")


def test_comment_text_is_shown_escaped(world, submitted, client_for):
    services.add_comment(world.users["walidata"], submitted, body="<img src=x onerror=alert(1)>")
    html = client_for("produsen_own").get(review_url(submitted)).content.decode()
    assert "<img src=x onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_who_may_comment(world, submitted, client_for):
    before = Comment.objects.count()
    for role in ("pimpinan", "produsen_other", "user", "operator_desa"):
        response = client_for(role).post(review_url(submitted, "komentar"), {"body": "Halo"})
        assert response.status_code in (403, 404), role
    assert Comment.objects.count() == before


# --- pembina recommendations -----------------------------------------------------------------


def test_pembina_recommends_on_statistical_metadata_without_blocking(world, submitted):
    pembina = world.users["pembina"]
    with pytest.raises(ValidationFailed, match="statistical metadata"):
        services.add_comment(pembina, submitted, body="Judul kurang jelas.", target="general")
    advice = services.add_comment(
        pembina,
        submitted,
        body="Tambahkan rumus penghitungan.",
        target="metadata",
        field="ms_ind.rumus",
    )
    assert advice.kind == CommentKind.RECOMMENDATION
    on_column = services.add_comment(
        pembina, submitted, body="Definisikan kolom ini.", target="metadata", field="ms_var.jumlah"
    )
    assert on_column.kind == CommentKind.RECOMMENDATION
    with pytest.raises(PermissionDenied):
        services.verify(pembina, submitted)
    # Never blocking: the walidata verifies and publishes with the recommendations open.
    services.verify(world.users["walidata"], submitted)
    services.publish(world.users["walidata"], submitted)
    submitted.refresh_from_db()
    assert submitted.status == "terbit"


def test_pembina_hears_of_statistical_submissions(world, dataset, version):
    from satudata.catalog.metadata import MS_IND_FIELDS, MS_KEG_FIELDS
    from satudata.workflow.models import Notification

    def filled(specs) -> dict:
        return {spec.key: spec.choices[0][0] if spec.choices else "Diisi" for spec in specs}

    catalog_services.update_dataset(
        SYSTEM,
        dataset,
        is_statistical=True,
        ms_keg=filled(MS_KEG_FIELDS),
        ms_ind=filled(MS_IND_FIELDS),
        ms_var={name: {"definisi": f"Definisi {name}"} for name in ("kode_wilayah", "jumlah")}
        | {"nama_wilayah": {"definisi": "Nama wilayah"}},
    )
    services.submit(world.users["produsen_own"], version)
    kinds = Notification.objects.filter(recipient=world.users["pembina"]).values_list(
        "kind", flat=True
    )
    assert list(kinds) == ["submitted"]


# --- what publication needs -------------------------------------------------------------------


def test_submission_needs_no_errors_and_complete_metadata(world, dataset, version):
    produsen = world.users["produsen_own"]
    catalog_services.update_dataset(SYSTEM, dataset, contact_name="", contact_email="")
    with pytest.raises(ValidationFailed, match="Complete the required metadata") as exc:
        services.submit(produsen, version)
    assert "Contact" in exc.value.message
    catalog_services.update_dataset(
        SYSTEM, dataset, contact_name="Petugas", contact_email="uji@example.org"
    )
    Version.objects.filter(pk=version.pk).update(error_count=3)
    with pytest.raises(ValidationFailed, match="3 validation errors"):
        services.submit(produsen, version)
    version.refresh_from_db()
    assert version.status == "draft"


def test_publication_rechecks_metadata_and_needs_acknowledged_warnings(world, dataset, submitted):
    walidata = world.users["walidata"]
    services.verify(walidata, submitted)
    catalog_services.update_dataset(SYSTEM, dataset, data_source="")
    with pytest.raises(ValidationFailed, match="Complete the required metadata before publishing"):
        services.publish(walidata, submitted)
    catalog_services.update_dataset(SYSTEM, dataset, data_source="Laporan tahunan")
    Version.objects.filter(pk=submitted.pk).update(warning_count=2)
    with pytest.raises(ValidationFailed, match="2 validation warnings"):
        services.publish(walidata, submitted)
    submitted.refresh_from_db()
    assert submitted.status == "diverifikasi"
    services.publish(walidata, submitted, acknowledge_warnings=True)
    submitted.refresh_from_db()
    assert submitted.status == "terbit"
    assert submitted.warnings_acknowledged_by_id == walidata.pk


def test_the_system_publishes_directly_and_it_is_recorded(world, version):
    publish_version(SYSTEM, version)
    transition = Transition.objects.get(version=version)
    assert (transition.action, transition.from_status, transition.to_status) == (
        "publish",
        "draft",
        "terbit",
    )
    assert transition.actor_label == "sistem"
    assert transition.note == "Published directly by the system."


# --- withdrawal ------------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_hides_the_dataset_and_stays_in_history(
    world, client_for, django_capture_on_commit_callbacks
):
    dataset = make_dataset(
        world.owner,
        title="Data Ditarik Nanti",
        slug="data-ditarik",
        state="published",
        topic=world.topic,
        regions=["51.05"],
    )
    version = dataset.published_version
    anonymous = client_for("anonymous")
    assert anonymous.get("/dataset/data-ditarik").status_code == 200
    walidata = client_for("walidata")
    token = page_token(walidata, version)
    before = snapshot(version)
    refused = walidata.post(review_url(version, "tarik"), {"token": token, "reason": "  "})
    assert refused.status_code == 400 and "Please write the reason." in refused.content.decode()
    assert snapshot(version) == before
    for role in ("produsen_own", "pembina", "pimpinan"):
        response = client_for(role).post(
            review_url(version, "tarik"), {"token": token, "reason": "Saya mau"}
        )
        assert response.status_code == 403, role
    assert snapshot(version) == before
    with django_capture_on_commit_callbacks(execute=True):
        done = walidata.post(
            review_url(version, "tarik"), {"token": token, "reason": "Angka salah hitung."}
        )
    assert done.status_code == 302
    version.refresh_from_db()
    dataset.refresh_from_db()
    assert version.status == "ditarik"
    assert dataset.state == "withdrawn" and dataset.published_version_id is None
    assert anonymous.get("/dataset/data-ditarik").status_code == 404
    assert anonymous.get("/dataset/data-ditarik/unduh.csv").status_code == 404
    assert client_for("produsen_other").get("/dataset/data-ditarik").status_code == 404
    event = AuditEvent.objects.filter(action="workflow.withdraw").get()
    assert event.changes["note"] == "Angka salah hitung."
    assert event.changes["state"] == ["published", "withdrawn"]
    # The owner still sees the version, marked withdrawn, with the reason in its history.
    page = client_for("produsen_own").get(review_url(version)).content.decode()
    assert "Withdrawn" in page and "Angka salah hitung." in page
    assert "Withdrawn" in client_for("produsen_own").get("/dataset/data-ditarik").content.decode()
    # Withdrawing again: out of order.
    with pytest.raises(Conflict, match="cannot be withdrawn: it is withdrawn"):
        services.withdraw(world.users["walidata"], version, reason="Lagi.")
