"""The known defects of the shared real files are reported (issue 4, "Done when")."""

from __future__ import annotations

from pathlib import Path

import pytest

from satudata.warehouse.validation.files import validate_file
from tests.warehouse.validation.helpers import counts, found

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "data" / "samples"
DINKES = SAMPLES / "jabar_dinkes-od_15940_jumlah_kasus_penyakit_berdasarkan_jenis_penyakit_data.csv"
BANDUNG = SAMPLES / "opendata_bandung_jumlah_supermarket_minimarket_mall.csv"
BPS_EXPORT = SAMPLES / "bps_web_export_kepadatan_penduduk_kecamatan_kota_bandung_2022.csv"

pytestmark = pytest.mark.skipif(not DINKES.exists(), reason="shared data folder absent")


def test_the_trailing_space_category_is_reported(regions):
    result = validate_file(DINKES)
    assert counts(result.report) == {"whitespace-value": 27}
    first = result.report["warnings"][0]
    assert (first["row"], first["field"], first["cell"]) == (10, "jenis_penyakit", "AIDS ")


def test_the_repeated_campak_key_of_kab_bogor_with_a_declared_primary_key(regions):
    inferred = validate_file(DINKES).table_schema
    schema = {**inferred, "primaryKey": ["kode_kabupaten_kota", "jenis_penyakit", "tahun"]}
    report = validate_file(DINKES, schema=schema).report
    assert found(report) == [("primary-key", 7, None)]
    assert report["errors"][0]["params"]["values"] == ["3201", "CAMPAK", "2019"]
    assert report["errors"][0]["params"]["first"] == 2


def test_the_dash_cells_of_the_bps_export_are_reported(regions):
    report = validate_file(BPS_EXPORT).report
    assert report["valid"] and report["stats"]["warnings"] == 3
    assert {w["row"] for w in report["warnings"]} == {35}


def test_both_code_systems_of_bandung_stay_text_and_the_kemendagri_names_match(regions):
    result = validate_file(BANDUNG)
    types = {f["name"]: f["type"] for f in result.table_schema["fields"]}
    assert (
        types["bps_kode_kecamatan"] == "string" and types["kemendagri_kode_kecamatan"] == "string"
    )
    assert result.report["warnings"] == []  # `ASTANA ANYAR` is the official name, spacing aside
