"""Public pages on a 360 px phone and a 1280 px desktop: clean console, accessible, no sideways
scrolling on the phone, and a screenshot of each in test-artifacts/screenshots/ (the desktop home
page is also copied to docs/img/home-1280.png for the README).
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    check_accessibility,
    overflowing_elements,
    page_width,
    save_screenshot,
)
from tests.factories import make_dataset, make_topic, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# BPS Kabupaten Klungkung, Sensus Penduduk 2010 and 2020, per kecamatan.
POPULATION_CSV = """kode_kecamatan,nama_kecamatan,ibukota,luas_km2,penduduk_sp2010,penduduk_sp2020
51.05.01,Nusa Penida,Sampalan,202.84,45110,57370
51.05.02,Banjarangkan,Banjarangkan,45.73,37115,44431
51.05.03,Klungkung,Semarapura,29.05,55141,64235
51.05.04,Dawan,Dawan,37.38,33177,40889
"""
TOURISM_CSV = """bulan,kunjungan_wisman,kunjungan_wisnus
2024-01,41230,12050
2024-02,38110,11020
2024-03,45320,13110
"""
DATASET_SLUG = "penduduk-kecamatan-sp2020"
PAGES = {
    "home": "/",
    "catalogue": "/dataset",
    "dataset": f"/dataset/{DATASET_SLUG}",
}
WIDTHS = {"360": PHONE, "1280": DESKTOP}


@pytest.fixture
def region_boundaries() -> None:
    """The whole Kemendagri list with Klungkung's boundaries (the region map needs them)."""
    from satudata.regions.loader import load_all

    load_all()


@pytest.fixture
def public_content():
    """A small but realistic catalogue: two agencies, two sectors, three published datasets."""
    world = make_world("layar")
    tourism = make_topic("pariwisata-layar", "Pariwisata", "Tourism")
    make_dataset(
        world.owner,
        title="Jumlah Penduduk per Kecamatan di Kabupaten Klungkung (SP2010 dan SP2020)",
        slug=DATASET_SLUG,
        state="published",
        topic=world.topic,
        regions=["51.05"],
        tags=["penduduk", "sensus"],
        csv=POPULATION_CSV,
        description="Jumlah penduduk hasil Sensus Penduduk 2010 dan 2020 untuk empat kecamatan.",
        data_source="BPS Kabupaten Klungkung",
        unit="jiwa",
        temporal_start=2010,
        temporal_end=2020,
    )
    make_dataset(
        world.other,
        title="Kunjungan Wisatawan ke Nusa Penida per Bulan",
        slug="kunjungan-wisatawan-nusa-penida",
        state="published",
        topic=tourism,
        regions=["51.05.01"],
        tags=["wisata"],
        csv=TOURISM_CSV,
        unit="kunjungan",
        temporal_start=2024,
        temporal_end=2024,
    )
    make_dataset(
        world.owner, title="Rencana Data Puskesmas (draf)", state="draft", topic=world.topic
    )
    return world


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_public_page(public_content, open_browser, name, width):
    browsing = open_browser(WIDTHS[width])
    response = browsing.visit(PAGES[name])
    assert response.status == 200, f"{PAGES[name]} answered {response.status}"
    save_screenshot(browsing.page, f"{name}-{width}")
    if width == "360":
        measured = page_width(browsing.page)
        assert measured <= 360, (
            f"{PAGES[name]} is {measured}px wide on a 360px phone (scrolls sideways); "
            f"sticking out: {overflowing_elements(browsing.page)}"
        )
    check_accessibility(browsing.page, label=f"{PAGES[name]} at {width}px")
    browsing.assert_clean(f"on {PAGES[name]} at {width}px")
    if name == "dataset":
        # The preview table (an htmx partial) shows the uploaded numbers.
        assert browsing.page.locator("table").first.is_visible()
        assert "57370" in browsing.page.inner_text("main").replace(".", "").replace(",", "")


@pytest.mark.parametrize("width", WIDTHS)
def test_region_page_draws_the_map(region_boundaries, public_content, open_browser, width):
    browsing = open_browser(WIDTHS[width])
    response = browsing.visit("/wilayah/51.05")
    assert response.status == 200
    page = browsing.page
    for kecamatan in ("Nusa Penida", "Banjarangkan", "Klungkung", "Dawan"):
        assert page.get_by_text(kecamatan).first.is_visible(), f"{kecamatan} not listed"
    drawn = page.locator(MAP_CONTAINER).locator("svg, canvas")
    drawn.first.wait_for(state="visible", timeout=10_000)
    save_screenshot(page, f"region-{width}")
    if width == "360":
        measured = page_width(page)
        assert measured <= 360, (
            f"/wilayah/51.05 is {measured}px wide on a 360px phone; "
            f"sticking out: {overflowing_elements(page)}"
        )
    check_accessibility(page, label=f"/wilayah/51.05 at {width}px")
    browsing.assert_clean(f"on /wilayah/51.05 at {width}px")


# Where the region page draws its map (vega-embed renders an svg or canvas inside it).
MAP_CONTAINER = "[data-map], .region-map, #map, .map"
