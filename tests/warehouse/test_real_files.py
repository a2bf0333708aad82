"""The real files in /work/shared/data ingest with sensible types (skipped where absent)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from satudata.core import blobs
from satudata.core.permissions import SYSTEM
from satudata.warehouse.services import ingest_upload

SHARED = Path("/work/shared/data")
SAMPLES = sorted((SHARED / "samples").glob("*.csv")) if (SHARED / "samples").is_dir() else []
STATS = sorted((SHARED / "stats").glob("*.csv")) if (SHARED / "stats").is_dir() else []

# Columns whose type we know from reading the files; everything named kode*/id is text.
EXPECTED = {
    "jabar_dinkes-od_15940_jumlah_kasus_penyakit_berdasarkan_jenis_penyakit_data.csv": {
        "kode_kabupaten_kota": "string",
        "jumlah_kasus": "integer",
        "tahun": "year",
    },
    "jabar_bps-od_17106_jml_pengeluaran_per_kapita__kabupatenkota_data.csv": {
        "jumlah_pengeluaran_per_kapita": "number",
    },
    "opendata_bandung_jumlah_supermarket_minimarket_mall.csv": {
        "bps_kode_kecamatan": "string",
        "kemendagri_kode_kecamatan": "string",
        "jumlah": "integer",
    },
    # `-` cells are missing values of a number column, each reported (issue 4).
    "opendata_bandung_luas_taman.csv": {"luas": "number", "tahun": "year"},
    "bali_kabkota_sp2020.csv": {"kode": "string", "luas_km2": "number"},
    "klungkung_penduduk_kecamatan_sp2010_sp2020.csv": {
        "kode_kecamatan": "string",
        "penduduk_sp2020": "integer",
    },
    "klungkung_kemiskinan.csv": {"tahun": "year", "jumlah_penduduk_miskin_jiwa": "integer"},
    "klungkung_pustu_sebagian.csv": {"kode_desa_kemendagri_hasil_cocok": "string"},
}


def _ingest(dataset, path: Path):
    return ingest_upload(SYSTEM, dataset, filename=path.name, data=path).version


@pytest.mark.skipif(not SAMPLES and not STATS, reason="shared data folder absent")
@pytest.mark.parametrize("path", SAMPLES + STATS, ids=lambda p: p.name)
def test_real_file_ingests(dataset, path):
    version = _ingest(dataset, path)
    assert version.row_count > 0 and version.error_count == 0
    types = {f["name"]: f["type"] for f in version.table_schema["fields"]}
    for name, expected in EXPECTED.get(path.name, {}).items():
        assert types[name] == expected, name
    for name, kind in types.items():
        if name.startswith(("kode", "bps_kode", "kemendagri_kode")) or name == "id":
            assert kind == "string", name
    table = pq.read_table(blobs.blob_path(version.parquet_sha256))
    assert table.num_rows == version.row_count
    # Code cells are byte-for-byte what the file says (compare with a plain text read).
    import csv as pycsv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        source = list(pycsv.DictReader(handle))
    for name in types:
        if name.startswith("kode") and name in source[0]:
            assert table.column(name).to_pylist() == [row[name] or None for row in source]


@pytest.mark.skipif(not (SHARED / "samples").is_dir(), reason="shared data folder absent")
def test_bandung_code_systems_both_stay_text(dataset):
    path = SHARED / "samples" / "opendata_bandung_jumlah_supermarket_minimarket_mall.csv"
    table = pq.read_table(blobs.blob_path(_ingest(dataset, path).parquet_sha256))
    assert "3273180" in table.column("bps_kode_kecamatan").to_pylist()
    assert "32.73.05" in table.column("kemendagri_kode_kecamatan").to_pylist()
