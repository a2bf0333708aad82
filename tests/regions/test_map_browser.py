"""The region map in headless Chromium: drawn on a 360 px phone and a 1280 px desktop, no
console errors, no sideways scrolling, no serious axe-core violations; screenshots saved."""

from __future__ import annotations

import pytest

from satudata.regions.loader import load_boundaries, load_regions
from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    check_accessibility,
    overflowing_elements,
    page_width,
    save_screenshot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"360": PHONE, "1280": DESKTOP}


@pytest.fixture
def klungkung_regions() -> None:
    # live_server needs committed rows, so the module-level (rolled back) fixture cannot serve.
    load_regions(within="51.05")
    load_boundaries()


@pytest.mark.parametrize("path", ["/wilayah/51.05", "/wilayah/51.05.01"])
@pytest.mark.parametrize("width", WIDTHS)
def test_map_is_drawn_and_fits(klungkung_regions, open_browser, width, path):
    browsing = open_browser(WIDTHS[width])
    response = browsing.visit(path)
    assert response.status == 200
    page = browsing.page
    canvas = page.locator("#region-map canvas")
    canvas.wait_for(state="visible", timeout=10_000)
    box = canvas.bounding_box()
    viewport = WIDTHS[width]["width"]
    assert box["width"] > 0.6 * min(viewport, 1000), f"map only {box['width']}px wide"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 1
    assert box["height"] >= 200
    measured = page_width(page)
    assert measured <= viewport, f"{measured}px wide: {overflowing_elements(page)}"
    save_screenshot(page, f"region-{path.rsplit('/', 1)[1]}-{width}")
    check_accessibility(page, label=f"{path} at {width}px")
    browsing.assert_clean(f"on {path} at {width}px")


def test_region_without_boundary_shows_the_note(klungkung_regions, open_browser):
    browsing = open_browser(PHONE)
    browsing.visit("/wilayah/51")
    page = browsing.page
    assert page.locator(".region-no-map").is_visible()
    assert page.locator("canvas").count() == 0
    assert page_width(page) <= 360
    check_accessibility(page, label="/wilayah/51 at 360px")
    browsing.assert_clean("on /wilayah/51")
