"""A walidata works through the review queue in a real browser and returns a dataset with a
comment pinned to a data cell; the produsen then sees the returned version and the comment.

The browser runs in a worker thread with its own Playwright instance (tests/e2e/browser.py:
`browser_runner`), so this module runs in one pytest session with tests/e2e. Database checks
happen in the test's own thread, after the browser is done.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from satudata.warehouse.models import Version
from satudata.workflow import services
from satudata.workflow.models import Comment
from tests.e2e.browser import (
    PHONE,
    Browsing,
    browser_runner,
    check_accessibility,
    log_in,
    log_out,
    overflowing_elements,
    page_width,
    save_screenshot,
)
from tests.factories import CODE_CSV, make_dataset, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMMENT = "Angka di baris 2 berbeda dengan laporan tahunan Dinas; mohon dicek kembali."


@pytest.fixture
def in_browser(live_server) -> Callable[..., None]:
    """Run `check(session)` in a fresh Chromium context (own thread); fail on leftover problems."""
    return browser_runner(live_server.url)


@pytest.fixture
def waiting(db):
    """Two submissions waiting for the walidata; the older one is reviewed in the browser."""
    world = make_world("layar")
    versions = []
    for slug, title in (
        ("posyandu-aktif", "Jumlah Posyandu Aktif per Desa"),
        ("kader-posyandu", "Jumlah Kader Posyandu per Desa"),
    ):
        dataset = make_dataset(
            world.owner,
            title=title,
            slug=slug,
            topic=world.topic,
            regions=["51.05"],
            csv=CODE_CSV,
        )
        version = dataset.versions.get()
        services.submit(world.users["produsen_own"], version)
        versions.append(version)
    return world, versions


def _check_layout(session: Browsing, label: str) -> None:
    width = session.page.viewport_size["width"]
    assert page_width(session.page) <= width, overflowing_elements(session.page)
    check_accessibility(session.page, label=f"{label} at {width}px")


def test_walidata_returns_a_dataset_with_a_cell_comment(in_browser, waiting):
    world, (oldest, _newer) = waiting

    def check(session: Browsing) -> None:
        page = session.page
        log_in(session, "layar_walidata", world.password)

        # The queue: what waits, oldest first, with the bell in the header.
        session.visit("/tinjauan/")
        rows = page.locator("#queue-mine ~ .table-wrap tbody tr, section:first-of-type tbody tr")
        titles = page.locator("section").first.locator("tbody th a").all_inner_texts()
        assert titles == ["Jumlah Posyandu Aktif per Desa", "Jumlah Kader Posyandu per Desa"]
        assert rows.count() >= 2
        assert page.locator(".wf-bell").get_attribute("data-unread") == "2"
        _check_layout(session, "/tinjauan/")
        save_screenshot(page, "workflow-queue-1280")

        # Open the oldest submission, pin the comment to row 2 of column "jumlah".
        with page.expect_navigation(wait_until="networkidle"):
            page.locator("section").first.locator("tbody th a").first.click()
        session.assert_clean("opening the review page")
        assert page.locator("[data-status]").get_attribute("data-status") == "diajukan"
        _check_layout(session, "review page")
        cell = page.locator('button.wf-cell[data-pin-row="2"][data-pin-column="jumlah"]')
        assert cell.inner_text().strip() == "20"
        cell.click()
        assert page.locator("#pin-target").input_value() == "cell"
        assert page.locator("#pin-row").input_value() == "2"
        assert page.locator("#pin-column").input_value() == "jumlah"
        assert cell.get_attribute("aria-pressed") == "true"
        page.fill("#comment-body", COMMENT)
        with page.expect_navigation(wait_until="networkidle"):
            page.locator("#return-button").click()
        session.assert_clean("after returning the version")
        assert page.locator("[data-status]").get_attribute("data-status") == "dikembalikan"
        thread = page.locator(".wf-thread").first
        assert COMMENT in thread.inner_text()
        assert "jumlah" in thread.locator(".wf-comment__where").inner_text()
        thread.scroll_into_view_if_needed()
        save_screenshot(page, "workflow-review-returned-1280")

        # The queue now has only the other submission waiting.
        session.visit("/tinjauan/")
        titles = page.locator("section").first.locator("tbody th a").all_inner_texts()
        assert titles == ["Jumlah Kader Posyandu per Desa"]
        log_out(session)

        # The produsen hears of it under the bell and finds the pinned comment.
        log_in(session, "layar_produsen_own", world.password)
        assert page.locator(".wf-bell").get_attribute("data-unread") == "1"
        session.visit("/notifikasi/")
        _check_layout(session, "/notifikasi/")
        with page.expect_navigation(wait_until="networkidle"):
            page.locator(".wf-notifications a").first.click()
        session.assert_clean("opening the notification")
        assert COMMENT in page.locator(".wf-thread").first.inner_text()
        assert page.locator("#submit-form").count() == 1  # answer and submit again
        log_out(session)

    in_browser(check)

    oldest.refresh_from_db()
    assert oldest.status == "dikembalikan"
    comment = Comment.objects.get(version=oldest)
    assert (comment.target, comment.row, comment.column, comment.cell_value) == (
        "cell",
        2,
        "jumlah",
        "20",
    )
    assert comment.body == COMMENT
    assert Version.objects.filter(status="diajukan").count() == 1


def test_review_page_on_a_phone(in_browser, waiting):
    world, (oldest, _newer) = waiting

    def check(session: Browsing) -> None:
        log_in(session, "layar_walidata", world.password)
        session.visit(f"/tinjauan/{oldest.dataset.slug}/1")
        _check_layout(session, "review page")
        save_screenshot(session.page, "workflow-review-360")
        session.visit("/audit/")
        _check_layout(session, "/audit/")
        save_screenshot(session.page, "workflow-audit-360")
        log_out(session)

    in_browser(check, PHONE)
