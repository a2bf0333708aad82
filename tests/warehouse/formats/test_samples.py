"""Every real sample file imports with a sensible schema (skipped where shared/ is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from satudata.core.permissions import SYSTEM
from satudata.warehouse.services import ingest_upload
from tests.warehouse.formats.helpers import field, rows_of, types_of

SAMPLES = Path("/work/shared/data/samples")
FILES = sorted(SAMPLES.glob("*")) if SAMPLES.is_dir() else []
BPS = "bps_web_export_kepadatan_penduduk_kecamatan_kota_bandung_2022.csv"

pytestmark = pytest.mark.skipif(not FILES, reason="shared/data/samples absent")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_sample_imports_with_codes_as_text(dataset, path):
    version = ingest_upload(SYSTEM, dataset, filename=path.name, data=path).version
    assert version.row_count > 0
    types = types_of(version)
    for name, kind in types.items():
        if "kode" in name or name == "id":
            assert kind == "string", name
        if name in {"tahun"}:
            assert kind == "year", name
        if name.startswith(("jumlah", "besaran", "luas")):
            assert kind in {"integer", "number"}, name


def test_bps_web_export_four_header_rows(dataset):
    version = ingest_upload(SYSTEM, dataset, filename=BPS, data=SAMPLES / BPS).version
    assert types_of(version) == {
        "Kota dan Kecamatan": "string",
        "Jumlah Penduduk 2022": "integer",
        "Luas Wilayah (ha) 2022": "integer",
        "Kepadatan (jiwa/ha) 2022": "integer",
    }
    assert version.read_options["header_rows"] == "1-4"
    assert version.read_options["encoding"] == "utf-8-sig"
    assert "Kepadatan Penduduk menurut Kecamatan" in version.read_options["titles"][0]
    assert version.row_count == 31
    rows = rows_of(version)
    assert rows[0]["Kota dan Kecamatan"] == "Bandung Kulon"
    assert rows[0]["Jumlah Penduduk 2022"] == 136622
    assert rows[-1] == {
        "Kota dan Kecamatan": "Kota Bandung",
        "Jumlah Penduduk 2022": None,
        "Luas Wilayah (ha) 2022": None,
        "Kepadatan (jiwa/ha) 2022": None,
    }
    dashes = [w for w in version.report["warnings"] if w["type"] == "missing-value"]
    assert {w["field"] for w in dashes} == {
        "Jumlah Penduduk 2022",
        "Luas Wilayah (ha) 2022",
        "Kepadatan (jiwa/ha) 2022",
    }
    assert all(w["row"] == 35 and w["cell"] == "-" for w in dashes)


def test_bandung_files_keep_both_code_systems_as_text(dataset):
    path = SAMPLES / "opendata_bandung_luas_taman.csv"
    version = ingest_upload(SYSTEM, dataset, filename=path.name, data=path).version
    rows = rows_of(version)
    assert rows[0]["bps_kode_kecamatan"] == "3273180"
    assert rows[0]["kemendagri_kode_kecamatan"] == "32.73.05"
    assert field(version, "luas")["type"] == "number"
    dash = next(w for w in version.report["warnings"] if w["type"] == "missing-value")
    assert dash["field"] == "luas" and "19 cells" in dash["message"]


def test_month_names_in_the_restaurant_tax_file(dataset):
    path = SAMPLES / "opendata_bandung_jumlah_penerimaan_pajak_restoran.csv"
    version = ingest_upload(SYSTEM, dataset, filename=path.name, data=path).version
    bulan = field(version, "bulan")
    assert bulan["type"] == "string" and bulan["monthName"] is True
    assert bulan["constraints"]["enum"][:3] == ["JANUARI", "FEBRUARI", "MARET"]
    assert field(version, "jumlah")["type"] == "integer"
