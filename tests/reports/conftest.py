"""A small published dataset and a report over it, built through the real services."""

from __future__ import annotations

import pytest

from satudata.core.permissions import SYSTEM
from tests.factories import make_dataset, make_world

KECAMATAN_CSV = (
    "kode_kecamatan,nama_kecamatan,tahun,penduduk,luas_km2\n"
    "51.05.01,Nusa Penida,2010,45110,202.84\n"
    "51.05.02,Banjarangkan,2010,37115,45.73\n"
    "51.05.03,Klungkung,2010,55141,29.05\n"
    "51.05.04,Dawan,2010,33177,37.38\n"
    "51.05.01,Nusa Penida,2020,57370,202.84\n"
    "51.05.02,Banjarangkan,2020,44431,45.73\n"
    "51.05.03,Klungkung,2020,64235,29.05\n"
    "51.05.04,Dawan,2020,40889,37.38\n"
)


@pytest.fixture
def world(db):
    return make_world("lap")


@pytest.fixture
def dataset(world):
    return make_dataset(
        world.owner,
        title="Penduduk per Kecamatan",
        slug="lap-penduduk",
        state="published",
        csv=KECAMATAN_CSV,
    )


@pytest.fixture
def report(world, dataset):
    from satudata.reports import services

    report = services.create_report(
        SYSTEM,
        slug="lap-uji",
        title="Klungkung Uji dalam Angka",
        subtitle="Publikasi uji",
        introduction="Pengantar publikasi uji.\n\nParagraf kedua.",
        organisation=world.walidata_org,
        schedule="monthly",
    )
    services.save_section(
        SYSTEM,
        report,
        kind="text",
        title="Gambaran Umum",
        body="Teks bab pertama.",
        starts_chapter=True,
    )
    services.save_section(
        SYSTEM,
        report,
        kind="indicator",
        title="Jumlah Penduduk",
        dataset=dataset,
        config={"measure": "penduduk", "time_field": "tahun", "unit": "jiwa"},
    )
    services.save_section(
        SYSTEM,
        report,
        kind="table",
        title="Penduduk per Kecamatan 2020",
        dataset=dataset,
        config={
            "fields": ["kode_kecamatan", "nama_kecamatan", "penduduk"],
            "conditions": [{"field": "tahun", "op": "eq", "value": 2020}],
            "sort": ["-penduduk"],
        },
    )
    return report
