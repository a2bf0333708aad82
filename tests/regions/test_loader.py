"""Loader behaviour on the Klungkung subset: updates from a newer list, bad files, permissions.

The whole-country load is in test_load_country.py (its own module: one load per module)."""

from __future__ import annotations

import csv
import gzip
import hashlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from satudata.core.errors import PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.regions import loader
from satudata.regions.models import Region

pytestmark = pytest.mark.django_db


def table_digest() -> str:
    """One hash over every stored column that the loaders write, in code order."""
    rows = Region.objects.order_by("code").values_list(
        "code", "name", "level", "depth", "parent_id", "bps_code", "bps_name", "latitude"
    )
    digest = hashlib.sha256()
    for row in rows.iterator(chunk_size=10_000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def write_list(path: Path, rows: list[dict], *, gz: bool = True) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["kode", "nama", "level", "parent_kode"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def klungkung_rows() -> list[dict]:
    with gzip.open(loader.REGIONS_FILE, "rt", encoding="utf-8", newline="") as handle:
        return [
            row
            for row in csv.DictReader(handle)
            if row["kode"] in ("51", "51.05") or row["kode"].startswith("51.05.")
        ]


class TestNewerList:
    def test_klungkung_subset(self, klungkung):
        assert klungkung == {"regions": 65, "boundaries": 64, "bps_bridge": 6}
        assert Region.objects.count() == 65
        kecamatan = Region.objects.filter(parent_id="51.05").values_list("name", flat=True)
        assert list(kecamatan) == ["Nusa Penida", "Banjarangkan", "Klungkung", "Dawan"]

    def test_changed_names_are_updated_and_new_codes_added(self, klungkung, tmp_path):
        rows = klungkung_rows()
        for row in rows:
            if row["kode"] == "51.05.01.2001":
                row["nama"] = "Sakti Baru"
        rows.append(
            {
                "kode": "51.05.01.2099",
                "nama": "Desa Pemekaran",
                "level": "desa",
                "parent_kode": "51.05.01",
            }
        )
        newer = write_list(tmp_path / "wilayah_2026.csv.gz", rows)
        events = AuditEvent.objects.count()

        result = loader.load_region_file(newer, within="51.05")

        assert (result.total, result.created, result.updated, result.not_in_list) == (66, 1, 1, 0)
        assert Region.objects.get(code="51.05.01.2001").name == "Sakti Baru"
        assert Region.objects.get(code="51.05.01.2099").parent_id == "51.05.01"
        assert Region.objects.get(code="51.05.01.2001").boundary is not None  # kept
        event = AuditEvent.objects.order_by("-pk").first()
        assert AuditEvent.objects.count() == events + 1
        assert event.action == "regions.load"
        assert event.changes["renamed"] == {"51.05.01.2001": ["Sakti", "Sakti Baru"]}
        assert event.changes["source"] == "wilayah_2026.csv.gz"
        again = loader.load_region_file(newer, within="51.05")
        assert (again.created, again.updated) == (0, 0)

    def test_codes_missing_from_a_newer_list_are_kept(self, klungkung, tmp_path):
        rows = [row for row in klungkung_rows() if row["kode"] != "51.05.04.2001"]
        result = loader.load_region_file(write_list(tmp_path / "l.csv", rows, gz=False))
        assert result.not_in_list == 1
        assert Region.objects.filter(code="51.05.04.2001").exists()


BAD_ROWS = [
    ({"kode": "51.1", "nama": "X", "level": "kabupaten", "parent_kode": "51"}, "part 2"),
    ({"kode": "5105", "nama": "X", "level": "kabupaten", "parent_kode": "51"}, "dotted form"),
    ({"kode": "51.05", "nama": "", "level": "kabupaten", "parent_kode": "51"}, "name"),
    ({"kode": "51.05", "nama": "X", "level": "kecamatan", "parent_kode": "51"}, "level"),
    ({"kode": "51.05", "nama": "X", "level": "kabupaten", "parent_kode": "52"}, "parent"),
    ({"kode": "51", "nama": "Bali", "level": "provinsi", "parent_kode": ""}, "twice"),
    ({"kode": "51.05'--", "nama": "X", "level": "kabupaten", "parent_kode": "51"}, "characters"),
]


@pytest.mark.parametrize(("bad", "words"), BAD_ROWS, ids=[w for _, w in BAD_ROWS])
def test_a_bad_row_names_file_and_line_and_changes_nothing(klungkung, tmp_path, bad, words):
    rows = [{"kode": "51", "nama": "Bali Baru", "level": "provinsi", "parent_kode": ""}, bad]
    path = write_list(tmp_path / "rusak.csv", rows, gz=False)
    before, events = table_digest(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        loader.load_region_file(path)
    assert caught.value.message.startswith("rusak.csv, line 3:")
    assert words in caught.value.message
    assert table_digest() == before and AuditEvent.objects.count() == events
    assert Region.objects.get(code="51").name != "Bali Baru"


def test_missing_columns(klungkung, tmp_path):
    path = tmp_path / "kolom.csv"
    path.write_text("code,name\n51,Bali\n")
    with pytest.raises(ValidationFailed, match="missing columns: kode, level, nama, parent_kode"):
        loader.load_region_file(path)


def test_bad_boundary_file_changes_nothing(klungkung, tmp_path):
    path = tmp_path / "batas.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"kode": "51.05"}, "geometry": {"type": "Point", '
        '"coordinates": [115.4, -8.6]}}]}'
    )
    before = table_digest()
    with pytest.raises(ValidationFailed, match="must be a Polygon or MultiPolygon"):
        loader.load_boundaries(files=[path])
    path.write_text("{not json")
    with pytest.raises(ValidationFailed, match="not a readable GeoJSON file"):
        loader.load_boundaries(files=[path])
    assert table_digest() == before


def test_only_administrators_may_load(klungkung):
    user = get_user_model().objects.create_user("bukan_admin", password="Rahasia-Panjang-123")
    with pytest.raises(PermissionDenied):
        loader.load_regions(actor=user, within="51.05")
    with pytest.raises(PermissionDenied):
        loader.load_boundaries(actor=user)
    with pytest.raises(PermissionDenied):
        loader.load_bps_bridge(actor=user)
    admin = get_user_model().objects.create_user(
        "admin_wilayah", password="Rahasia-Panjang-123", is_superuser=True
    )
    assert loader.load_regions(actor=admin, within="51.05") == 65


def test_packaged_files_match_their_attribution():
    """Every data file ships inside the package and ATTRIBUTION.md names it with its sha256."""
    attribution = (loader.DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    files = [loader.REGIONS_FILE, loader.BPS_BRIDGE_FILE, *loader.BOUNDARY_FILES]
    for path in files:
        assert path.is_relative_to(Path(loader.__file__).parent), path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.name}" in attribution, f"{path.name}: checksum not listed"
    assert "MIT" in attribution and "b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7" in attribution
