"""Dashboards in headless Chromium on the Klungkung demo.

1. The regency home dashboard and the four sector dashboards at 360 px and 1280 px: every panel
   loads (in parallel, htmx), every chart is drawn by the vendored vega-embed, the home page shows
   choropleths of the 4 kecamatan and the 59 desa, no serious axe violation, no sideways scroll on
   the phone; screenshots in test-artifacts/screenshots/.
2. A walidata builds a chart in the builder, saves it, creates a dashboard, adds the chart and two
   demo panels to it, changes the kecamatan filter and sees every panel change.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    check_accessibility,
    log_in,
    overflowing_elements,
    page_width,
    save_screenshot,
)

pytestmark = pytest.mark.e2e

DASHBOARDS = ("klungkung", "kependudukan", "kemiskinan", "kesehatan", "pariwisata")
WIDTHS = {"360": PHONE, "1280": DESKTOP}
PANELS_LOADED = """() => {
  const panels = [...document.querySelectorAll('.dash-panel')];
  const charts = [...document.querySelectorAll('[data-vega-chart]')];
  return panels.length > 0
    && panels.every(p => p.getAttribute('aria-busy') === 'false')
    && charts.every(c => c.dataset.rendered === '1' || c.classList.contains('chart-failed'));
}"""


@pytest.fixture
def site_url(demo_site) -> str:
    return demo_site


@pytest.fixture(scope="module", autouse=True)
def _test_database_only(django_db_setup, django_db_blocker):
    """pytest-django creates the test database only when a collected test asks for one
    (`test_the_test_database_is_used` below does); without it `demo_site` would load into, and
    then flush, the real database in ./satudata-data. Refuse rather than touch it."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "memory" not in name and not name.rsplit("/", 1)[-1].startswith("test"):
        pytest.fail(f"refusing to load the demo into the real database {name}", pytrace=False)


@pytest.mark.django_db
def test_the_test_database_is_used(demo_site):
    from satudata.dashboards.models import Dashboard

    assert Dashboard.objects.filter(slug="klungkung").exists()


def _wait_for_panels(page) -> None:
    page.wait_for_function(PANELS_LOADED, timeout=30_000)


def _panel_texts(page) -> list[str]:
    return page.locator(".dash-panel").evaluate_all("(ps) => ps.map(p => p.innerText)")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("slug", DASHBOARDS)
def test_demo_dashboard(open_browser, slug, width):
    browsing = open_browser(WIDTHS[width])
    page = browsing.page
    response = browsing.visit(f"/dasbor/{slug}/")
    assert response.status == 200
    _wait_for_panels(page)
    browsing.assert_clean(f"loading the panels of {slug}")
    assert page.locator(".chart-failed").count() == 0, "a chart could not be drawn"
    assert page.locator(".chart-problem").count() == 0, page.locator(
        ".chart-problem"
    ).all_inner_texts()
    drawn = page.locator(
        "[data-vega-chart][data-rendered='1'] svg, [data-vega-chart][data-rendered='1'] canvas"
    )
    assert drawn.count() >= 1
    if slug == "klungkung":
        maps = page.locator(".chart-canvas-map[data-rendered='1'] canvas")
        assert maps.count() == 2, "the home dashboard shows the kecamatan and desa choropleths"
        summaries = " ".join(page.locator(".chart-summary").all_inner_texts())
        assert "4" in summaries and "59" in summaries  # 4 kecamatan, 59 desa drawn
    if width == "360":
        measured = page_width(page)
        assert measured <= 360, f"{slug} scrolls sideways: {overflowing_elements(page)}"
    check_accessibility(page, label=f"dashboard {slug} at {width}px")
    save_screenshot(page, f"dashboard-{slug}-{width}")


def test_build_save_add_and_filter_every_panel(open_browser):
    browsing = open_browser(DESKTOP)
    page = browsing.page
    log_in(browsing, "walidata", "walidata-klungkung")

    # 1. Build a chart in the builder: the preview appears through htmx, then save it.
    browsing.visit("/grafik/baru/?dataset=penduduk-kecamatan-sp2010-sp2020")
    page.select_option("#id_kind", "bar")
    page.select_option("#id_measure", "penduduk_sp2020")
    page.select_option("#id_category", "kode_kecamatan")
    page.select_option("#id_region_field", "kode_kecamatan")
    page.fill("#id_unit", "jiwa")
    page.fill("#id_title", "Penduduk SP2020 (uji peramban)")
    page.locator("#chart-preview [data-vega-chart][data-rendered='1'] svg").wait_for()
    assert "Klungkung" in page.locator("#chart-preview .chart-summary").inner_text()
    with page.expect_navigation(wait_until="networkidle"):
        page.click("#save-chart")
    assert "/grafik/" in page.url
    chart_url = page.url
    page.locator("[data-vega-chart][data-rendered='1'] svg").wait_for()
    browsing.assert_clean("after saving the chart")

    # 2. A new dashboard, with the saved chart added from its page.
    browsing.visit("/dasbor/baru/")
    page.fill("#id_title", "Dasbor uji peramban")
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("form [type=submit]").last.click()
    edit_url = page.url
    browsing.visit(chart_url.replace(browsing.base_url, ""))
    page.select_option("#add-to-dashboard select[name=dashboard]", "dasbor-uji-peramban")
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("#add-to-dashboard [type=submit]").click()
    assert page.url.endswith("/dasbor/dasbor-uji-peramban/")

    # 3. Two demo panels more through the edit page: a choropleth and an indicator card.
    for item in ("chart:kpd-kec-peta", "indicator:kunjungan-wisatawan-nusa-penida"):
        browsing.visit(edit_url.replace(browsing.base_url, ""))
        page.select_option("#add-item", item)
        with page.expect_navigation(wait_until="networkidle"):
            page.click("#add-panel-form button[value=add]")
    browsing.assert_clean("after adding panels")

    # 4. Every panel changes when the kecamatan filter changes (no full reload).
    browsing.visit("/dasbor/dasbor-uji-peramban/")
    _wait_for_panels(page)
    before = _panel_texts(page)
    assert len(before) == 3
    page.evaluate("() => { window.__sameDocument = true; }")
    page.select_option("#f-kecamatan", "51.05.04")
    page.wait_for_url("**kecamatan=51.05.04**")
    _wait_for_panels(page)
    after = _panel_texts(page)
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    for old, new in zip(before, after, strict=True):
        assert old != new, f"a panel did not change with the kecamatan filter:\n{new}"
    assert "Dawan" in after[0]
    assert "Dawan" in after[1]
    browsing.assert_clean("after changing the kecamatan filter")
    save_screenshot(page, "dashboard-filtered-1280")

    # 5. A click on a map area filters the dashboard by it: Nusa Penida is the large island
    # in the lower part of the kecamatan map.
    canvas = page.locator(".chart-canvas-map[data-rendered='1'] canvas").first
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.62)
    page.wait_for_url("**kecamatan=51.05.01**")
    _wait_for_panels(page)
    assert page.locator("#f-kecamatan").input_value() == "51.05.01"
    assert "Nusa Penida" in _panel_texts(page)[0]
    browsing.assert_clean("after clicking the map")
