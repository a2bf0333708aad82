"""The demo publication "Klungkung dalam Angka (demo)" (issue 7 point 6).

Built only from the demo datasets (real published statistics, see demo/data/SOURCES.md): every
table, card, chart and map reads their current public version, and the cover, the introduction
and the web page say it is a demo. Texts describe what the tables show and where they come
from; they state no figure of their own. Idempotent: an existing report is left as it is, and an
edition is generated only when there is none.
"""

from __future__ import annotations

import logging

from satudata.core.permissions import SYSTEM

logger = logging.getLogger(__name__)

SLUG = "klungkung-dalam-angka-demo"
CARDS_PER_CHAPTER_MAX = 3
CHARTS_PER_CHAPTER_MAX = 2
MAPS_PER_CHAPTER_MAX = 1
POPULATION = "penduduk-kecamatan-sp2010-sp2020"
POPULATION_SERIES = "penduduk-kabupaten-klungkung-menurut-sumber"
POVERTY = "kemiskinan-kabupaten-klungkung"
VISITORS = "kunjungan-wisatawan-nusa-penida-bulanan"
TOURISM_INCOME = "retribusi-pariwisata-kabupaten-klungkung"
PUSTU = "puskesmas-pembantu-kabupaten-klungkung"
BALI_2024 = "penduduk-luas-kabupaten-kota-bali-2024"

INTRODUCTION = (
    "Klungkung dalam Angka (demo) menghimpun data terbuka yang diterbitkan di portal Satu Data "
    "ini ke dalam satu publikasi yang dapat dicetak: kependudukan, kemiskinan, pariwisata dan "
    "kesehatan.\n\n"
    "Setiap tabel, grafik dan kartu indikator dibaca dari versi publik terkini dataset yang "
    "disebut di bawahnya, lengkap dengan perangkat daerah pengelolanya dan tautan ke halaman "
    "dataset. Bila dataset diperbarui, edisi berikutnya memuat angka terbaru dengan sendirinya.\n\n"
    "Publikasi ini adalah contoh (demo). Angka-angkanya dihimpun dari statistik resmi yang "
    "dipublikasikan (BPS, Kemendagri, Dinas Pariwisata; lihat halaman tiap dataset untuk sumber "
    "dan catatannya), tetapi publikasi ini bukan terbitan resmi Pemerintah Kabupaten Klungkung."
)


def _dataset(slug: str):
    from satudata.catalog.models import Dataset

    return Dataset.objects.filter(slug=slug, published_version__isnull=False).first()


def _dashboard_sections(*dataset_slugs: str) -> list[dict]:
    """Indicator cards, then charts, then maps that the dashboards demo (contract D) made over
    these datasets and the public may see; none when that app has none."""
    try:
        from satudata.dashboards.models import Chart, Indicator
    except ImportError:
        return []
    from satudata.core.permissions import ANONYMOUS

    sections: list[dict] = [
        {"kind": "indicator", "title": indicator.name, "config": {"indicator": indicator.slug}}
        for indicator in Indicator.objects.visible_to(ANONYMOUS)
        .filter(dataset__slug__in=dataset_slugs)
        .order_by("pk")[:CARDS_PER_CHAPTER_MAX]
    ]
    charts = list(
        Chart.objects.visible_to(ANONYMOUS).filter(dataset__slug__in=dataset_slugs).order_by("pk")
    )
    plain = [c for c in charts if not c.is_map and c.kind != "table"][:CHARTS_PER_CHAPTER_MAX]
    maps = [c for c in charts if c.kind == "choropleth"][:MAPS_PER_CHAPTER_MAX]
    sections += [{"kind": "chart", "title": c.title, "config": {"chart": c.key}} for c in plain]
    sections += [{"kind": "map", "title": c.title, "config": {"chart": c.key}} for c in maps]
    return sections


def _sections() -> list[dict]:
    """The publication's sections, in order; a section whose dataset is missing is left out."""
    population = _dataset(POPULATION)
    sections: list[dict] = [
        {
            "kind": "text",
            "title": "Kependudukan",
            "starts_chapter": True,
            "body": "Jumlah, sebaran dan kepadatan penduduk menurut kecamatan menurut Sensus "
            "Penduduk 2010 dan 2020 (BPS), serta jumlah penduduk kabupaten menurut sumber "
            "dan periode. Angka dari sumber yang berbeda (sensus, proyeksi, data administrasi "
            "kependudukan) tidak selalu dapat dibandingkan langsung.",
        },
    ]
    sections += _dashboard_sections(POPULATION, POPULATION_SERIES)
    if population is not None:
        sections.append(
            {
                "kind": "table",
                "title": "Luas wilayah, penduduk dan kepadatan menurut kecamatan",
                "dataset": population,
                "config": {
                    "fields": [
                        "kode_kecamatan",
                        "nama_kecamatan",
                        "luas_km2",
                        "penduduk_sp2010",
                        "penduduk_sp2020",
                        "kepadatan_per_km2_2020",
                        "jumlah_desa",
                        "jumlah_kelurahan",
                    ],
                    "sort": ["kode_kecamatan"],
                },
            }
        )
    series = _dataset(POPULATION_SERIES)
    if series is not None:
        sections.append(
            {
                "kind": "table",
                "title": "Jumlah penduduk Kabupaten Klungkung menurut sumber dan periode",
                "dataset": series,
                "config": {
                    "fields": ["periode", "jenis_angka", "produsen", "penduduk_total"],
                    "sort": ["periode"],
                },
            }
        )
    poverty = _dataset(POVERTY)
    if poverty is not None:
        sections.append(
            {
                "kind": "text",
                "title": "Kemiskinan",
                "starts_chapter": True,
                "body": "Persentase dan jumlah penduduk miskin Kabupaten Klungkung menurut "
                "tahun yang tersedia di dataset (BPS, dikutip media; lihat catatan dataset).",
            }
        )
        from_dashboards = _dashboard_sections(POVERTY)
        sections += from_dashboards
        if not any(item["kind"] == "indicator" for item in from_dashboards):
            sections += [
                {
                    "kind": "indicator",
                    "title": "Persentase penduduk miskin",
                    "dataset": poverty,
                    "body": "Persentase penduduk yang berada di bawah garis kemiskinan (BPS).",
                    "config": {
                        "measure": "persentase_penduduk_miskin",
                        "time_field": "tahun",
                        "aggregate": "max",
                        "unit": "persen",
                        "decimals": 2,
                    },
                },
                {
                    "kind": "indicator",
                    "title": "Jumlah penduduk miskin",
                    "dataset": poverty,
                    "config": {
                        "measure": "jumlah_penduduk_miskin_jiwa",
                        "time_field": "tahun",
                        "aggregate": "max",
                        "unit": "jiwa",
                    },
                },
            ]
        sections.append(
            {
                "kind": "table",
                "title": "Penduduk miskin menurut tahun",
                "dataset": poverty,
                "config": {
                    "fields": [
                        "tahun",
                        "persentase_penduduk_miskin",
                        "jumlah_penduduk_miskin_jiwa",
                    ],
                    "sort": ["tahun"],
                },
            }
        )
    visitors, income = _dataset(VISITORS), _dataset(TOURISM_INCOME)
    if visitors is not None or income is not None:
        sections.append(
            {
                "kind": "text",
                "title": "Pariwisata",
                "starts_chapter": True,
                "body": "Kunjungan wisatawan ke Nusa Penida (dihitung dari tiket retribusi) dan "
                "retribusi pariwisata kabupaten, sebagaimana diberitakan dari keterangan Dinas "
                "Pariwisata. Hanya bulan dan tahun yang tersedia di dataset yang ditampilkan.",
            }
        )
        sections += _dashboard_sections(VISITORS, TOURISM_INCOME)
    if visitors is not None:
        sections.append(
            {
                "kind": "table",
                "title": "Kunjungan wisatawan ke Nusa Penida menurut bulan",
                "dataset": visitors,
                "config": {
                    "fields": ["periode", "jumlah_wisatawan", "satuan"],
                    "sort": ["periode"],
                },
            }
        )
    if income is not None:
        sections.append(
            {
                "kind": "table",
                "title": "Retribusi dan kunjungan pariwisata: target dan realisasi",
                "dataset": income,
                "config": {
                    "fields": ["kode_wilayah", "tahun", "indikator", "nilai", "satuan"],
                    "sort": ["tahun", "indikator"],
                },
            }
        )
    pustu = _dataset(PUSTU)
    if pustu is not None:
        sections += [
            {
                "kind": "text",
                "title": "Kesehatan",
                "starts_chapter": True,
                "body": "Puskesmas pembantu menurut puskesmas induk. Dataset ini memuat sebagian "
                "puskesmas pembantu saja (lihat halaman dataset), sehingga jumlahnya bukan "
                "jumlah seluruh fasilitas di kabupaten.",
            },
            *_dashboard_sections(PUSTU),
            {
                "kind": "table",
                "title": "Puskesmas pembantu menurut puskesmas induk (sebagian)",
                "dataset": pustu,
                "config": {
                    "group_by": ["puskesmas_induk_dari_nama"],
                    "aggregates": ["count"],
                    "sort": ["puskesmas_induk_dari_nama"],
                },
            },
        ]
    bali = _dataset(BALI_2024)
    if bali is not None:
        sections.append(
            {
                "kind": "table",
                "title": "Klungkung di antara kabupaten/kota di Bali: penduduk dan luas, 2024",
                "starts_chapter": True,
                "body": "Jumlah penduduk menurut data administrasi kependudukan semester II 2024 "
                "(Ditjen Dukcapil) dan luas wilayah menurut BIG, untuk membandingkan Klungkung "
                "dengan kabupaten/kota lain di Provinsi Bali.",
                "dataset": bali,
                "config": {
                    "fields": ["kode", "nama", "laki_laki", "perempuan", "total", "luas_km2"],
                    "sort": ["kode"],
                },
            }
        )
    return sections


def load_demo() -> None:
    from satudata.accounts.models import Organisation
    from satudata.core.errors import SatuDataError
    from satudata.reports import services
    from satudata.reports.models import Report

    report = Report.objects.filter(slug=SLUG).first()
    if report is None:
        report = services.create_report(
            SYSTEM,
            slug=SLUG,
            is_demo=True,
            title="Klungkung dalam Angka (demo)",
            subtitle="Publikasi contoh dari data terbuka Satu Data Kabupaten Klungkung",
            introduction=INTRODUCTION,
            organisation=Organisation.objects.filter(slug="diskominfo-klungkung").first(),
            schedule="yearly",
            is_public=True,
        )
        for values in _sections():
            try:
                services.save_section(SYSTEM, report, **values)
            except SatuDataError as error:  # a dataset changed shape: leave the section out
                logger.warning("demo report section %r left out: %s", values["title"], error)
    if not report.editions.exists():
        services.generate_edition(SYSTEM, report, announce=False)
