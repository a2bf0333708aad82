"""Row checks (blank rows left out, repeated rows) and the domain warnings: region codes and
names, total rows, zero where the previous version had data, padded text."""

from __future__ import annotations

import pyarrow.parquet as pq

from satudata.core import blobs
from tests.warehouse.validation.helpers import counts, found


def test_blank_rows_are_listed_one_by_one_and_left_out(upload):
    version = upload("kode,nama\n0101,Sakti\n,\n0102,Ped\n,\n,\n0103,Kutampi\n")
    assert version.row_count == 3
    assert found(version.report, "warnings") == [
        ("blank-row", 3, None),
        ("blank-row", 5, None),
        ("blank-row", 6, None),
    ]
    assert version.report["warnings"][0]["message"] == "Row 3 is empty; it was left out."
    rows = pq.read_table(blobs.blob_path(version.parquet_sha256)).column("kode").to_pylist()
    assert rows == ["0101", "0102", "0103"]


def test_repeated_rows_are_a_warning_with_the_first_row(check):
    report = check("a,b\n1,x\n2,y\n1,x\n1,x\n3,\n3,\n")
    assert found(report, "warnings") == [
        ("duplicate-row", 4, None),
        ("duplicate-row", 5, None),
        ("duplicate-row", 7, None),
    ]
    assert [i["params"]["first"] for i in report["warnings"]] == [2, 2, 6]
    assert report["valid"] is True


# --- region codes and names -----------------------------------------------------------------

JABAR = (
    "kode_kabupaten_kota,nama_kabupaten_kota,jumlah\n"
    "3201,KABUPATEN BOGOR,10\n"  # undotted code, official name in capitals: fine
    "32.02,Kab. Sukabumi,5\n"  # `Kab.` for Kabupaten: fine
    "3203,KOTA CIANJUR,3\n"  # Kota where the code is a Kabupaten: wrong name
    "3204,Bandung  Barat,1\n"  # the code of Kabupaten Bandung: wrong name
    "3299,X,1\n"  # unknown code
    "32.01.01,Cibinong,2\n"  # a kecamatan among kabupaten codes
    ",Jumlah,22\n"  # the total row is left out of the region checks
)


def test_region_codes_and_names_in_a_column_without_foreign_key(check, regions):
    report = check(JABAR)
    assert report["valid"] is True  # domain problems are warnings
    assert found(report, "warnings") == [
        ("region-name", 4, "nama_kabupaten_kota"),
        ("region-name", 5, "nama_kabupaten_kota"),
        ("unknown-region", 6, "kode_kabupaten_kota"),
        ("wrong-region-level", 7, "kode_kabupaten_kota"),
    ]
    name_warning = report["warnings"][0]
    assert name_warning["params"] == {"code": "32.03", "official": "Kabupaten Cianjur"}
    assert name_warning["message"] == (
        "Row 4, column “nama_kabupaten_kota”: “KOTA CIANJUR” is not the official name of 32.03,"
        " which is “Kabupaten Cianjur”."
    )
    assert report["warnings"][3]["message"] == (
        "Row 7, column “kode_kabupaten_kota”: “32.01.01” is the code of the district (kecamatan)"
        " Cibinong, but the column holds regency or city (kabupaten/kota) codes."
    )


def test_bps_codes_are_not_taken_for_kemendagri_codes(check, regions):
    report = check(
        "bps_kode_kecamatan,bps_nama_kecamatan,kemendagri_kode_kecamatan,"
        "kemendagri_nama_kecamatan,jumlah\n"
        "3273180,ANDIR,32.73.05,ANDIR,20\n"
        "3273050,ASTANAANYAR,32.73.10,ASTANA ANYAR,19\n"
    )
    assert report["warnings"] == []


def test_total_rows_that_do_not_add_up(check):
    report = check(
        "kecamatan,tahun,penduduk,kepadatan\n"
        "Nusa Penida,2020,100,1.5\n"
        "Banjarangkan,2020,50,2.5\n"
        "Jumlah,2020,150,4.0\n"  # right (density is a rate: not summed)
        "Nusa Penida,2021,110,1.5\n"
        "Banjarangkan,2021,55,2.5\n"
        "JUMLAH,2021,170,9.9\n"  # 110 + 55 = 165
    )
    assert found(report, "warnings") == [("total-mismatch", 7, "penduduk")]
    assert report["warnings"][0]["params"] == {"total": 170, "sum": 165, "count": 2}


def test_total_rows_allow_for_rounding(check):
    report = check(
        "kecamatan,luas_km2\nA,10.3\nB,20.3\nC,30.3\nTotal,60.9\nTotal keseluruhan,61.1\n"
    )
    # 60.9 is the exact sum; 61.1 is off by more than three roundings of 0.05.
    assert found(report, "warnings") == [("total-mismatch", 6, "luas_km2")]


def test_padded_text_values(check):
    report = check("jenis_penyakit,kasus\nCAMPAK,7\nAIDS ,16\n DIARE,3\nAIDS ,1\n")
    assert found(report, "warnings") == [
        ("whitespace-value", 3, "jenis_penyakit"),
        ("whitespace-value", 4, "jenis_penyakit"),
        ("whitespace-value", 5, "jenis_penyakit"),
    ]
    assert counts(report) == {"whitespace-value": 3}


def test_zero_where_the_previous_version_had_data(upload):
    upload("kecamatan,tahun,kunjungan\nNusa Penida,2023,1200\nDawan,2023,300\nKlungkung,2023,0\n")
    second = upload(
        "kecamatan,tahun,kunjungan\nNusa Penida,2023,0\nDawan,2023,310\nKlungkung,2023,0\n"
    )
    assert found(second.report, "warnings") == [("zero-value", 2, "kunjungan")]
    warning = second.report["warnings"][0]
    assert warning["params"]["previous"] == 1200 and warning["params"]["version"] == 1
    assert warning["message"] == (
        "Row 2, column “kunjungan”: 0, where version 1 had 1200 for the same"
        " kecamatan = Nusa Penida, tahun = 2023."
    )
