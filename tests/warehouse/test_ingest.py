"""The ingest service with real and hostile files: what becomes a version, what is refused, and
that a refusal stores nothing."""

from __future__ import annotations

import io
import zipfile

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from satudata.core import blobs
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.warehouse.services import ingest_upload
from tests.factories import CODE_CSV, CODE_VALUES

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def stored_state() -> tuple:
    """Everything an upload could have written: version rows, audit events, blob files."""
    root = blobs.default_store().root / "sha256"
    files = sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return Version.objects.count(), AuditEvent.objects.count(), files


def fields_of(version) -> dict[str, str]:
    return {f["name"]: f["type"] for f in version.table_schema["fields"]}


def read_parquet(version):
    return pq.read_table(blobs.blob_path(version.parquet_sha256))


def refused(dataset, data: bytes, filename: str = "data.csv", actor=SYSTEM) -> ValidationFailed:
    before = stored_state()
    with pytest.raises(ValidationFailed) as caught:
        ingest_upload(actor, dataset, filename=filename, data=data)
    assert stored_state() == before, "a refused upload must store nothing"
    return caught.value


# --- the acceptance case -------------------------------------------------------------------


def test_code_column_survives_exactly_in_parquet(dataset):
    result = ingest_upload(SYSTEM, dataset, filename="kode.csv", data=CODE_CSV.encode())
    version = result.version
    assert result.created and version.number == 1 and version.status == "draft"
    assert fields_of(version) == {
        "kode_wilayah": "string",
        "nama_wilayah": "string",
        "jumlah": "integer",
    }
    table = read_parquet(version)
    assert str(table.schema.field("kode_wilayah").type) == "string"
    assert str(table.schema.field("jumlah").type) == "int64"
    assert table.column("kode_wilayah").to_pylist() == list(CODE_VALUES)
    assert version.row_count == 4 and version.column_count == 3
    assert version.raw_sha256 and blobs.exists(version.raw_sha256)
    assert blobs.blob_path(version.raw_sha256).read_bytes() == CODE_CSV.encode()


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("kode", ["51.10", "51.20", "52.01"]),  # would be 51.1 as a number
        ("kode_kbli", ["01111", "47111", "10110"]),  # leading zero
        ("kode_kecamatan", ["3273180", "3273141", "3273130"]),  # long digits, header says code
        ("nilai_x", ["0101", "2", "3"]),  # one leading zero is enough
        ("wilayah", ["51.05.01.2001", "51.05.01.2002", "51.05"]),  # dotted codes
        ("nik", ["5105010101900001", "5105010101900002", "5105010101900003"]),
        ("id", ["1", "2", "3"]),
    ],
)
def test_code_like_columns_stay_text(dataset, header, values):
    csv = f"{header},angka\n" + "".join(f"{value},{i}\n" for i, value in enumerate(values))
    version = ingest_upload(SYSTEM, dataset, filename="k.csv", data=csv.encode()).version
    assert fields_of(version)[header] == "string"
    assert read_parquet(version).column(header).to_pylist() == values


def test_types_are_inferred(dataset):
    csv = (
        "tahun,jumlah_kk,luas_km2,tanggal,aktif,nama,rasio\n"
        "2023,120,12.5,2024-01-31,true,Sakti,-0.5\n"
        "2024,-3,7,2024-02-29,FALSE,Ped,1e3\n"
    )
    version = ingest_upload(SYSTEM, dataset, filename="t.csv", data=csv.encode()).version
    assert fields_of(version) == {
        "tahun": "year",
        "jumlah_kk": "integer",  # a count of families, not a KK number
        "luas_km2": "number",
        "tanggal": "date",
        "aktif": "boolean",
        "nama": "string",
        "rasio": "number",
    }
    rows = read_parquet(version).to_pylist()
    assert rows[1]["jumlah_kk"] == -3 and rows[1]["aktif"] is False
    assert rows[0]["luas_km2"] == 12.5 and str(rows[0]["tanggal"]) == "2024-01-31"


def test_a_number_column_with_placeholder_cells_stays_text_and_is_reported(dataset):
    csv = "nama,luas\n" + "".join(f"T{i},{i}.5\n" for i in range(20)) + "T99,n/a\n"
    version = ingest_upload(SYSTEM, dataset, filename="l.csv", data=csv.encode()).version
    assert fields_of(version)["luas"] == "string"
    assert read_parquet(version).column("luas").to_pylist()[-1] == "n/a"
    warning = version.report["warnings"][0]
    assert warning["type"] == "type-error" and warning["field"] == "luas"
    assert warning["cell"] == "n/a" and warning["row"] == 22
    assert version.warning_count == 1 and version.error_count == 0


def test_a_dash_in_a_number_column_is_missing_and_reported(dataset):
    # BPS writes "-" for "nothing to report": the column stays numeric, the cell is empty
    # (never a silent 0), and the report says where (issue 4).
    csv = "nama,luas\n" + "".join(f"T{i},{i}.5\n" for i in range(20)) + "T99,-\n"
    version = ingest_upload(SYSTEM, dataset, filename="l.csv", data=csv.encode()).version
    assert fields_of(version)["luas"] == "number"
    assert read_parquet(version).column("luas").to_pylist()[-1] is None
    warning = next(w for w in version.report["warnings"] if w["type"] == "missing-value")
    assert warning["field"] == "luas" and warning["cell"] == "-" and warning["row"] == 22
    assert version.error_count == 0


# --- encodings and delimiters --------------------------------------------------------------


def test_windows_1252(dataset):
    text = "kode,nama,catatan\n0101,José Peña,café “kopi”\n0102,Muñoz,crème \u2013 brûlée\n"
    version = ingest_upload(
        SYSTEM, dataset, filename="cp1252.csv", data=text.encode("cp1252")
    ).version
    assert version.source_encoding == "Windows-1252"
    rows = read_parquet(version).to_pylist()
    assert rows[0] == {"kode": "0101", "nama": "José Peña", "catatan": "café “kopi”"}
    assert rows[1]["nama"] == "Muñoz" and rows[1]["catatan"] == "crème \u2013 brûlée"


def test_utf8_bom_is_not_part_of_the_first_column_name(dataset):
    data = "\ufeffkode,nama\n0101,Sakti\n".encode()
    version = ingest_upload(SYSTEM, dataset, filename="bom.csv", data=data).version
    assert [f["name"] for f in version.table_schema["fields"]] == ["kode", "nama"]
    assert version.source_encoding == "UTF-8 (BOM)"
    assert read_parquet(version).column("kode").to_pylist() == ["0101"]


def test_utf16_with_bom_tab_separated(dataset):
    # What Excel writes for "Unicode Text".
    data = "kode\tnama\n0101\tSakti\n".encode("utf-16")
    version = ingest_upload(SYSTEM, dataset, filename="unicode.txt", data=data).version
    assert read_parquet(version).to_pylist() == [{"kode": "0101", "nama": "Sakti"}]


@pytest.mark.parametrize(
    ("delimiter", "filename"), [(";", "semi.csv"), ("\t", "tab.tsv"), ("|", "pipa.csv")]
)
def test_delimiters(dataset, delimiter, filename):
    text = delimiter.join(["kode", "nama", "nilai"]) + "\n"
    text += delimiter.join(["51.10", "Satu, Dua", "1.5"]) + "\n"
    version = ingest_upload(SYSTEM, dataset, filename=filename, data=text.encode()).version
    assert read_parquet(version).to_pylist() == [
        {"kode": "51.10", "nama": "Satu, Dua", "nilai": 1.5}
    ]


def test_quoted_cells_with_newlines_and_quotes(dataset):
    data = b'kode,catatan\n0101,"baris satu\nbaris dua"\n0102,"kata ""kutip"""\n'
    version = ingest_upload(SYSTEM, dataset, filename="q.csv", data=data).version
    assert read_parquet(version).column("catatan").to_pylist() == [
        "baris satu\nbaris dua",
        'kata "kutip"',
    ]


# --- refused files -------------------------------------------------------------------------


def test_empty_file(dataset):
    assert "empty" in refused(dataset, b"").message
    assert "empty" in refused(dataset, b"\xef\xbb\xbf\n  \n").message


def test_header_only(dataset):
    error = refused(dataset, b"kode,nama\n")
    assert "no data rows" in error.message


def test_oversize_file(dataset, settings):
    settings.SATUDATA_UPLOAD_MAX_MB = 1
    big = b"kode,nama\n" + b"0101,Sakti\n" * 100_000  # > 1 MB
    error = refused(dataset, big)
    assert "larger than the limit of 1 MB" in error.message
    # A stream without a declared size is cut off while reading, too.
    before = stored_state()
    with pytest.raises(ValidationFailed):
        ingest_upload(SYSTEM, dataset, filename="big.csv", data=io.BufferedReader(io.BytesIO(big)))
    assert stored_state() == before


def _xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["kode", "nama"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "kode,nama\n0101,Sakti\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (PNG_BYTES, "PNG image"),
        (_zip_bytes(), "ZIP archive"),
        (_xlsx_bytes(), "Excel workbook (XLSX)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel"),
        (b"kode,nama\n\x00\x01\x02\x03binary", "binary"),
    ],
)
def test_non_text_files_named_csv(dataset, data, words):
    error = refused(dataset, data, filename="data.csv")
    assert words in error.message
    assert "“data.csv”" in error.message and "not a CSV text file" in error.message
    assert error.details["report"]["errors"][0]["type"] == "format-error"


def test_excel_gets_save_as_csv_advice(dataset):
    assert "Save As" in refused(dataset, _xlsx_bytes(), filename="data.csv").message


def test_ragged_rows(dataset):
    data = b"kode,nama,jumlah\n0101,Sakti,1\n0102,Ped\n0103,Kutampi,3,extra\n0104,Batununggul,4\n"
    error = refused(dataset, data)
    report = error.details["report"]
    assert report["valid"] is False
    assert [(e["type"], e["row"]) for e in report["errors"]] == [
        ("missing-cell", 3),
        ("extra-cell", 4),
    ]
    assert "Row 3 has fewer cells (2) than the header has columns (3)." in error.message
    assert "Row 4 has more cells (4)" in error.message


def test_unknown_extension(dataset):
    assert "“.pdf” cannot be read" in refused(dataset, b"kode\n1\n", filename="x.pdf").message


def test_undecodable_bytes_are_an_encoding_error(dataset):
    # Valid UTF-16 BOM, then an odd number of bytes: not UTF-16 text.
    error = refused(dataset, b"\xff\xfek\x00o\x00\x00", filename="x.csv")
    assert error.details["report"]["errors"][0]["type"] == "encoding-error"


# --- headers and blank rows ----------------------------------------------------------------


def test_blank_and_duplicate_headers_are_named_and_warned(dataset):
    data = b"kode,,nama,Nama\n0101,x,Sakti,SAKTI\n"
    version = ingest_upload(SYSTEM, dataset, filename="h.csv", data=data).version
    assert [f["name"] for f in version.table_schema["fields"]] == [
        "kode",
        "field2",
        "nama",
        "Nama_2",
    ]
    assert {w["type"] for w in version.report["warnings"]} == {"blank-header", "duplicate-label"}


def test_blank_rows_are_left_out_with_a_warning(dataset):
    data = b"kode,nama\n0101,Sakti\n,\n0102,Ped\n,,\n"
    version = ingest_upload(SYSTEM, dataset, filename="b.csv", data=data).version
    assert version.row_count == 2
    assert version.report["warnings"][0]["type"] == "blank-row"


# --- GeoJSON -------------------------------------------------------------------------------


def test_geojson_feature_collection_makes_a_spatial_dataset(dataset):
    data = (
        b'{"type":"FeatureCollection","features":['
        b'{"type":"Feature","properties":{"kode":"51.05.01.2001","nama":"Sakti","luas":12.5},'
        b'"geometry":{"type":"Point","coordinates":[115.5,-8.7]}},'
        b'{"type":"Feature","properties":{"kode":"51.05.01.2002","nama":"Ped","luas":3},'
        b'"geometry":null}]}'
    )
    version = ingest_upload(SYSTEM, dataset, filename="desa.geojson", data=data).version
    dataset.refresh_from_db()
    assert dataset.is_spatial
    assert fields_of(version) == {
        "kode": "string",
        "nama": "string",
        "luas": "number",
        "geometry": "string",
    }
    rows = read_parquet(version).to_pylist()
    assert rows[0]["kode"] == "51.05.01.2001"
    assert '"Point"' in rows[0]["geometry"] and rows[1]["geometry"] is None


def test_json_that_is_not_geojson(dataset):
    # A .json array of records is a table (readers/json_table.py); a .geojson must be GeoJSON.
    assert "FeatureCollection" in refused(dataset, b'[{"a": 1}]', filename="x.geojson").message
    assert "not valid JSON" in refused(dataset, b'{"type": ', filename="x.geojson").message


# --- versions and permissions --------------------------------------------------------------


def test_same_bytes_make_no_new_version(dataset):
    first = ingest_upload(SYSTEM, dataset, filename="a.csv", data=CODE_CSV.encode())
    before = stored_state()
    again = ingest_upload(SYSTEM, dataset, filename="renamed.csv", data=CODE_CSV.encode())
    assert again.created is False
    assert again.version.pk == first.version.pk
    assert stored_state() == before
    changed = ingest_upload(SYSTEM, dataset, filename="b.csv", data=b"kode\n0101\n")
    assert changed.created and changed.version.number == 2
    # Going back to the first file is a change against the latest version: a new version.
    back = ingest_upload(SYSTEM, dataset, filename="a.csv", data=CODE_CSV.encode())
    assert back.created and back.version.number == 3


def test_failed_upload_keeps_previous_version(dataset):
    good = ingest_upload(SYSTEM, dataset, filename="a.csv", data=CODE_CSV.encode()).version
    refused(dataset, b"kode,nama\n0101\n")
    refused(dataset, PNG_BYTES)
    assert list(dataset.versions.values_list("number", flat=True)) == [1]
    good.refresh_from_db()
    assert read_parquet(good).column("kode_wilayah").to_pylist() == list(CODE_VALUES)


def test_new_version_is_audited(dataset, world):
    produsen = world.users["produsen_own"]
    version = ingest_upload(
        produsen, dataset, filename="a.csv", data=CODE_CSV.encode(), message="  data 2024  "
    ).version
    assert version.created_by == produsen and version.message == "data 2024"
    event = AuditEvent.objects.filter(action="version.create").latest("pk")
    assert event.actor_id == produsen.pk and event.object_id == str(version.pk)
    assert event.changes["number"] == 1 and event.changes["raw_sha256"] == version.raw_sha256


@pytest.mark.parametrize("role", ["produsen_other", "pembina", "pimpinan", "user"])
def test_others_may_not_upload(dataset, world, role):
    before = stored_state()
    with pytest.raises((PermissionDenied, NotFound)):
        ingest_upload(world.users[role], dataset, filename="a.csv", data=CODE_CSV.encode())
    assert stored_state() == before


def test_anonymous_may_not_upload(dataset):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        ingest_upload(AnonymousUser(), dataset, filename="a.csv", data=CODE_CSV.encode())


def test_other_agency_sees_refusal_message(world):
    from satudata.catalog.services import create_dataset
    from tests.factories import COMPLETE_METADATA

    published = create_dataset(
        SYSTEM, organisation=world.owner, title="Terbit", state="published", **COMPLETE_METADATA
    )
    with pytest.raises(PermissionDenied) as caught:
        ingest_upload(world.users["produsen_other"], published, filename="a.csv", data=b"kode\n1\n")
    assert "Only data producers" in caught.value.message


def test_walidata_may_upload(dataset, world):
    result = ingest_upload(world.users["walidata"], dataset, filename="a.csv", data=b"a\n1\n")
    assert result.created


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\operator\\Desktop\\data 2024.csv", "data 2024.csv"),
        ("bad\x00name\x1f.csv", "badname.csv"),
    ],
)
def test_file_names_are_cleaned(dataset, given, kept):
    version = ingest_upload(SYSTEM, dataset, filename=given, data=b"kode\n0101\n").version
    assert version.source_filename == kept
