"""Loading the whole packaged Kemendagri list once: counts per level and idempotence.

Speed is measured by benchmarks/regions.py.
"""

from __future__ import annotations

import pytest
from django.db.models import Count

from satudata.core.models import AuditEvent
from satudata.regions import loader
from satudata.regions.models import Region
from tests.regions.test_loader import table_digest

pytestmark = pytest.mark.django_db

# shared/data/SOURCES.md: the 2025 Kepmendagri list as packaged.
LEVEL_COUNTS = {
    "provinsi": 38,
    "kabupaten": 416,
    "kota": 98,
    "kecamatan": 7285,
    "desa": 75252,
    "kelurahan": 8496,
    "desa_adat": 14,
}
TOTAL = 91_599


class TestWholeCountry:
    def test_counts(self, whole_country):
        assert whole_country["regions"] == TOTAL
        assert whole_country["regions_created"] == TOTAL
        assert whole_country["boundaries"] == 64  # 1 kabupaten + 4 kecamatan + 59 desa/kelurahan
        assert whole_country["bps_bridge"] == 67  # Bali, 9 kab/kota, 57 kecamatan
        assert Region.objects.count() == TOTAL
        per_level = dict(Region.objects.values_list("level").annotate(n=Count("code")))
        assert per_level == LEVEL_COUNTS

    def test_codes_are_strings_with_their_zeros(self, whole_country):
        assert Region.objects.get(code="51.05").name == "Kabupaten Klungkung"
        assert Region.objects.get(code="11.01.01.2001").name == "Keude Bakongan"
        assert Region.objects.filter(code="51.10").count() == 0  # Bali has no 10th regency
        assert Region.objects.get(code="91.03").name == "Kabupaten Jayapura"

    def test_depth_level_and_parent_follow_the_code(self, whole_country):
        depths = dict(Region.objects.values_list("depth").annotate(n=Count("code")))
        assert depths == {1: 38, 2: 514, 3: 7285, 4: 83762}
        assert not Region.objects.filter(depth=1).exclude(parent=None).exists()
        assert not Region.objects.filter(depth__gt=1, parent=None).exists()
        orphans = Region.objects.exclude(parent=None).exclude(
            parent_id__in=Region.objects.values("code")
        )
        assert orphans.count() == 0
        sakti = Region.objects.select_related("parent__parent").get(code="51.05.01.2001")
        assert (sakti.level, sakti.depth, sakti.parent.name) == ("desa", 4, "Nusa Penida")
        assert sakti.parent.parent.code == "51.05"
        assert Region.objects.get(code="51.71").level == "kota"

    def test_boundaries_and_bridge(self, whole_country):
        klungkung = Region.objects.get(code="51.05")
        assert klungkung.boundary["type"] == "MultiPolygon"
        assert -8.8 < klungkung.latitude < -8.5 and 115.3 < klungkung.longitude < 115.7
        assert Region.objects.exclude(boundary=None).count() == 64
        assert not Region.objects.exclude(boundary=None).exclude(code__startswith="51.05").exists()
        # BPS numbers some Bali kecamatan differently: 5101020 NEGARA is Kemendagri 51.01.01.
        negara = Region.objects.get(code="51.01.01")
        assert (negara.bps_code, negara.bps_name) == ("5101020", "NEGARA")
        assert Region.objects.get(code="51.05.01").bps_code == "5105010"
        assert Region.objects.exclude(bps_code="").count() == 67

    def test_second_load_changes_nothing(self, whole_country):
        before, events = table_digest(), AuditEvent.objects.count()
        again = loader.load_all()
        assert again == {
            "regions": TOTAL,
            "regions_created": 0,
            "regions_updated": 0,
            "regions_not_in_list": 0,
            "boundaries": 64,
            "bps_bridge": 67,
        }
        assert Region.objects.count() == TOTAL
        assert table_digest() == before
        assert AuditEvent.objects.count() == events, "an unchanged load must not be audited"

    def test_progress_reports_up_to_the_total(self, whole_country):
        seen: list[tuple[int, int]] = []
        loader.load_regions(progress=lambda done, total: seen.append((done, total)))
        assert seen and seen[-1] == (TOTAL, TOTAL)
        assert all(total == TOTAL for _, total in seen)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
