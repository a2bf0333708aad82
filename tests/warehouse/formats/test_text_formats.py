"""CSV choices, Indonesian numbers, months, dates; JSON, XML and ZIP; hostile files."""

from __future__ import annotations

import json

from tests.warehouse.formats.helpers import field, ingest, refused, rows_of, types_of, zip_bytes

ID_CSV = (
    b"kecamatan;penduduk;rasio;anggaran;tanggal;bulan\n"
    b"Nusa Penida;1.234.567;12,5;Rp 1.234.000;31/01/2024;JANUARI\n"
    b"Dawan;45.123;7;Rp 12.500;01/02/2024;FEBRUARI\n"
    b"Klungkung;-;1.234,75;Rp 900;15/03/2024;MARET\n"
)


def test_indonesian_numbers_months_and_dates(dataset):
    version = ingest(dataset, ID_CSV, "id.csv")
    assert version.read_options["delimiter"] == ";" and version.read_options["decimal"] == ","
    assert types_of(version) == {
        "kecamatan": "string",
        "penduduk": "integer",
        "rasio": "number",
        "anggaran": "integer",
        "tanggal": "date",
        "bulan": "string",
    }
    assert field(version, "penduduk")["groupChar"] == "."
    assert field(version, "rasio")["decimalChar"] == ","
    assert field(version, "anggaran")["bareNumber"] is False
    assert field(version, "tanggal")["format"] == "%d/%m/%Y"
    bulan = field(version, "bulan")
    assert bulan["monthName"] is True and bulan["constraints"]["enum"][0] == "JANUARI"
    assert len(bulan["constraints"]["enum"]) == 12
    rows = rows_of(version)
    assert rows[0]["penduduk"] == 1234567 and rows[2]["penduduk"] is None
    assert rows[0]["rasio"] == 12.5 and rows[2]["rasio"] == 1234.75
    assert rows[0]["anggaran"] == 1234000
    assert str(rows[0]["tanggal"]) == "2024-01-31"
    assert any(w["type"] == "missing-value" and w["row"] == 4 for w in version.report["warnings"])


def test_dotted_region_codes_are_not_thousands(dataset):
    csv = b"kode_desa,nilai\n51.05.01.2001,1\n51.05.01.2002,2\n"
    assert types_of(ingest(dataset, csv, "k.csv"))["kode_desa"] == "string"
    # Ambiguous 1.234 stays a plain decimal unless the user says the decimal mark is a comma.
    csv = b"nama,nilai\na,1.234\nb,5.678\n"
    assert rows_of(ingest(dataset, csv, "a.csv"))[0]["nilai"] == 1.234
    assert rows_of(ingest(dataset, csv, "a.csv", decimal=","))[0]["nilai"] == 1234


def test_month_abbreviations_and_month_first_dates(dataset):
    csv = b"bulan,tanggal\nJan,12/31/2024\nMei,01/15/2024\nDes,02/29/2024\n"
    version = ingest(dataset, csv, "m.csv")
    assert field(version, "bulan")["constraints"]["enum"][4] == "Mei"
    assert field(version, "tanggal")["format"] == "%m/%d/%Y"


def test_bps_style_header_rows_in_csv_and_override(dataset):
    csv = (
        b"Kecamatan,,,\n,Jumlah Penduduk (jiwa),,\n,Laki-laki,Perempuan,Total\n"
        b",2023,2023,2023\nNusa Penida,30000,31000,61000\nDawan,20000,20500,40500\n"
        b"Kabupaten,-,-,-\n"
    )
    version = ingest(dataset, csv, "bps.csv")
    assert list(types_of(version)) == [
        "Kecamatan",
        "Jumlah Penduduk (jiwa) Laki-laki 2023",
        "Jumlah Penduduk (jiwa) Perempuan 2023",
        "Jumlah Penduduk (jiwa) Total 2023",
    ]
    assert set(types_of(version).values()) == {"string", "integer"}
    version = ingest(dataset, csv, "bps.csv", header_rows="3")
    assert version.read_options["header_rows"] == "3"
    assert list(types_of(version))[1] == "Laki-laki"


def test_delimiter_and_encoding_can_be_imposed(dataset):
    csv = "kode|nama\n0101|José\n".encode("cp1252")
    version = ingest(dataset, csv, "p.txt", delimiter="|", encoding="cp1252")
    assert rows_of(version) == [{"kode": "0101", "nama": "José"}]
    error = refused(dataset, csv, "p.txt", encoding="ebcdic")
    assert "not an encoding that can be chosen" in error.message


def test_mixed_encodings_are_refused_with_lines(dataset):
    data = "kode,nama\n0101,José\n".encode() + "0102,Peña\n".encode("cp1252")
    error = refused(dataset, data, "campur.csv")
    assert "mixes two text encodings" in error.message
    assert "line 2 is UTF-8" in error.message and "line 3" in error.message


def test_a_five_million_character_cell_is_refused(dataset):
    data = b"kode,catatan\n0101," + b"x" * 5_000_000 + b"\n"
    error = refused(dataset, data, "besar.csv")
    assert "5,000,000 characters" in error.message and "Row 2" in error.message


def test_json_records_under_a_path_flattened_with_numbers_as_written(dataset):
    document = (
        b'{"status": "ok", "data": {"items": ['
        b'{"kode": "51.10", "nilai": 51.10, "wilayah": {"nama": "Sakti", "level": "desa"}},'
        b'{"kode": "0101", "nilai": 3, "wilayah": {"nama": "Ped"}, "tags": ["a"]}]}}'
    )
    version = ingest(dataset, document, "api.json")
    assert version.read_options["record_path"] == "data.items"
    assert list(types_of(version)) == ["kode", "nilai", "wilayah_nama", "wilayah_level", "tags"]
    assert [r["kode"] for r in rows_of(version)] == ["51.10", "0101"]
    assert rows_of(version)[1]["tags"] == '["a"]'
    error = refused(dataset, document, "api.json", record_path="data.tidak")
    assert "nothing at “data.tidak”" in error.message
    plain = json.dumps([{"a": 1}, {"a": 2}]).encode()
    assert rows_of(ingest(dataset, plain, "plain.json")) == [{"a": 1}, {"a": 2}]


def test_xml_repeated_element_is_a_row(dataset):
    xml = (
        b'<?xml version="1.0"?><data xmlns="urn:x"><meta><sumber>BPS</sumber></meta>'
        b'<row id="1"><kode>51.05</kode><jumlah>12</jumlah><wilayah><nama>A</nama></wilayah></row>'
        b'<row id="2"><kode>51.06</kode><jumlah>13</jumlah></row></data>'
    )
    version = ingest(dataset, xml, "data.xml")
    assert version.read_options["row_element"] == "/data/row"
    assert rows_of(version) == [
        {"id": "1", "kode": "51.05", "jumlah": 12, "wilayah_nama": "A"},
        {"id": "2", "kode": "51.06", "jumlah": 13, "wilayah_nama": None},
    ]
    meta = ingest(dataset, xml, "data.xml", row_element="meta")
    assert rows_of(meta) == [{"sumber": "BPS"}]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<data><row><a>&lol2;</a></row><row><a>x</a></row></data>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<data><row><a>&xxe;</a></row><row><a>x</a></row></data>"""


def test_hostile_xml_is_refused(dataset):
    for data in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        error = refused(dataset, data, "jahat.xml")
        assert "declares a DTD" in error.message and "root:" not in error.message
    assert "not well-formed XML (line 1" in refused(dataset, b"<data><row>", "r.xml").message


def test_zip_with_one_data_file(dataset):
    data = zip_bytes({"folder/data.csv": b"kode,nama\n0101,Sakti\n", "__MACOSX/._data.csv": b"x"})
    version = ingest(dataset, data, "kiriman.zip")
    assert version.read_options["member"] == "data.csv" and version.source_format == "csv"
    assert rows_of(version) == [{"kode": "0101", "nama": "Sakti"}]


def test_zip_with_several_files_asks_which(dataset):
    data = zip_bytes({"a.csv": b"kode\n0101\n", "b.json": b'[{"kode": "0102"}]'})
    error = refused(dataset, data, "dua.zip")
    assert "holds 2 data files: a.csv, b.json" in error.message
    assert error.details["choices"] == {"members": ["a.csv", "b.json"]}
    assert rows_of(ingest(dataset, data, "dua.zip", member="b.json")) == [{"kode": "0102"}]


def test_zip_bombs_and_nested_zips_are_refused(dataset, settings):
    bomb = zip_bytes({"besar.csv": b"a,b\n" + b"0" * 20_000_000})
    error = refused(dataset, bomb, "bom.zip")
    assert "would grow" in error.message and "SATUDATA_ZIP_MAX_RATIO" in error.message
    settings.SATUDATA_ZIP_MAX_RATIO = 100_000
    settings.SATUDATA_ZIP_MAX_UNCOMPRESSED_MB = 5
    error = refused(dataset, bomb, "bom.zip")
    assert "larger than 5 MB uncompressed" in error.message
    nested = zip_bytes({"dalam.zip": zip_bytes({"a.csv": b"a\n1\n"})})
    assert "ZIP inside the ZIP" in refused(dataset, nested, "luar.zip", member="dalam.zip").message
