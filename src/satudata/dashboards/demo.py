"""Demo dashboards: the regency home dashboard and four sector dashboards (kependudukan,
kemiskinan, kesehatan, pariwisata), built ONLY from the real demo datasets (satudata.demo).

The demo data is thin in places (poverty and tourism figures exist only for the whole regency or
for Nusa Penida; health has only a partial list of pustu). The dashboards show what exists and say
so in their note, instead of filling gaps with invented numbers.

Idempotent: charts have fixed keys, indicators and dashboards fixed slugs; `ensure_*` services
write nothing when all is as declared, and panels are laid out only on a dashboard without any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from satudata.core.permissions import SYSTEM

POPULATION_KECAMATAN = "penduduk-kecamatan-sp2010-sp2020"
POPULATION_SERIES = "penduduk-kabupaten-klungkung-menurut-sumber"
BALI_SP2020 = "penduduk-kabupaten-kota-bali-sp2020"
POVERTY = "kemiskinan-kabupaten-klungkung"
VISITORS = "kunjungan-wisatawan-nusa-penida-bulanan"
RETRIBUTION = "retribusi-pariwisata-kabupaten-klungkung"
PUSTU = "puskesmas-pembantu-kabupaten-klungkung"
BOUNDARIES = "batas-desa-kelurahan-kabupaten-klungkung"


@dataclass(frozen=True)
class DemoChart:
    key: str
    dataset: str
    values: dict[str, Any]


@dataclass(frozen=True)
class DemoIndicator:
    slug: str
    dataset: str
    values: dict[str, Any]


@dataclass(frozen=True)
class DemoDashboard:
    slug: str
    title: str
    panels: tuple[tuple[str, str], ...]  # (chart key or "i:<indicator slug>", width)
    values: dict[str, Any] = field(default_factory=dict)


CHARTS: tuple[DemoChart, ...] = (
    DemoChart(
        "pdk-kec-2020",
        POPULATION_KECAMATAN,
        {
            "title": "Penduduk per kecamatan, Sensus Penduduk 2020",
            "description": "Jumlah penduduk hasil SP2020 (BPS) di empat kecamatan.",
            "kind": "bar",
            "measure": "penduduk_sp2020",
            "category": "kode_kecamatan",
            "region_field": "kode_kecamatan",
            "unit": "jiwa",
        },
    ),
    DemoChart(
        "pdk-kec-2010",
        POPULATION_KECAMATAN,
        {
            "title": "Penduduk per kecamatan, Sensus Penduduk 2010",
            "kind": "bar",
            "measure": "penduduk_sp2010",
            "category": "kode_kecamatan",
            "region_field": "kode_kecamatan",
            "unit": "jiwa",
        },
    ),
    DemoChart(
        "kpd-kec-peta",
        POPULATION_KECAMATAN,
        {
            "title": "Kepadatan penduduk per kecamatan, 2020",
            "description": "Penduduk SP2020 per km² luas wilayah (BPS).",
            "kind": "choropleth",
            "measure": "kepadatan_per_km2_2020",
            "aggregate": "sum",
            "region_field": "kode_kecamatan",
            "map_level": "kecamatan",
            "classing": "quantile",
            "unit": "jiwa/km²",
        },
    ),
    DemoChart(
        "pdk-kec-peta",
        POPULATION_KECAMATAN,
        {
            "title": "Peta penduduk per kecamatan, SP2020",
            "kind": "choropleth",
            "measure": "penduduk_sp2020",
            "region_field": "kode_kecamatan",
            "map_level": "kecamatan",
            "classing": "equal",
            "unit": "jiwa",
        },
    ),
    DemoChart(
        "pdk-sumber",
        POPULATION_SERIES,
        {
            "title": "Jumlah penduduk Kabupaten Klungkung menurut produsen dan periode",
            "description": "Angka sensus/estimasi (BPS) dan administrasi (Dukcapil) berbeda "
            "definisinya: warna menunjukkan produsennya, jangan dibandingkan begitu saja.",
            "kind": "grouped_bar",
            "measure": "penduduk_total",
            "category": "periode",
            "series": "produsen",
            "time_field": "periode",
            "unit": "jiwa",
        },
    ),
    DemoChart(
        "pdk-bali-2020",
        BALI_SP2020,
        {
            "title": "Penduduk kabupaten/kota di Bali, SP2020",
            "kind": "bar",
            "measure": "penduduk_sp2020",
            "category": "kode",
            "unit": "jiwa",
        },
    ),
    DemoChart(
        "desa-titik",
        BOUNDARIES,
        {
            "title": "Letak desa dan kelurahan (titik tengah)",
            "description": "Titik tengah poligon batas 59 desa/kelurahan (BIG via "
            "cahyadsn/wilayah_boundaries).",
            "kind": "point_map",
            "category": "nama",
            "aggregate": "count",
            "region_field": "kode",
            "latitude_field": "lat",
            "longitude_field": "lng",
            "map_level": "kecamatan",
        },
    ),
    DemoChart(
        "miskin-persen",
        POVERTY,
        {
            "title": "Persentase penduduk miskin Kabupaten Klungkung",
            "description": "BPS (via databoks): tahun yang tersedia dalam data terbuka saja.",
            "kind": "line",
            "measure": "persentase_penduduk_miskin",
            "aggregate": "sum",
            "time_field": "tahun",
            "unit": "persen",
        },
    ),
    DemoChart(
        "miskin-jiwa",
        POVERTY,
        {
            "title": "Jumlah penduduk miskin Kabupaten Klungkung",
            "kind": "bar",
            "measure": "jumlah_penduduk_miskin_jiwa",
            "time_field": "tahun",
            "unit": "jiwa",
        },
    ),
    DemoChart(
        "wisatawan-np",
        VISITORS,
        {
            "title": "Kunjungan wisatawan ke Nusa Penida per bulan",
            "description": "Dari tiket retribusi (Dinas Pariwisata, dikutip detik.com); hanya "
            "bulan-bulan yang disebut sumber.",
            "kind": "line",
            "measure": "jumlah_wisatawan",
            "time_field": "periode",
            "region_field": "kode_kecamatan",
            "unit": "orang",
        },
    ),
    DemoChart(
        "retribusi",
        RETRIBUTION,
        {
            "title": "Retribusi pariwisata: target dan realisasi",
            "kind": "grouped_bar",
            "measure": "nilai",
            "category": "tahun",
            "series": "indikator",
            "time_field": "tahun",
            "filters": [{"field": "satuan", "op": "eq", "value": "rupiah"}],
            "unit": "rupiah",
        },
    ),
    DemoChart(
        "pustu-desa",
        PUSTU,
        {
            "title": "Puskesmas pembantu per desa (daftar sebagian)",
            "description": "Banyaknya pustu dalam daftar Kemenkes yang tersedia (23 dari "
            "seluruh pustu). Desa abu-abu: tidak ada dalam daftar ini, belum tentu tanpa pustu.",
            "kind": "choropleth",
            "aggregate": "count",
            "region_field": "kode_desa_kemendagri_hasil_cocok",
            "map_level": "desa",
            "classing": "equal",
            "unit": "pustu",
        },
    ),
    DemoChart(
        "pustu-induk",
        PUSTU,
        {
            "title": "Puskesmas pembantu menurut puskesmas induk (daftar sebagian)",
            "kind": "bar",
            "aggregate": "count",
            "category": "puskesmas_induk_dari_nama",
            "region_field": "kode_desa_kemendagri_hasil_cocok",
            "unit": "pustu",
        },
    ),
)

INDICATORS: tuple[DemoIndicator, ...] = (
    DemoIndicator(
        "penduduk-sensus",
        POPULATION_SERIES,
        {
            "name": "Jumlah penduduk (hasil sensus)",
            "definition": "Jumlah penduduk Kabupaten Klungkung hasil Sensus Penduduk BPS.",
            "measure": "penduduk_total",
            "aggregate": "sum",
            "time_field": "periode",
            "filters": [
                {"field": "produsen", "op": "eq", "value": "BPS"},
                {"field": "jenis_angka", "op": "contains", "value": "Sensus"},
            ],
            "unit": "jiwa",
            "polarity": "neutral",
        },
    ),
    DemoIndicator(
        "persentase-penduduk-miskin",
        POVERTY,
        {
            "name": "Persentase penduduk miskin",
            "definition": "Persentase penduduk di bawah garis kemiskinan (BPS).",
            "measure": "persentase_penduduk_miskin",
            "aggregate": "sum",
            "time_field": "tahun",
            "unit": "persen",
            "polarity": "lower_better",
            "decimals": 2,
        },
    ),
    DemoIndicator(
        "jumlah-penduduk-miskin",
        POVERTY,
        {
            "name": "Jumlah penduduk miskin",
            "definition": "Banyaknya penduduk di bawah garis kemiskinan (BPS).",
            "measure": "jumlah_penduduk_miskin_jiwa",
            "aggregate": "sum",
            "time_field": "tahun",
            "unit": "jiwa",
            "polarity": "lower_better",
        },
    ),
    DemoIndicator(
        "realisasi-retribusi-pariwisata",
        RETRIBUTION,
        {
            "name": "Realisasi PAD retribusi pariwisata",
            "definition": "Pendapatan asli daerah dari retribusi pariwisata yang diterima.",
            "measure": "nilai",
            "aggregate": "sum",
            "time_field": "tahun",
            "filters": [
                {"field": "indikator", "op": "eq", "value": "realisasi PAD retribusi pariwisata"}
            ],
            "unit": "rupiah",
            "target": 40_700_000_000.0,
            "target_label": "target 2025",
            "polarity": "higher_better",
        },
    ),
    DemoIndicator(
        "kunjungan-wisatawan-nusa-penida",
        VISITORS,
        {
            "name": "Kunjungan wisatawan Nusa Penida (bulanan)",
            "definition": "Wisatawan yang membayar retribusi masuk Nusa Penida dalam sebulan.",
            "measure": "jumlah_wisatawan",
            "aggregate": "sum",
            "time_field": "periode",
            "region_field": "kode_kecamatan",
            "unit": "orang",
            "polarity": "neutral",
        },
    ),
    DemoIndicator(
        "pustu-tercatat",
        PUSTU,
        {
            "name": "Puskesmas pembantu dalam daftar terbuka",
            "definition": "Banyaknya pustu pada daftar Kemenkes yang dapat dibaca (daftar "
            "sebagian, bukan jumlah seluruh pustu).",
            "measure": "kode_desa_kemendagri_hasil_cocok",
            "aggregate": "count",
            "region_field": "kode_desa_kemendagri_hasil_cocok",
            "unit": "pustu",
            "polarity": "neutral",
        },
    ),
)

HOME = "klungkung"
DASHBOARDS: tuple[DemoDashboard, ...] = (
    DemoDashboard(
        HOME,
        "Dasbor Kabupaten Klungkung",
        (
            ("i:penduduk-sensus", "third"),
            ("i:persentase-penduduk-miskin", "third"),
            ("i:realisasi-retribusi-pariwisata", "third"),
            ("kpd-kec-peta", "half"),
            ("pustu-desa", "half"),
            ("pdk-kec-2020", "half"),
            ("miskin-persen", "half"),
            ("wisatawan-np", "full"),
        ),
        {
            "is_home": True,
            "position": 0,
            "description": "Angka utama Kabupaten Klungkung dari data yang sudah terbit di "
            "portal ini.",
            "note": "Data demo: angka nyata dari publikasi terbuka (lihat sumber tiap panel). "
            "Sebagian angka hanya tersedia untuk seluruh kabupaten; filter kecamatan/desa "
            "berlaku hanya untuk panel yang datanya memiliki kode wilayah.",
            "variables": [],
        },
    ),
    DemoDashboard(
        "kependudukan",
        "Kependudukan",
        (
            ("i:penduduk-sensus", "half"),
            ("pdk-kec-peta", "half"),
            ("kpd-kec-peta", "half"),
            ("desa-titik", "half"),
            ("pdk-kec-2020", "half"),
            ("pdk-kec-2010", "half"),
            ("pdk-sumber", "full"),
            ("pdk-bali-2020", "full"),
        ),
        {
            "position": 1,
            "description": "Penduduk, kepadatan dan letak desa Kabupaten Klungkung.",
            "note": "Per kecamatan hanya tersedia hasil SP2010 dan SP2020; angka per desa belum "
            "ada sebagai data terbuka.",
            "variables": [
                {"field": "penduduk_sp2020", "label": "Penduduk SP2020"},
                {"field": "penduduk_sp2010", "label": "Penduduk SP2010"},
                {"field": "kepadatan_per_km2_2020", "label": "Kepadatan 2020"},
            ],
        },
    ),
    DemoDashboard(
        "kemiskinan",
        "Kemiskinan",
        (
            ("i:persentase-penduduk-miskin", "half"),
            ("i:jumlah-penduduk-miskin", "half"),
            ("miskin-persen", "half"),
            ("miskin-jiwa", "half"),
        ),
        {
            "position": 2,
            "description": "Persentase dan jumlah penduduk miskin (BPS).",
            "note": "Data terbuka kemiskinan hanya ada untuk seluruh kabupaten dan untuk "
            "beberapa tahun (2006, 2020, 2022-2024), sehingga filter kecamatan/desa tidak "
            "berlaku. Data DTKS per desa bersifat terbatas dan tidak ditampilkan.",
        },
    ),
    DemoDashboard(
        "kesehatan",
        "Kesehatan",
        (
            ("i:pustu-tercatat", "half"),
            ("pustu-induk", "half"),
            ("pustu-desa", "full"),
        ),
        {
            "position": 3,
            "description": "Fasilitas kesehatan tingkat desa.",
            "note": "Demo ini hanya memiliki daftar sebagian (23) puskesmas pembantu dari "
            "Kemenkes; belum ada data kesehatan lain yang terbit. Desa tanpa pustu dalam "
            "daftar ditandai abu-abu (tidak ada data), bukan nol.",
        },
    ),
    DemoDashboard(
        "pariwisata",
        "Pariwisata",
        (
            ("i:realisasi-retribusi-pariwisata", "half"),
            ("i:kunjungan-wisatawan-nusa-penida", "half"),
            ("retribusi", "full"),
            ("wisatawan-np", "full"),
        ),
        {
            "position": 4,
            "description": "Kunjungan wisatawan dan retribusi pariwisata.",
            "note": "Angka kunjungan hanya tersedia untuk Nusa Penida dan untuk bulan yang "
            "disebut pemberitaan; retribusi untuk 2023-2025 (2025: target).",
        },
    ),
)
TOPICS = {
    "kependudukan": "kependudukan",
    "kemiskinan": "sosial",
    "kesehatan": "kesehatan",
    "pariwisata": "pariwisata",
}


def load_demo() -> dict[str, int]:
    """Create or update the demo charts, indicators and dashboards (datasets must be loaded)."""
    from satudata.catalog.models import Dataset, Topic
    from satudata.dashboards import services

    datasets = {
        d.slug: d
        for d in Dataset.objects.filter(published_version__isnull=False).select_related(
            "published_version"
        )
    }
    items: dict[str, Any] = {}
    for spec in CHARTS:
        if spec.dataset in datasets:
            items[spec.key] = services.ensure_chart(
                SYSTEM, key=spec.key, dataset=datasets[spec.dataset], **spec.values
            )
    for spec in INDICATORS:
        if spec.dataset in datasets:
            items["i:" + spec.slug] = services.ensure_indicator(
                SYSTEM, slug=spec.slug, dataset=datasets[spec.dataset], **spec.values
            )
    topics = {t.slug: t for t in Topic.objects.all()}
    made = 0
    for spec in DASHBOARDS:
        panels = [(items[key], width) for key, width in spec.panels if key in items]
        values = dict(spec.values)
        if spec.slug in TOPICS and TOPICS[spec.slug] in topics:
            values["topic"] = topics[TOPICS[spec.slug]]
        services.ensure_dashboard(SYSTEM, slug=spec.slug, title=spec.title, panels=panels, **values)
        made += 1
    return {"charts": len([k for k in items if not k.startswith("i:")]), "dashboards": made}
