"""Downloads in every format, each opened with its own parser: values exact, codes as text,
formulas escaped, strong ETags with 304, safe file names, streaming, and the permission layer."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pyarrow.parquet as pq
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from satudata.catalog.services import create_dataset
from satudata.core.permissions import SYSTEM
from satudata.warehouse.exports import export_formats
from satudata.warehouse.exports.xlsx import export_xlsx
from satudata.warehouse.services import ingest_upload, publish_version
from tests.factories import COMPLETE_METADATA

# The shared data folder sits next to the repository (../shared/data on a clean clone);
# SATUDATA_SHARED_DIR points elsewhere.
SHARED = (
    Path(os.environ.get("SATUDATA_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
    / "data"
)
KECAMATAN_CSV = SHARED / "stats" / "klungkung_penduduk_kecamatan_sp2010_sp2020.csv"
BOUNDARIES = SHARED / "boundaries" / "klungkung_kecamatan.geojson"
pytestmark = pytest.mark.skipif(
    not (KECAMATAN_CSV.is_file() and BOUNDARIES.is_file()), reason=f"shared data absent: {SHARED}"
)
FORMULA_CSV = (
    "kode,catatan,nilai\n"
    '0101,=HYPERLINK("http://x";"klik"),-5\n'
    "0102,+62 812,-1.5\n"
    "0103,-tidak ada,3\n"
    "0104,@SUM(A1),0\n"
    "0105,-,4\n"
)
TRICKY_CSV = (
    "kode,teks,jumlah,tanggal,aktif\n"
    '0101,"koma, dan ""kutip""",1,2024-01-31,true\n'
    '0102,"baris\nbaru",,2024-02-01,false\n'
    "0103,<b>&amp;</b>,3,,\n"
)


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def get(client, dataset, fmt: str, number: int | None = None, **headers):
    if number is None:
        url = reverse("warehouse:download", args=[dataset.slug, fmt])
    else:
        url = reverse("warehouse:version_download", args=[dataset.slug, number, fmt])
    return client.get(url, headers=headers)


def make_published(world, title: str, data: bytes, filename: str):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title=title, **COMPLETE_METADATA)
    version = ingest_upload(SYSTEM, dataset, filename=filename, data=data).version
    publish_version(SYSTEM, version, acknowledge_warnings=True)
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def kecamatan(world):
    return make_published(
        world, "Penduduk kecamatan Klungkung", KECAMATAN_CSV.read_bytes(), KECAMATAN_CSV.name
    )


@pytest.fixture
def expected_rows():
    with KECAMATAN_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- every format opens with its parser ------------------------------------------------------


def test_csv(client_for, kecamatan, expected_rows):
    response = get(client_for("anonymous"), kecamatan, "csv")
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))
    assert [r["kode_kecamatan"] for r in rows] == [r["kode_kecamatan"] for r in expected_rows]
    assert rows[0]["kode_kecamatan"] == "51.05.01" and rows[0]["nama_kecamatan"] == "Nusa Penida"
    assert float(rows[2]["kepadatan_per_km2_2020"]) == 2211.2
    assert int(rows[3]["penduduk_sp2020"]) == 40889


def test_csv_quoting_and_empty_cells(client_for, world):
    dataset = make_published(world, "Teks sulit", TRICKY_CSV.encode(), "t.csv")
    text = body(get(client_for("anonymous"), dataset, "csv")).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["0101", 'koma, dan "kutip"', "1", "2024-01-31", "true"]
    assert rows[2] == ["0102", "baris\nbaru", "", "2024-02-01", "false"]
    assert rows[3] == ["0103", "<b>&amp;</b>", "3", "", ""]


def test_csv_escapes_formulas(client_for, world):
    dataset = make_published(world, "Rumus", FORMULA_CSV.encode(), "f.csv")
    rows = list(
        csv.reader(io.StringIO(body(get(client_for("anonymous"), dataset, "csv")).decode()))
    )
    assert [row[1] for row in rows[1:]] == [
        '\'=HYPERLINK("http://x";"klik")',
        "'+62 812",
        "'-tidak ada",
        "'@SUM(A1)",
        "-",
    ]
    assert [row[2] for row in rows[1:3]] == ["-5.0", "-1.5"]  # numbers are never escaped


def test_xlsx_typed_with_metadata_sheet(client_for, kecamatan, expected_rows):
    response = get(client_for("anonymous"), kecamatan, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == ["Data", "Metadata"]
    rows = list(workbook["Data"].iter_rows(values_only=True))
    assert rows[0][0] == "kode_kecamatan"
    assert [r[0] for r in rows[1:]] == [r["kode_kecamatan"] for r in expected_rows]
    assert rows[1][3] == 202.84 and rows[1][4] == 45110 and isinstance(rows[1][4], int)
    assert workbook["Data"]["A2"].data_type == "s"
    metadata = {r[0]: r[1] for r in workbook["Metadata"].iter_rows(values_only=True) if r[0]}
    assert metadata["Dataset"] == "Penduduk kecamatan Klungkung" and metadata["Rows"] == 4


def test_xlsx_escapes_formulas(client_for, world):
    dataset = make_published(world, "Rumus", FORMULA_CSV.encode(), "f.csv")
    sheet = load_workbook(io.BytesIO(body(get(client_for("anonymous"), dataset, "xlsx"))))["Data"]
    assert sheet["B2"].value == '\'=HYPERLINK("http://x";"klik")' and sheet["B2"].data_type == "s"
    assert sheet["C2"].value == -5 and sheet["C2"].data_type == "n"


def test_xlsx_continues_on_a_second_sheet_past_the_row_limit(kecamatan, tmp_path):
    version = kecamatan.published_version
    target = tmp_path / "x.xlsx"
    export_xlsx(version, target, sheet_max_rows=3)
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["Data", "Data 2", "Metadata"]
    first = list(workbook["Data"].iter_rows(values_only=True))
    second = list(workbook["Data 2"].iter_rows(values_only=True))
    assert first[0] == second[0]  # the header repeats
    assert [r[0] for r in first[1:] + second[1:]] == [
        "51.05.01",
        "51.05.02",
        "51.05.03",
        "51.05.04",
    ]


def test_a_built_xlsx_is_kept_and_not_built_again(client_for, kecamatan, monkeypatch):
    from satudata.warehouse.exports import xlsx

    builds = []
    real = xlsx.export_xlsx

    def counting(version, target, **kwargs):
        builds.append(version.number)
        real(version, target, **kwargs)

    monkeypatch.setattr(xlsx, "export_xlsx", counting)
    client = client_for("anonymous")
    first = body(get(client, kecamatan, "xlsx"))
    second = body(get(client, kecamatan, "xlsx"))
    assert first == second and len(builds) <= 1  # (an earlier test may have built it)
    builds.clear()
    client.cookies["django_language"] = "id"  # other labels in the metadata sheet: other file
    assert body(get(client, kecamatan, "xlsx")) != first and builds == [1]


def test_xlsx_not_offered_past_the_row_limit(client_for, kecamatan, settings):
    """A version longer than SATUDATA_XLSX_MAX_ROWS (default: one Excel sheet) is offered as
    CSV, Parquet … but not as XLSX; the XLSX address says why and links the other formats."""
    from satudata.warehouse.exports.xlsx import XLSX_SHEET_MAX_ROWS, xlsx_max_rows

    assert xlsx_max_rows() == XLSX_SHEET_MAX_ROWS == 1_048_575
    settings.SATUDATA_XLSX_MAX_ROWS = 3  # the Klungkung table has 4 rows
    client = client_for("anonymous")
    response = get(client, kecamatan, "xlsx")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Version 1 has 4 rows, more than XLSX offers (3 rows" in html
    assert "download it as CSV or Parquet" in html
    assert f'/dataset/{kecamatan.slug}/versi/1/unduh.csv" download' in html
    assert 'unduh.xlsx" download' not in html  # (the language switch names the address)
    assert get(client, kecamatan, "xlsx", number=1).status_code == 404
    assert get(client, kecamatan, "csv").status_code == 200
    page = client.get(reverse("catalog:dataset_detail", args=[kecamatan.slug])).content.decode()
    assert 'unduh.xlsx" download' not in page and "more than XLSX offers" in page
    settings.SATUDATA_XLSX_MAX_ROWS = 4
    assert get(client, kecamatan, "xlsx").status_code == 200


def test_json_array_of_records(client_for, kecamatan, expected_rows):
    response = get(client_for("anonymous"), kecamatan, "json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    records = json.loads(body(response))
    assert isinstance(records, list) and len(records) == len(expected_rows)
    assert records[0]["kode_kecamatan"] == "51.05.01"
    assert records[0]["penduduk_sp2020"] == 57370 and records[0]["luas_km2"] == 202.84
    assert records[3]["jumlah_kelurahan"] == 0


def test_json_nulls_dates_and_text(client_for, world):
    dataset = make_published(world, "Teks sulit", TRICKY_CSV.encode(), "t.csv")
    records = json.loads(body(get(client_for("anonymous"), dataset, "json")))
    assert records[0] == {
        "kode": "0101",
        "teks": 'koma, dan "kutip"',
        "jumlah": 1,
        "tanggal": "2024-01-31",
        "aktif": True,
    }
    assert records[1]["jumlah"] is None and records[1]["teks"] == "baris\nbaru"
    assert records[2]["tanggal"] is None and records[2]["aktif"] is None


def test_json_of_a_version_spanning_several_batches(client_for, world, monkeypatch):
    from satudata.warehouse.exports import rows as export_rows

    monkeypatch.setattr(export_rows, "BATCH_ROWS", 7)
    monkeypatch.setattr(export_rows.stream_lines, "__defaults__", ("", 7))
    data = "kode,nilai\n" + "".join(f"K{i:03d},{i}\n" for i in range(50))
    dataset = make_published(world, "Banyak", data.encode(), "b.csv")
    records = json.loads(body(get(client_for("anonymous"), dataset, "json")))
    assert [r["nilai"] for r in records] == list(range(50))
    text = body(get(client_for("anonymous"), dataset, "csv")).decode()
    assert [row[0] for row in csv.reader(io.StringIO(text))][1:] == [f"K{i:03d}" for i in range(50)]


def test_xml(client_for, world):
    data = TRICKY_CSV.replace("teks", "teks catatan").encode() + b"0104,ctrl\x01char,4,,\n"
    dataset = make_published(world, "Teks sulit", data, "t.csv")
    response = get(client_for("anonymous"), dataset, "xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ElementTree.fromstring(body(response))
    assert root.tag == "dataset" and root.get("version") == "1"
    fields = {f.get("name"): f.get("element") for f in root.find("fields")}
    assert fields["teks catatan"] == "teks_catatan"
    records = root.find("records").findall("record")
    assert len(records) == 4
    assert records[0].findtext("kode") == "0101"
    assert records[0].findtext("teks_catatan") == 'koma, dan "kutip"'
    assert records[0].findtext("jumlah") == "1"
    assert records[1].find("jumlah") is None  # empty cells are left out
    assert records[2].findtext("teks_catatan") == "<b>&amp;</b>"
    assert records[3].findtext("teks_catatan") == "ctrlchar"  # XML forbids U+0001


def test_parquet_is_the_blob_itself(client_for, kecamatan):
    from satudata.core import blobs

    response = get(client_for("anonymous"), kecamatan, "parquet")
    data = body(response)
    version = kecamatan.published_version
    assert data == blobs.blob_path(version.parquet_sha256).read_bytes()
    table = pq.read_table(io.BytesIO(data))
    assert table.column("kode_kecamatan").to_pylist()[0] == "51.05.01"
    assert str(table.schema.field("kode_kecamatan").type) == "string"


def test_geojson_round_trip(client_for, world):
    dataset = make_published(world, "Batas kecamatan", BOUNDARIES.read_bytes(), BOUNDARIES.name)
    original = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    response = get(client_for("anonymous"), dataset, "geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body(response))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(original["features"])
    for ours, theirs in zip(collection["features"], original["features"], strict=True):
        assert ours["type"] == "Feature"
        assert ours["geometry"] == theirs["geometry"]
        assert ours["properties"]["kode"] == theirs["properties"]["kode"]
        assert ours["properties"]["nama"] == theirs["properties"]["nama"]
        assert ours["properties"]["lat"] == pytest.approx(theirs["properties"]["lat"])


def test_geojson_only_for_spatial_versions(client_for, kecamatan):
    from satudata.warehouse.exports import formats_for

    assert get(client_for("anonymous"), kecamatan, "geojson").status_code == 404
    offered = [fmt.key for fmt in formats_for(kecamatan.published_version)]
    assert offered == ["csv", "xlsx", "json", "xml", "parquet", "zip"]
    page = client_for("anonymous").get(reverse("catalog:dataset_detail", args=[kecamatan.slug]))
    assert "unduh.geojson" not in page.content.decode()
    assert f"/dataset/{kecamatan.slug}/unduh.zip" in page.content.decode()


def test_data_package_zip(client_for, kecamatan, expected_rows):
    response = get(client_for("anonymous"), kecamatan, "zip")
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{kecamatan.slug}-v1-datapackage.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    package = json.loads(archive.read("datapackage.json"))
    assert package["title"] == "Penduduk kecamatan Klungkung"
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"][0]["name"] == kecamatan.licence
    (resource,) = package["resources"]
    fields = kecamatan.published_version.table_schema["fields"]
    assert [f["name"] for f in resource["schema"]["fields"]] == [f["name"] for f in fields]
    assert resource["format"] == "csv" and resource["encoding"] == "utf-8"
    rows = list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
    assert [r["kode_kecamatan"] for r in rows] == [r["kode_kecamatan"] for r in expected_rows]
    fields = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    assert fields["kode_kecamatan"] == "string"


def test_every_offered_format_downloads(client_for, kecamatan):
    client = client_for("anonymous")
    for key, fmt in export_formats().items():
        response = get(client, kecamatan, key, number=1)
        if fmt.spatial_only:
            assert response.status_code == 404
            continue
        assert response.status_code == 200, key
        assert body(response), key
        assert response["Content-Disposition"] == (
            f'attachment; filename="{kecamatan.slug}-v1'
            f'{"-datapackage" if key == "zip" else ""}.{fmt.extension}"'
        )


def test_data_package_is_valid_frictionless(client_for, world, tmp_path):
    """Indonesian number formats and day-first dates in the source: the package's schema
    describes the exported CSV (plain numbers, ISO dates), and frictionless agrees."""
    from frictionless import Package

    data = (
        "kode;jumlah;nilai;tanggal\n"
        "0101;1.234.567;12,5;31/01/2024\n"
        "0102;2.000;-;01/02/2024\n"
        "0103;-;3,25;15/03/2024\n"
    )
    dataset = make_published(world, "Format Indonesia", data.encode(), "id.csv")
    archive = zipfile.ZipFile(io.BytesIO(body(get(client_for("anonymous"), dataset, "zip"))))
    archive.extractall(tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert "decimalChar" not in fields["nilai"] and "groupChar" not in fields["jumlah"]
    assert fields["tanggal"]["format"] == "default"
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / package["resources"][0]["path"]).read_text()))
    )
    assert rows[0] == {
        "kode": "0101",
        "jumlah": "1234567",
        "nilai": "12.5",
        "tanggal": "2024-01-31",
    }
    assert rows[1]["nilai"] == "" and rows[2]["jumlah"] == ""


# --- ETag and 304 ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "xml", "parquet", "zip"])
def test_strong_etag_and_not_modified(client_for, kecamatan, fmt):
    client = client_for("anonymous")
    first = get(client, kecamatan, fmt)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert kecamatan.published_version.parquet_sha256 in etag
    assert first["Cache-Control"] == "public, no-cache"
    second = get(client, kecamatan, fmt)
    assert second["ETag"] == etag
    assert body(second) == body(first)  # strong: the same bytes every time
    not_modified = get(client, kecamatan, fmt, if_none_match=etag)
    assert not_modified.status_code == 304 and not_modified["ETag"] == etag
    assert not_modified.content == b""
    other = get(client, kecamatan, fmt, if_none_match='"something-else"')
    assert other.status_code == 200


def test_etag_differs_between_formats_and_versions(client_for, kecamatan):
    client = client_for("anonymous")
    etags = {get(client, kecamatan, fmt)["ETag"] for fmt in ("csv", "json", "xml", "xlsx")}
    assert len(etags) == 4
    changed = KECAMATAN_CSV.read_text(encoding="utf-8").replace("57370", "57371")
    version = ingest_upload(SYSTEM, kecamatan, filename="b.csv", data=changed.encode()).version
    publish_version(SYSTEM, version, acknowledge_warnings=True)
    assert get(client, kecamatan, "csv")["ETag"] not in etags
    # The old ETag no longer matches the current version: a full answer, not 304.
    old = get(client, kecamatan, "csv", number=1)["ETag"]
    assert get(client, kecamatan, "csv", if_none_match=old).status_code == 200


def test_metadata_formats_change_etag_with_the_metadata(client_for, kecamatan):
    from satudata.catalog.services import update_dataset

    client = client_for("anonymous")
    before = {fmt: get(client, kecamatan, fmt)["ETag"] for fmt in ("csv", "xlsx", "zip")}
    update_dataset(SYSTEM, kecamatan, title="Judul baru")
    after = {fmt: get(client, kecamatan, fmt)["ETag"] for fmt in ("csv", "xlsx", "zip")}
    assert after["csv"] == before["csv"]
    assert after["xlsx"] != before["xlsx"] and after["zip"] != before["zip"]


def test_drafts_are_private_for_caches(client_for, world):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    ingest_upload(SYSTEM, dataset, filename="a.csv", data=KECAMATAN_CSV.read_bytes())
    response = get(client_for("produsen_own"), dataset, "csv", number=1)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"


# --- permissions -----------------------------------------------------------------------------


def test_hidden_versions_are_404_in_every_format(client_for, world, kecamatan):
    draft = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    ingest_upload(SYSTEM, draft, filename="a.csv", data=KECAMATAN_CSV.read_bytes())
    changed = KECAMATAN_CSV.read_text(encoding="utf-8").replace("57370", "1")
    ingest_upload(SYSTEM, kecamatan, filename="b.csv", data=changed.encode())  # a newer draft
    anonymous, other = client_for("anonymous"), client_for("produsen_other")
    for fmt in export_formats():
        assert get(anonymous, draft, fmt, number=1).status_code == 404
        assert get(other, draft, fmt, number=1).status_code == 404
        assert get(anonymous, kecamatan, fmt, number=2).status_code == 404
        # A hidden version answers 404 even to a conditional request.
        etag_guess = f'"{draft.versions.get().parquet_sha256}"'
        assert get(anonymous, draft, fmt, number=1, if_none_match=etag_guess).status_code == 404
    owner, walidata = client_for("produsen_own"), client_for("walidata")
    assert get(owner, draft, "json", number=1).status_code == 200
    assert get(walidata, kecamatan, "zip", number=2).status_code == 200
    # The current public version stays version 1 for everybody.
    rows = json.loads(body(get(anonymous, kecamatan, "json")))
    assert rows[0]["penduduk_sp2020"] == 57370


def test_unknown_format_is_404(client_for, kecamatan):
    for fmt in ("exe", "csv.exe", "..", "CSV"):
        assert get(client_for("anonymous"), kecamatan, fmt).status_code == 404


# --- the catalogue lists what is offered ---------------------------------------------------------


def test_catalogue_formats_facet_reflects_offered_and_received_formats(
    client_for, world, kecamatan
):
    """The catalogue's format badges and facet come from what the warehouse offers: every
    download format, GeoJSON only for the spatial dataset, and the format a file came in."""
    from tests.warehouse.formats.helpers import ods_bytes

    boundaries = make_published(world, "Batas kecamatan", BOUNDARIES.read_bytes(), BOUNDARIES.name)
    sheet = make_published(
        world, "Dari lembar ODS", ods_bytes([["kode", "jumlah"], ["51.05", 3]]), "data.ods"
    )
    assert kecamatan.formats == "CSV,XLSX,JSON,XML,PARQUET,ZIP"
    assert boundaries.formats == "CSV,XLSX,JSON,XML,GEOJSON,PARQUET,ZIP"
    assert sheet.formats == "CSV,XLSX,JSON,XML,PARQUET,ZIP,ODS"
    client = client_for("anonymous")
    listing = reverse("catalog:dataset_list")
    page = client.get(listing).content.decode()
    for code in ("GEOJSON", "PARQUET", "ODS", "JSON", "XML"):
        assert f"format={code}" in page, code
    found = client.get(listing, {"format": "GEOJSON"}).content.decode()
    assert "Batas kecamatan" in found and "Penduduk kecamatan Klungkung" not in found
    found = client.get(listing, {"format": "ODS"}).content.decode()
    assert "Dari lembar ODS" in found and "Batas kecamatan" not in found
