"""XLSX, XLS and ODS: sheets, title rows and merged headers, formulas, and refused workbooks."""

from __future__ import annotations

import datetime as dt

from tests.warehouse.formats.helpers import (
    add_to_zip,
    field,
    ingest,
    ods_bytes,
    refused,
    rows_of,
    types_of,
    xls_bytes,
    xlsx_bytes,
)

TITLED = [
    ["Tabel 3.1 Jumlah Penduduk menurut Kecamatan di Kabupaten Klungkung"],
    ["Kecamatan", "Kode", "Penduduk", None],
    [None, None, 2022, 2023],
    ["Nusa Penida", "51.05.01", 61000, 62345],
    ["Banjarangkan", "51.05.02", 40123, 40500],
    ["Klungkung", "51.05.03", 58000, 58800],
]
TITLED_MERGES = ["A1:D1", "A2:A3", "B2:B3", "C2:D2"]


def test_title_row_and_merged_header_become_column_names(dataset):
    data = xlsx_bytes({"Data": TITLED}, {"Data": TITLED_MERGES})
    version = ingest(dataset, data, "penduduk.xlsx")
    assert list(types_of(version)) == ["Kecamatan", "Kode", "Penduduk 2022", "Penduduk 2023"]
    assert types_of(version)["Penduduk 2022"] == "integer"
    assert types_of(version)["Kode"] == "string"
    assert version.read_options["header_rows"] == "1-3"
    assert version.read_options["titles"] == [TITLED[0][0]]
    assert version.source_format == "xlsx"
    rows = rows_of(version)
    assert rows[0] == {
        "Kecamatan": "Nusa Penida",
        "Kode": "51.05.01",
        "Penduduk 2022": 61000,
        "Penduduk 2023": 62345,
    }


def test_first_non_empty_sheet_is_read_and_all_sheets_are_listed(dataset):
    data = xlsx_bytes(
        {"Sampul": [], "Data": [["kode", "jumlah"], ["0101", 3]], "Lain": [["x"], ["y"]]}
    )
    version = ingest(dataset, data, "buku.xlsx")
    assert version.read_options["sheet"] == "Data"
    assert version.read_options["sheets"] == ["Sampul", "Data", "Lain"]
    assert rows_of(version) == [{"kode": "0101", "jumlah": 3}]


def test_sheet_can_be_chosen_and_an_unknown_sheet_is_named(dataset):
    data = xlsx_bytes({"Data": [["a"], ["1"]], "Lain": [["nama"], ["Sakti"]]})
    assert rows_of(ingest(dataset, data, "b.xlsx", sheet="Lain")) == [{"nama": "Sakti"}]
    error = refused(dataset, data, "b.xlsx", sheet="Tidak ada")
    assert "has no sheet “Tidak ada”" in error.message and "Data, Lain" in error.message
    assert error.details["choices"] == {"sheets": ["Data", "Lain"]}


def test_header_rows_can_be_imposed(dataset):
    data = xlsx_bytes({"Data": TITLED}, {"Data": TITLED_MERGES})
    version = ingest(dataset, data, "p.xlsx", header_rows="3")
    assert list(types_of(version))[2:] == ["2022", "2023"]


def test_dates_numbers_and_booleans_from_cells(dataset):
    data = xlsx_bytes(
        {"D": [["tanggal", "nilai", "aktif"], [dt.date(2024, 1, 31), 12.5, True],
               [dt.date(2024, 2, 29), 3, False]]}
    )  # fmt: skip
    version = ingest(dataset, data, "d.xlsx")
    assert types_of(version) == {"tanggal": "date", "nilai": "number", "aktif": "boolean"}
    assert str(rows_of(version)[1]["tanggal"]) == "2024-02-29"


def test_formulas_are_never_run_and_kept_as_text_without_saved_value(dataset):
    data = xlsx_bytes(
        {"F": [["nama", "tautan"], ["a", '=HYPERLINK("http://contoh.go.id","klik")'], ["b", "x"]]}
    )
    version = ingest(dataset, data, "f.xlsx")
    assert rows_of(version)[0]["tautan"] == '=HYPERLINK("http://contoh.go.id","klik")'
    warning = next(w for w in version.report["warnings"] if w["type"] == "formula-cell")
    assert "never run" in warning["message"]


def test_macro_workbooks_are_refused(dataset):
    plain = xlsx_bytes({"D": [["a"], ["1"]]})
    error = refused(dataset, plain, "makro.xlsm")
    assert "can contain macros (.xlsm)" in error.message
    with_vba = add_to_zip(plain, {"xl/vbaProject.bin": b"\x00" * 64})
    error = refused(dataset, with_vba, "menyamar.xlsx")
    assert "contains macros (VBA code)" in error.message and "Save As" in error.message


def test_external_links_are_refused(dataset):
    data = add_to_zip(
        xlsx_bytes({"D": [["a"], ["1"]]}),
        {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
    )
    error = refused(dataset, data, "tautan.xlsx")
    assert "links to 1 other file" in error.message and "Break Link" in error.message


def test_workbook_zip_bomb_is_refused(dataset, settings):
    settings.SATUDATA_ZIP_MAX_RATIO = 50
    data = add_to_zip(xlsx_bytes({"D": [["a"], ["1"]]}), {"xl/media/blank.bin": b"\0" * 8_000_000})
    error = refused(dataset, data, "bom.xlsx")
    assert "SATUDATA_ZIP_MAX_RATIO" in error.message and "blank.bin" in error.message


def test_a_giant_cell_is_refused_with_its_place(dataset, settings):
    settings.SATUDATA_CELL_MAX_CHARS = 1000
    data = xlsx_bytes({"D": [["kode", "catatan"], ["0101", "x" * 5000]]})
    error = refused(dataset, data, "besar.xlsx")
    assert "Row 2, column “catatan”" in error.message and "SATUDATA_CELL_MAX_CHARS" in error.message


def test_html_named_xls_gets_advice(dataset):
    error = refused(dataset, b"<html><table><tr><td>a</td></tr></table></html>", "bps.xls")
    assert "web page (an HTML table)" in error.message


def test_xls_and_ods(dataset):
    version = ingest(dataset, xls_bytes([["kode", "jumlah"], ["0101", 3], ["0102", 4]]), "a.xls")
    assert version.source_format == "xls"
    assert rows_of(version) == [{"kode": "0101", "jumlah": 3}, {"kode": "0102", "jumlah": 4}]
    version = ingest(dataset, ods_bytes([["kode", "luas"], ["0101", 12.5], ["0102", 3]]), "b.ods")
    assert version.source_format == "ods"
    assert field(version, "luas")["type"] == "number"
    assert rows_of(version)[0] == {"kode": "0101", "luas": 12.5}


def test_broken_workbook(dataset):
    error = refused(dataset, b"PK\x03\x04 not really a zip", "rusak.xlsx")
    assert "damaged" in error.message
