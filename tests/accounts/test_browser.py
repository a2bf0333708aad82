"""Account pages and the site frame in a real browser: accessibility, keyboard, phone layout.

The browser runs in a worker thread with its own Playwright instance (tests/e2e/browser.py:
`browser_runner`), so this module runs alongside tests/e2e in one pytest session.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from satudata.accounts import services
from satudata.core.permissions import SYSTEM
from tests.e2e.browser import (
    DESKTOP,
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
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def in_browser(live_server) -> Callable[..., None]:
    """Run `check(session)` in a fresh Chromium context (own thread); fail on leftover problems."""
    return browser_runner(live_server.url)


@pytest.fixture
def person():
    org = services.create_organisation(
        SYSTEM, slug="dinkes", name="Dinas Kesehatan Kabupaten Klungkung", kind="dinas"
    )
    user = services.create_user(
        SYSTEM,
        username="made",
        password=DEFAULT_PASSWORD,
        full_name="I Made Putra Wijaya Kusuma Negara",  # long: must not break the phone header
    )
    services.add_membership(SYSTEM, user, org, "produsen")
    return user


def _check_page(session, path: str, name: str, viewport: dict) -> None:
    session.set_viewport(viewport)
    session.visit(path)
    width = viewport["width"]
    assert page_width(session.page) <= width, overflowing_elements(session.page)
    check_accessibility(session.page, label=f"{path} at {width}px")
    save_screenshot(session.page, f"{name}-{width}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_login_profile_and_password_pages_are_accessible(in_browser, person, viewport):
    def check(session: Browsing) -> None:
        _check_page(session, "/akun/masuk/", "login", viewport)
        log_in(session, "made", DEFAULT_PASSWORD)
        _check_page(session, "/akun/", "profile", viewport)
        _check_page(session, "/akun/sandi/", "password-change", viewport)
        log_out(session)

    in_browser(check, viewport)


def test_wrong_password_message_is_announced_and_accessible(in_browser, person):
    def check(session: Browsing) -> None:
        page = session.page
        session.visit("/akun/masuk/")
        page.fill("input[name=username]", "made")
        page.fill("input[name=password]", "salah-sekali")
        with page.expect_navigation(wait_until="networkidle"):
            page.locator("main [type=submit]").click()
        assert "tidak benar" in page.locator("[role=alert]").inner_text()
        check_accessibility(page, label="log-in error")

    in_browser(check)


def test_keyboard_log_in_and_skip_link(in_browser, person):
    def check(session: Browsing) -> None:
        page = session.page
        session.visit("/akun/masuk/?next=/akun/")
        # The username field has focus on load: type, Tab to the password, submit with Enter.
        assert page.evaluate("document.activeElement.name") == "username"
        page.keyboard.type("made")
        page.keyboard.press("Tab")
        page.keyboard.type(DEFAULT_PASSWORD)
        with page.expect_navigation(wait_until="networkidle"):
            page.keyboard.press("Enter")
        session.assert_clean("after a keyboard log-in")
        assert page.url.endswith("/akun/")
        # First Tab on a fresh page reaches the skip link, which is then visible and works.
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert skip.evaluate("el => el === document.activeElement")
        assert skip.bounding_box()["y"] >= 0
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

    in_browser(check)


def test_phone_menu_opens_with_the_keyboard(in_browser, person):
    def check(session: Browsing) -> None:
        page = session.page
        session.visit("/akun/masuk/")
        assert page.locator(".nav-desktop").is_hidden()
        menu_link = page.locator(".nav-mobile nav a").first
        assert menu_link.is_hidden()
        page.focus(".nav-mobile > summary")
        page.keyboard.press("Enter")
        assert menu_link.is_visible()
        check_accessibility(page, label="phone menu open")
        save_screenshot(page, "menu-open-360", full_page=False)

    in_browser(check, PHONE)


def test_language_switch_in_the_browser(in_browser, person):
    def check(session: Browsing) -> None:
        page = session.page
        session.visit("/akun/masuk/")
        assert page.locator("html").get_attribute("lang") == "id"
        with page.expect_navigation(wait_until="networkidle"):
            page.locator("button[name=language][value=en]").click()
        session.assert_clean("after switching to English")
        assert page.url.endswith("/akun/masuk/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("main h1").inner_text() == "Log in"
        english = page.locator("button[name=language][value=en]")
        assert english.get_attribute("aria-pressed") == "true"

    in_browser(check)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_not_found_page_is_friendly_and_accessible(in_browser, viewport):
    def check(session: Browsing) -> None:
        response = session.page.goto(session.url("/tidak-ada-halaman"), wait_until="networkidle")
        assert response.status == 404
        # The 404 itself is expected; anything else (missing CSS, console errors) is not.
        problems = [p for p in session.problems.take() if "/tidak-ada-halaman" not in p]
        problems = [p for p in problems if "404 (Not Found)" not in p]
        assert not problems, problems
        assert session.page.locator("h1").inner_text() == "Halaman tidak ditemukan"
        assert page_width(session.page) <= viewport["width"]
        check_accessibility(session.page, label="404")
        save_screenshot(session.page, f"not-found-{viewport['width']}")

    in_browser(check, viewport)
