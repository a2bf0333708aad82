"""Upload page, preview partial, downloads and publish button, as users see them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from satudata.catalog.services import create_dataset
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.warehouse.services import ingest_upload, publish_version
from tests.factories import CODE_CSV, CODE_VALUES, COMPLETE_METADATA, verify
from tests.warehouse.test_ingest import PNG_BYTES, stored_state

FORMULA_CSV = (
    "kode,catatan,nilai\n"
    '0101,=HYPERLINK("http://x";"klik"),-5\n'
    "0102,+62 812,-1.5\n"
    "0103,-tidak ada,3\n"
    "0104,@SUM(A1),0\n"
    '0105,"\ttab",1\n'
    "0106,biasa,2\n"
    "0107,-,4\n"
)


def upload_url(dataset):
    return reverse("warehouse:upload", args=[dataset.slug])


def post_file(client, dataset, data: bytes, name: str = "data.csv", message: str = ""):
    return client.post(
        upload_url(dataset),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "message": message},
    )


def download(client, dataset, fmt: str, number: int | None = None):
    if number is None:
        url = reverse("warehouse:download", args=[dataset.slug, fmt])
    else:
        url = reverse("warehouse:version_download", args=[dataset.slug, number, fmt])
    return client.get(url)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def published(world):
    dataset = create_dataset(
        SYSTEM, organisation=world.owner, title="Kode uji", **COMPLETE_METADATA
    )
    version = ingest_upload(SYSTEM, dataset, filename="kode.csv", data=CODE_CSV.encode()).version
    publish_version(SYSTEM, version)
    dataset.refresh_from_db()
    return dataset


# --- upload --------------------------------------------------------------------------------


def test_upload_page_shows_accept_list_and_limit(client_for, dataset, settings):
    settings.SATUDATA_UPLOAD_MAX_MB = 7
    response = client_for("produsen_own").get(upload_url(dataset))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'accept=".csv,.tsv,.tab,.txt,.geojson,.json,.xml,.xlsx,.xls,.ods,.zip"' in html
    assert "at most 7 MB" in html


def test_upload_creates_version_and_redirects_with_message(client_for, dataset):
    client = client_for("produsen_own")
    response = post_file(client, dataset, CODE_CSV.encode(), message="data awal")
    # The upload became a job; its status page shows the result (tests/warehouse/test_jobs.py).
    assert response.status_code == 302
    job = dataset.ingest_jobs.get()
    assert response["Location"] == reverse("warehouse:job", args=[dataset.slug, job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Version 1 created" in page
    version = dataset.versions.get()
    assert version.message == "data awal" and version.source_filename == "data.csv"
    # The same file again: no new version, and the page says so.
    response = post_file(client, dataset, CODE_CSV.encode(), name="lagi.csv")
    page = client.get(response["Location"]).content.decode()
    assert "unchanged" in page and "no new version" in page
    assert dataset.versions.count() == 1


def test_upload_errors_are_shown_in_the_form(client_for, dataset):
    client = client_for("produsen_own")
    before = stored_state()
    response = post_file(client, dataset, PNG_BYTES)
    assert response.status_code == 400
    assert "is a PNG image, not a CSV text file" in response.content.decode()
    response = post_file(client, dataset, b"a,b\n1,2\n3\n4,5,6\n")
    html = response.content.decode()
    assert "Row 3 has fewer cells" in html and "Row 4 has more cells" in html
    assert stored_state() == before


def test_upload_errors_in_indonesian(world, dataset):
    from django.test import Client

    client = Client()  # no language chosen: Indonesian, the default
    client.force_login(world.users["produsen_own"])
    response = post_file(client, dataset, PNG_BYTES)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'lang="id"' in html and "bukan berkas teks CSV" in html


def test_oversize_upload_is_refused_before_ingest(client_for, dataset, settings):
    settings.SATUDATA_UPLOAD_MAX_MB = 1
    before = stored_state()
    response = post_file(client_for("produsen_own"), dataset, b"kode\n" + b"0101\n" * 300_000)
    assert response.status_code == 400
    assert "larger than the limit of 1 MB" in response.content.decode()
    assert stored_state() == before


def test_upload_requires_login(client, dataset):
    response = client.get(upload_url(dataset))
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_other_agency_cannot_upload(client_for, world):
    draft = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    published = create_dataset(
        SYSTEM, organisation=world.owner, title="Terbit", state="published", **COMPLETE_METADATA
    )
    client = client_for("produsen_other")
    before = stored_state()
    assert post_file(client, draft, CODE_CSV.encode()).status_code == 404  # hidden
    assert post_file(client, published, CODE_CSV.encode()).status_code == 403  # visible
    assert client.get(upload_url(published)).status_code == 403
    assert stored_state() == before


# --- preview -------------------------------------------------------------------------------


def test_code_values_exact_in_preview_html(client_for, published):
    response = client_for("anonymous").get(reverse("catalog:dataset_detail", args=[published.slug]))
    html = response.content.decode()
    for code in CODE_VALUES:
        assert f">{code}</td>" in html
    assert ">51.1</td>" not in html


def test_preview_partial_pages_and_sorts(client_for, world):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Banyak", **COMPLETE_METADATA)
    rows = "".join(f"K{i:03d},{i}\n" for i in range(60))
    version = ingest_upload(
        SYSTEM, dataset, filename="b.csv", data=("kode,nilai\n" + rows).encode()
    ).version
    publish_version(SYSTEM, version)
    client = client_for("anonymous")
    url = reverse("warehouse:preview", args=[dataset.slug])
    partial = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and ">K025</td>" in partial and ">K024</td>" not in partial
    assert "Rows 26\u201350 of 60" in partial
    page = client.get(url, {"sort": "nilai", "desc": "1"}).content.decode()
    assert "<html" in page  # works without JavaScript: a full page
    assert page.index(">K059</td>") < page.index(">K058</td>")
    assert 'aria-sort="descending"' in page
    # The sort link of the sorted column flips the direction.
    assert "sort=nilai&amp;desc=0" in page
    # Unknown sort columns and silly pages are ignored, not errors.
    hostile = client.get(url, {"sort": 'nilai"; DROP TABLE x; --', "page": "-9"})
    assert hostile.status_code == 200 and ">K000</td>" in hostile.content.decode()


def test_preview_of_hidden_dataset_is_404(client_for, world):
    draft = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    ingest_upload(SYSTEM, draft, filename="a.csv", data=CODE_CSV.encode())
    url = reverse("warehouse:preview", args=[draft.slug])
    assert client_for("anonymous").get(url).status_code == 404
    assert client_for("produsen_other").get(url).status_code == 404
    assert client_for("produsen_own").get(url).status_code == 200


def test_editors_see_the_newest_draft_labelled(client_for, published):
    ingest_upload(SYSTEM, published, filename="b.csv", data=b"kode_wilayah\n9999\n")
    page_url = reverse("catalog:dataset_detail", args=[published.slug])
    owner_html = client_for("produsen_own").get(page_url).content.decode()
    assert "Version 2 — not public yet." in owner_html and ">9999</td>" in owner_html
    assert "The public sees version 1." in owner_html
    public_html = client_for("anonymous").get(page_url).content.decode()
    assert ">9999</td>" not in public_html and ">51.10</td>" in public_html
    assert "not public yet" not in public_html


# --- downloads -----------------------------------------------------------------------------


def test_csv_download_keeps_codes_exactly(client_for, published):
    response = download(client_for("anonymous"), published, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{published.slug}-v1.csv"'
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8"))))
    assert rows[0] == ["kode_wilayah", "nama_wilayah", "jumlah"]
    assert [row[0] for row in rows[1:]] == list(CODE_VALUES)


def _formula_dataset(world):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Rumus", **COMPLETE_METADATA)
    version = ingest_upload(SYSTEM, dataset, filename="f.csv", data=FORMULA_CSV.encode()).version
    # The tab-padded cell is a validation warning (whitespace-value): acknowledged to publish.
    publish_version(SYSTEM, version, acknowledge_warnings=True)
    return dataset


def test_csv_download_escapes_formulas(client_for, world):
    dataset = _formula_dataset(world)
    text = body(download(client_for("anonymous"), dataset, "csv")).decode()
    rows = list(csv.reader(io.StringIO(text)))
    notes = [row[1] for row in rows[1:]]
    assert notes == [
        '\'=HYPERLINK("http://x";"klik")',
        "'+62 812",
        "'-tidak ada",
        "'@SUM(A1)",
        "'\ttab",
        "biasa",
        "-",  # the usual "no data" mark is not a formula: left alone
    ]
    # Negative numbers in a number column stay numbers.
    assert [row[2] for row in rows[1:3]] == ["-5.0", "-1.5"]


def test_xlsx_download_typed_and_escaped(client_for, world):
    dataset = _formula_dataset(world)
    response = download(client_for("anonymous"), dataset, "xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="{dataset.slug}-v1.xlsx"'
    workbook = load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == ["Data", "Metadata"]
    sheet = workbook["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("kode", "catatan", "nilai")
    assert rows[1] == ("0101", '\'=HYPERLINK("http://x";"klik")', -5)
    formula_cell = sheet["B2"]
    assert formula_cell.data_type == "s"  # text, never a formula
    assert sheet["A2"].data_type == "s" and sheet["C2"].data_type == "n"
    assert sheet["C3"].value == -1.5
    metadata_rows = workbook["Metadata"].iter_rows(values_only=True)
    metadata = {row[0]: row[1] for row in metadata_rows if row[0]}
    assert metadata["Dataset"] == "Rumus" and metadata["Version"] == 1


def test_xlsx_download_keeps_codes_as_text(client_for, published):
    workbook = load_workbook(io.BytesIO(body(download(client_for("anonymous"), published, "xlsx"))))
    codes = [row[0] for row in workbook["Data"].iter_rows(min_row=2, values_only=True)]
    assert codes == list(CODE_VALUES)


def test_downloads_go_through_visibility(client_for, world, published):
    draft = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    ingest_upload(SYSTEM, draft, filename="a.csv", data=CODE_CSV.encode())
    rahasia = create_dataset(
        SYSTEM,
        organisation=world.owner,
        title="Rahasia",
        classification="rahasia",
        **COMPLETE_METADATA,
    )
    publish_version(
        SYSTEM, ingest_upload(SYSTEM, rahasia, filename="a.csv", data=b"nik\n1\n").version
    )
    anonymous = client_for("anonymous")
    # Draft dataset: hidden from the public and other agencies, even by version number.
    assert download(anonymous, draft, "csv").status_code == 404
    assert download(anonymous, draft, "csv", number=1).status_code == 404
    assert download(client_for("produsen_other"), draft, "xlsx", number=1).status_code == 404
    # Its own agency may download the draft version, but it has no public version yet.
    owner = client_for("produsen_own")
    assert download(owner, draft, "csv", number=1).status_code == 200
    assert download(owner, draft, "csv").status_code == 404
    # Rahasia: only its agency and walidata.
    assert download(anonymous, rahasia, "csv").status_code == 404
    assert download(client_for("pembina"), rahasia, "csv").status_code == 404
    assert download(client_for("walidata"), rahasia, "csv").status_code == 200
    # A newer draft of a published dataset is not downloadable by the public.
    ingest_upload(SYSTEM, published, filename="b.csv", data=b"kode_wilayah\n9\n")
    assert download(anonymous, published, "csv", number=2).status_code == 404
    assert download(anonymous, published, "csv", number=1).status_code == 200
    # Unknown formats and versions.
    assert download(anonymous, published, "exe").status_code == 404
    assert download(anonymous, published, "csv", number=99).status_code == 404


# --- publish -------------------------------------------------------------------------------


def test_publish_button_only_for_walidata(client_for, dataset):
    version = ingest_upload(SYSTEM, dataset, filename="a.csv", data=CODE_CSV.encode()).version
    verify(version)  # the button is offered for verified versions (review workflow, issue 5)
    page_url = reverse("catalog:dataset_detail", args=[dataset.slug])
    publish_url = reverse("warehouse:publish", args=[dataset.slug, version.number])
    assert publish_url not in client_for("produsen_own").get(page_url).content.decode()
    assert client_for("produsen_own").post(publish_url).status_code == 403
    assert client_for("produsen_other").post(publish_url).status_code == 404
    walidata = client_for("walidata")
    assert publish_url in walidata.get(page_url).content.decode()
    assert walidata.get(publish_url).status_code == 405
    response = walidata.post(publish_url)
    assert response.status_code == 302
    assert "Version 1 is now the public version." in walidata.get(page_url).content.decode()
    version.refresh_from_db()
    assert version.status == "terbit"
    assert Version.objects.visible_to(None).filter(pk=version.pk).exists()


def test_long_cells_are_shortened_on_screen_only(client_for, world):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Panjang", **COMPLETE_METADATA)
    long_text = "x" * 5000
    version = ingest_upload(
        SYSTEM, dataset, filename="p.csv", data=f"kode,teks\n0101,{long_text}\n".encode()
    ).version
    publish_version(SYSTEM, version)
    anonymous = client_for("anonymous")
    html = anonymous.get(reverse("catalog:dataset_detail", args=[dataset.slug])).content.decode()
    assert "x" * 200 + "…" in html and "x" * 201 not in html
    rows = list(csv.reader(io.StringIO(body(download(anonymous, dataset, "csv")).decode())))
    assert rows[1][1] == long_text


def test_upload_checks_the_csrf_token(world, dataset):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["produsen_own"])
    before = stored_state()
    assert post_file(client, dataset, CODE_CSV.encode()).status_code == 403
    assert stored_state() == before
    page = client.get(upload_url(dataset))
    token = page.cookies["csrftoken"].value
    response = client.post(
        upload_url(dataset),
        {"file": SimpleUploadedFile("a.csv", CODE_CSV.encode()), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and dataset.versions.count() == 1
