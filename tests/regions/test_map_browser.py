"""The region map in headless Chromium: drawn on a 360 px phone and a 1280 px desktop, no
console errors, no sideways scrolling, no serious axe-core violations; screenshots saved.

The browser runs in a worker thread with its own Playwright instance (tests/e2e/browser.py:
`in_own_browser_thread`): Playwright's sync API allows one instance per thread, and tests/e2e
keeps a session-wide one in the main thread.
"""

from __future__ import annotations

import pytest

from satudata.regions.loader import load_boundaries, load_regions
from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    Browsing,
    check_accessibility,
    in_own_browser_thread,
    new_browsing,
    overflowing_elements,
    page_width,
    require_browser,
    save_screenshot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"360": PHONE, "1280": DESKTOP}
MAP_PAGES = ("/wilayah/51.05", "/wilayah/51.05.01")


def _check_map_page(browsing: Browsing, path: str, width: str) -> None:
    response = browsing.visit(path)
    assert response.status == 200
    page = browsing.page
    canvas = page.locator("#region-map canvas")
    canvas.wait_for(state="visible", timeout=10_000)
    box = canvas.bounding_box()
    viewport = WIDTHS[width]["width"]
    assert box["width"] > 0.6 * min(viewport, 1000), f"{path}: map only {box['width']}px wide"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 1
    assert box["height"] >= 200
    measured = page_width(page)
    assert measured <= viewport, f"{path}: {measured}px wide: {overflowing_elements(page)}"
    save_screenshot(page, f"region-{path.rsplit('/', 1)[1]}-{width}")
    check_accessibility(page, label=f"{path} at {width}px")
    browsing.assert_clean(f"on {path} at {width}px")


def _check_page_without_boundary(browsing: Browsing) -> None:
    browsing.visit("/wilayah/51")
    page = browsing.page
    assert page.locator(".region-no-map").is_visible()
    assert page.locator("canvas").count() == 0
    assert page_width(page) <= 360
    check_accessibility(page, label="/wilayah/51 at 360px")
    browsing.assert_clean("on /wilayah/51")


def _browse(base_url: str):
    def work(browser) -> None:
        for width, viewport in WIDTHS.items():
            browsing = new_browsing(browser, base_url, viewport)
            for path in MAP_PAGES:
                _check_map_page(browsing, path, width)
            if width == "360":
                _check_page_without_boundary(browsing)
            browsing.context.close()

    return work


def test_region_maps_in_the_browser(live_server):
    require_browser()
    # live_server reads committed rows (transaction=True), not the module fixtures' rollback.
    load_regions(within="51.05")
    load_boundaries()
    in_own_browser_thread(_browse(live_server.url))
