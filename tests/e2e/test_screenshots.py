"""Public pages of the Klungkung demo on a 360 px phone and a 1280 px desktop.

Each page: loads without console errors or failed requests, passes axe-core (no serious or
critical violations), does not scroll sideways on the phone, and leaves a screenshot in
test-artifacts/screenshots/ (the desktop home page is also copied to docs/img/home-1280.png for
the README). The demo is loaded once for the module (see `demo_site`).
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

pytestmark = pytest.mark.e2e

DATASET_SLUG = "penduduk-kecamatan-sp2010-sp2020"
PAGES = {
    "home": "/",
    "catalogue": "/dataset",
    "search": "/dataset?q=penduduk",
    "dataset": f"/dataset/{DATASET_SLUG}",
    "organisations": "/organization",
    "topics": "/topik",
    "region": "/wilayah/51.05",
}
WIDTHS = {"360": PHONE, "1280": DESKTOP}
KECAMATAN = ("Nusa Penida", "Banjarangkan", "Klungkung", "Dawan")
# Where the region page draws its map: vega-embed renders an svg or a canvas inside it.
MAP_CONTAINER = "[data-map], .region-map, #map, .map"


@pytest.fixture
def site_url(demo_site) -> str:
    return demo_site


def _assert_fits(page, path: str, width: str) -> None:
    if width != "360":
        return
    measured = page_width(page)
    assert measured <= 360, (
        f"{path} is {measured}px wide on a 360px phone (scrolls sideways); "
        f"sticking out: {overflowing_elements(page)}"
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_public_page(open_browser, name, width):
    path = PAGES[name]
    browsing = open_browser(WIDTHS[width])
    response = browsing.visit(path)
    assert response.status == 200, f"{path} answered {response.status}"
    page = browsing.page
    if name == "region":
        for kecamatan in KECAMATAN:
            assert page.get_by_text(kecamatan).first.is_visible(), f"{kecamatan} not listed"
        page.locator(MAP_CONTAINER).locator("svg, canvas").first.wait_for(state="visible")
    if name == "dataset":
        # The preview table shows the census numbers (Nusa Penida, SP2020).
        table = page.locator("table").filter(has_text="kode_kecamatan").first
        table.wait_for(state="visible")
        assert "57370" in table.inner_text().replace(".", "").replace(",", "")
    save_screenshot(page, f"{name}-{width}")
    _assert_fits(page, path, width)
    check_accessibility(page, label=f"{path} at {width}px")
    browsing.assert_clean(f"on {path} at {width}px")
