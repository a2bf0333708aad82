"""The report pages as users meet them: public list and downloads, the walidata's editing, and
subscribing by e-mail with confirmation and unsubscribe links."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from openpyxl import load_workbook
from pypdf import PdfReader

from satudata.core import blobs
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.reports import services
from satudata.reports.models import Report, Section, Subscription
from tests.factories import make_dataset, read_form

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def edition(report):
    return services.generate_edition(SYSTEM, report, announce=False)


def test_public_list_shows_listed_reports_and_their_latest_edition(client, report, edition, world):
    hidden = services.create_report(
        SYSTEM, slug="lap-rahasia", title="Laporan Internal", is_public=False
    )
    page = client.get("/laporan/").content.decode()
    assert report.title in page and edition.period_label in page
    assert f"/laporan/{report.slug}/{edition.period_key}.pdf" in page
    assert hidden.title not in page
    assert client.get(f"/laporan/{hidden.slug}/").status_code == 404
    client.force_login(world.users["walidata"])
    assert hidden.title in client.get("/laporan/").content.decode()
    # unlisted reports are not announced, so nobody subscribes to them
    client.post(f"/laporan/{hidden.slug}/langganan", {"email": "orang.luar@example.org"})
    assert not Subscription.objects.exists() and not mail.outbox


def test_downloads_are_the_stored_files(client, report, edition):
    pdf = client.get(f"/laporan/{report.slug}/{edition.period_key}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == edition.pdf_size
    xlsx = client.get(f"/laporan/{report.slug}/{edition.period_key}.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    assert client.get(f"/laporan/{report.slug}/1999.pdf").status_code == 404


@pytest.mark.parametrize("role", ["produsen_own", "pembina", "user"])
def test_only_walidata_edit(client, report, world, role):
    client.force_login(world.users[role])
    assert client.get(f"/laporan/{report.slug}/ubah").status_code == 404
    assert client.post(f"/laporan/{report.slug}/terbitkan").status_code == 404
    assert client.get("/laporan/baru").status_code == 404
    section = report.sections.first()
    assert client.post(f"/laporan/{report.slug}/bagian/{section.pk}/hapus").status_code == 404
    assert report.sections.count() == 3 and not report.editions.exists()


def test_anonymous_is_sent_to_log_in(client, report):
    response = client.get(f"/laporan/{report.slug}/ubah")
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_walidata_builds_a_report_in_the_browser_forms(client, world, dataset):
    client.force_login(world.users["walidata"])
    form = read_form(client.get("/laporan/baru").content.decode(), with_field="slug")
    form.fields.update(slug="lap-web", title="Laporan Web", schedule="quarterly")
    response = client.post("/laporan/baru", form.fields)
    assert response.status_code == 302
    report = Report.objects.get(slug="lap-web")
    assert report.schedule == "quarterly"

    page = client.get("/laporan/lap-web/bagian/baru").content.decode()
    form = read_form(page, with_field="kind")
    form.fields.update(
        kind="table",
        title="Tabel Penduduk",
        dataset=str(dataset.pk),
        columns="nama_kecamatan, tidak_ada",
    )
    response = client.post("/laporan/lap-web/bagian/baru", form.fields)
    # a column that does not exist: a clear message, nothing saved
    assert response.status_code == 400
    assert "tidak_ada" in response.content.decode()
    assert not report.sections.exists()

    form.fields.update(columns="nama_kecamatan, penduduk", conditions="tahun eq 2020")
    assert client.post("/laporan/lap-web/bagian/baru", form.fields).status_code == 302
    form.fields.update(kind="text", title="Pengantar Bab", body="Isi bab.", dataset="")
    assert client.post("/laporan/lap-web/bagian/baru", form.fields).status_code == 302
    first, second = report.sections.order_by("position")
    assert first.config["conditions"] == [{"field": "tahun", "op": "eq", "value": "2020"}]

    client.post(f"/laporan/lap-web/bagian/{second.pk}/geser", {"arah": "naik"})
    assert list(report.sections.order_by("position").values_list("title", flat=True)) == [
        "Pengantar Bab",
        "Tabel Penduduk",
    ]
    response = client.post("/laporan/lap-web/terbitkan")
    assert response.status_code == 302
    edition = report.editions.get()
    assert edition.period_key.count("-T") == 1 and edition.page_count >= 4
    assert AuditEvent.objects.filter(action="reports.generate").exists()
    assert AuditEvent.objects.filter(action="reports.section_add").count() == 2

    client.post(f"/laporan/lap-web/bagian/{first.pk}/hapus")
    assert list(report.sections.values_list("title", flat=True)) == ["Pengantar Bab"]


def test_sections_refuse_data_the_public_may_not_see(world, report):
    from satudata.core.errors import ValidationFailed

    secret = make_dataset(
        world.owner,
        title="Data Terbatas",
        slug="lap-terbatas",
        state="published",
        classification="terbatas",
    )
    with pytest.raises(ValidationFailed, match="not public"):
        services.save_section(SYSTEM, report, kind="table", title="Rahasia", dataset=secret)
    assert report.sections.count() == 3


def _link(body: str, word: str) -> str:
    return re.search(r"https?://\S+/laporan/langganan/\S+/" + word, body).group(0)


def test_subscribe_by_address_confirm_and_unsubscribe(client, report, settings):
    settings.SATUDATA_SITE_URL = "http://testserver"
    response = client.post(f"/laporan/{report.slug}/langganan", {"email": "warga@example.org"})
    assert response.status_code == 302
    subscription = Subscription.objects.get(report=report)
    assert not subscription.is_active
    assert [m.to for m in mail.outbox] == [["warga@example.org"]]
    confirm = _link(mail.outbox[0].body, "konfirmasi").removeprefix("http://testserver")

    # Asking again within the hour sends no second e-mail (the form cannot flood a mailbox).
    client.post(f"/laporan/{report.slug}/langganan", {"email": "WARGA@example.org"})
    assert len(mail.outbox) == 1 and Subscription.objects.count() == 1

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    assert client.get(confirm).status_code == 200
    subscription.refresh_from_db()
    assert not subscription.is_active
    client.post(confirm)
    subscription.refresh_from_db()
    assert subscription.is_active

    mail.outbox.clear()
    edition = services.generate_edition(SYSTEM, report)
    assert len(mail.outbox) == 1 and edition.period_label in mail.outbox[0].subject
    cancel = _link(mail.outbox[0].body, "berhenti").removeprefix("http://testserver")
    client.post(cancel)
    assert not Subscription.objects.exists()
    assert client.get(cancel).status_code == 404
    # the address is in no audit event
    assert not AuditEvent.objects.filter(changes__icontains="warga@").exists()


def test_logged_in_user_subscribes_with_own_address(client, report, world):
    user = world.users["user"]
    user.email = "pengguna@example.org"
    user.save()
    client.force_login(user)
    client.post(f"/laporan/{report.slug}/langganan", {"email": ""})
    subscription = Subscription.objects.get(report=report)
    assert subscription.is_active and subscription.email == "pengguna@example.org"
    assert not mail.outbox


@pytest.mark.parametrize("email", ["bukan-alamat", "a@b", "x" * 300 + "@example.org"])
def test_bad_addresses_are_refused(client, report, email):
    client.post(f"/laporan/{report.slug}/langganan", {"email": email})
    assert not Subscription.objects.exists() and not mail.outbox


def test_hostile_titles_stay_text(world, dataset):
    title = '<script>alert(1)</script> "Laporan" \\ =SUM(A1)'
    report = services.create_report(SYSTEM, slug="lap-jahat", title=title)
    services.save_section(SYSTEM, report, kind="table", title="=cmd|' /C calc'!A0", dataset=dataset)
    edition = services.generate_edition(SYSTEM, report)
    assert Section.objects.filter(report=report).count() == 1
    with blobs.open_blob(edition.pdf_sha256) as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    first_pages = " ".join(page.extract_text() for page in reader.pages[:3])
    assert "<script>alert(1)</script>" in first_pages  # printed as text, not markup
    # the page header (a CSS string) carries the title with its quotes and backslash intact
    assert '"Laporan" \\ =SUM(A1)' in reader.pages[2].extract_text()
    with blobs.open_blob(edition.xlsx_sha256) as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in cells)
    assert "'=cmd|' /C calc'!A0" in cells


def test_preview_is_a_pdf_that_is_neither_stored_nor_announced(client, report, world):
    client.force_login(world.users["walidata"])
    response = client.get(f"/laporan/{report.slug}/pratinjau.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert not report.editions.exists() and not mail.outbox
    client.force_login(world.users["pimpinan"])
    assert client.get(f"/laporan/{report.slug}/pratinjau.pdf").status_code == 404


def test_regenerating_a_period_keeps_one_edition_and_announces_once(report, world):
    user = world.users["user"]
    user.email = "sekali@example.org"
    user.save()
    services.subscribe(user, report)
    first = services.generate_edition(SYSTEM, report)
    services.update_report(SYSTEM, report, title="Judul Baru", schedule="monthly")
    second = services.generate_edition(SYSTEM, report)
    assert first.pk == second.pk and report.editions.count() == 1
    assert second.pdf_sha256 != first.pdf_sha256  # new files for the same period
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="reports.regenerate").count() == 1
