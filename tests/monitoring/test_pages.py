"""Permissions of every page, the import (good and bad files, all or nothing), exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from satudata.core.audit import verify_chain
from satudata.core.models import AuditEvent
from satudata.monitoring.models import DaftarData, DataPromise

OVERSEERS = {"walidata", "pembina", "pimpinan", "admin", "superuser"}
EDITORS = {"walidata", "admin", "superuser"}
ROLES = [
    "user",
    "produsen_own",
    "produsen_other",
    "walidata",
    "pembina",
    "pimpinan",
    "operator_desa",
    "verifikator_kecamatan",
    "admin",
    "superuser",
]


def client_as(client, world, role):
    client.force_login(world.users[role])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_monitoring_pages_only_for_walidata_pembina_pimpinan(client, scenario, role):
    world = scenario["world"]
    client_as(client, world, role)
    urls = [
        "/monitoring/?tahun=2026",
        f"/monitoring/{world.owner.slug}/?tahun=2026",
        "/monitoring/skor.xlsx?tahun=2026",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == (200 if role in OVERSEERS else 404), url
    home = client.get("/").content.decode()
    assert ('href="/monitoring/"' in home) == (role in OVERSEERS)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, scenario):
    for url in ["/monitoring/", "/daftar-data/", "/daftar-data/templat.xlsx"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/akun/masuk/" in response["Location"]


@pytest.mark.django_db
def test_dashboard_shows_the_figures(client, scenario):
    world = scenario["world"]
    html = client_as(client, world, "pimpinan").get("/monitoring/?tahun=2026").content.decode()
    assert world.owner.name in html and world.other.name in html
    # At the real date (after 2026-07-15) the June promise is overdue too: A scores
    # (40 * 25 + 20 * 50 + 20 * 70 + 20 * 50) / 100 = 44.0 (the fixture's date gives 50.7).
    assert "44.0" in html or "44,0" in html
    assert "monitoring-trend-data" in html
    detail = client.get(f"/monitoring/{world.owner.slug}/?tahun=2026").content.decode()
    assert "Kunjungan Pasien" in detail and "Stok Obat" in detail


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_daftar_detail_visibility(client, scenario, role):
    world = scenario["world"]
    response = client_as(client, world, role).get(f"/daftar-data/2026/{world.owner.slug}/")
    visible = role in OVERSEERS or role == "produsen_own"
    assert response.status_code == (200 if visible else 404)
    listing = client.get("/daftar-data/?tahun=2026").content.decode()
    assert (world.owner.name in listing) == visible


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_walidata_edits(client, scenario, role):
    world = scenario["world"]
    promise = scenario["promises"]["not_due"]
    client_as(client, world, role)
    before = DataPromise.objects.count()
    add = client.post(
        f"/daftar-data/2026/{world.owner.slug}/",
        {"title": "Data Baru", "frequency": "yearly", "period": "2025"},
    )
    edit = client.post(
        f"/daftar-data/janji/{promise.pk}/ubah",
        {"title": "Stok Obat Diubah", "frequency": "monthly", "period": "2026-06"},
    )
    template = client.get("/daftar-data/templat.xlsx")
    if role in EDITORS:
        assert add.status_code == 302 and edit.status_code == 302 and template.status_code == 200
        assert DataPromise.objects.count() == before + 1
        promise.refresh_from_db()
        assert promise.title == "Stok Obat Diubah"
        delete = client.post(f"/daftar-data/janji/{promise.pk}/hapus")
        assert delete.status_code == 302
        assert not DataPromise.objects.filter(pk=promise.pk).exists()
    else:
        assert {add.status_code, edit.status_code, template.status_code} == {404}
        assert client.post(f"/daftar-data/janji/{promise.pk}/hapus").status_code == 404
        assert DataPromise.objects.count() == before
        promise.refresh_from_db()
        assert promise.title == "Stok Obat"


@pytest.mark.django_db
def test_promise_edits_are_audited_and_bad_periods_refused(client, scenario):
    world = scenario["world"]
    client_as(client, world, "walidata")
    response = client.post(
        f"/daftar-data/2026/{world.owner.slug}/",
        {"title": "Data Baru", "frequency": "monthly", "period": "2026-13"},
    )
    assert response.status_code == 400
    assert (
        "between 1 and 12" in response.content.decode() or "antara 1" in response.content.decode()
    )
    client.post(
        f"/daftar-data/2026/{world.owner.slug}/",
        {"title": "Data Baru", "frequency": "quarterly", "period": "2026-T2"},
    )
    promise = DataPromise.objects.get(title="Data Baru")
    assert promise.due_date.isoformat() == "2026-07-15"
    assert AuditEvent.objects.filter(action="daftar_data.promise_add").count() >= 6
    assert verify_chain().ok


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["organisation", "title", "dataset", "frequency", "period", "notes"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["organisation", "title", "dataset", "frequency", "period", "notes"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.django_db
def test_template_download_has_the_columns(client, scenario):
    data = client_as(client, scenario["world"], "walidata").get("/daftar-data/templat.xlsx")
    sheet = load_workbook(io.BytesIO(data.content)).active
    assert [c.value for c in sheet[1]] == [
        "organisation",
        "title",
        "dataset",
        "frequency",
        "period",
        "notes",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_import_good_file(client, scenario, kind):
    world = scenario["world"]
    rows = [
        [world.owner.slug, "Jumlah Dokter", "mon-d1", "tahunan", "2025", ""],
        [world.other.name, "Kunjungan Wisatawan Bulanan", "", "bulanan", "2027-01", "catatan"],
        [world.owner.slug, "Jumlah Puskesmas", "mon-d1", "yearly", "2025", ""],  # unchanged
    ]
    data = _xlsx(rows) if kind == "xlsx" else _csv(rows)
    client_as(client, world, "walidata")
    upload = io.BytesIO(data)
    upload.name = f"daftar.{kind}"
    response = client.post("/daftar-data/impor", {"year": 2026, "file": upload})
    assert response.status_code == 302
    assert DataPromise.objects.filter(title="Jumlah Dokter", dataset__slug="mon-d1").exists()
    created = DataPromise.objects.get(title="Kunjungan Wisatawan Bulanan")
    assert created.organisation == world.other and created.due_date.isoformat() == "2027-02-15"
    assert AuditEvent.objects.filter(action="daftar_data.import").count() == 1


@pytest.mark.django_db
def test_import_bad_file_changes_nothing(client, scenario):
    world = scenario["world"]
    rows = [
        [world.owner.slug, "Jumlah Dokter", "", "yearly", "2025", ""],
        ["dinas-tidak-ada", "Data X", "", "yearly", "2025", ""],
        [world.owner.slug, "Data Y", "dataset-tidak-ada", "monthly", "2026-01", ""],
        [world.owner.slug, "Data Z", "mon-d3", "monthly", "2026-01", ""],  # other agency's
        [world.owner.slug, "Data W", "", "weekly", "2026-01", ""],
    ]
    before = (DataPromise.objects.count(), DaftarData.objects.count(), AuditEvent.objects.count())
    client_as(client, world, "walidata")
    upload = io.BytesIO(_xlsx(rows))
    upload.name = "daftar.xlsx"
    response = client.post("/daftar-data/impor", {"year": 2027, "file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    for needle in ["dinas-tidak-ada", "dataset-tidak-ada", "Kunjungan Wisatawan", "weekly"]:
        assert needle in html
    assert "4" in html
    after = (DataPromise.objects.count(), DaftarData.objects.count(), AuditEvent.objects.count())
    assert after == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("daftar.xlsx", b"PK\x03\x04 not really a workbook"),
        ("daftar.csv", b"\xff\xfe\x00bad"),
        ("daftar.csv", b"judul,lain\nx,y\n"),
        ("daftar.csv", b""),
        ("daftar.pdf", b"%PDF-1.4"),
    ],
)
def test_import_hostile_files_get_a_message(client, scenario, name, data):
    client_as(client, scenario["world"], "walidata")
    before = DataPromise.objects.count()
    upload = io.BytesIO(data)
    upload.name = name
    response = client.post("/daftar-data/impor", {"year": 2026, "file": upload})
    assert response.status_code in (302, 400)
    assert DataPromise.objects.count() == before
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_scorecard_exports(client, scenario):
    client_as(client, scenario["world"], "pembina")
    xlsx = client.get("/monitoring/skor.xlsx?tahun=2026")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0)
    values = rows.to_python()
    assert values[1][1] == scenario["world"].other.name and values[2][2] == 44.0
    pdf = client.get("/monitoring/skor.pdf?tahun=2026")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_cached_figures_follow_every_change_at_once(client, scenario):
    """The dashboard caches its per-agency promise counts; a new promise, a delivery and a
    removed promise show on the very next request (no stale figures for the Forum)."""
    from satudata.core.permissions import SYSTEM
    from satudata.monitoring import services
    from satudata.monitoring.models import DaftarData
    from tests.factories import upload_csv

    world = scenario["world"]
    client_as(client, world, "walidata")

    def owner_row():
        rows = client.get("/monitoring/?tahun=2026").context["rows"]
        row = next(row for row in rows if row.organisation == world.owner)
        return (row.promised, row.delivered, row.overdue)

    promised, delivered, overdue = owner_row()
    assert owner_row() == (promised, delivered, overdue)  # cached, same answer
    daftar = DaftarData.objects.get(organisation=world.owner, year=2026)
    d1 = scenario["datasets"][0]
    new = services.save_promise(
        SYSTEM, daftar, title="Jumlah Puskesmas", frequency="monthly", period="2026-03", dataset=d1
    )
    assert owner_row() == (promised + 1, delivered, overdue + 1)
    upload_csv(d1, "kode,jumlah\n51.05,7\n")  # a draft is not a delivery
    assert owner_row() == (promised + 1, delivered, overdue + 1)
    from satudata.warehouse.models import Version

    newest = Version.objects.filter(dataset=d1).order_by("-number").first()
    newest.status = "diajukan"
    newest.save(update_fields=["status"])  # submitted: delivered (late) now
    assert owner_row() == (promised + 1, delivered + 1, overdue)
    services.delete_promise(SYSTEM, new)
    assert owner_row() == (promised, delivered, overdue)


@pytest.mark.django_db
def test_drill_down_filters_by_status_and_pages(client, scenario, settings):
    """The Forum opens "what is overdue at this agency"; long lists come a page at a time."""
    world = scenario["world"]
    client_as(client, world, "pimpinan")
    base = f"/monitoring/{world.owner.slug}/?tahun=2026"
    overdue = client.get(base + "&status=overdue").context["promises"]
    assert overdue.paginator.count >= 1
    assert {p.status for p in overdue} == {"overdue"}
    everything = client.get(base + "&status=tidak-ada").context["promises"]  # unknown: all
    assert everything.paginator.count == 4
    settings.SATUDATA_MONITORING_PAGE_SIZE = 3
    first = client.get(base)
    assert len(first.context["promises"]) == 3 and "halaman=2" in first.content.decode()
    second = client.get(base + "&halaman=2").context["promises"]
    assert len(second) == 1
    assert client.get(base + "&halaman=999").context["promises"].number == 2
