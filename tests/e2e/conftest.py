"""Browser test fixtures: Playwright driving Debian's headless Chromium against `live_server`.

`live_server` runs the app in a thread over a transactional test database, so data a test
creates (through tests.factories) is visible to the server. Helpers live in tests/e2e/browser.py.

When Chromium or Playwright is missing the tests are skipped with the reason, except under
`CI=true`, where that is a failure: a CI run that silently skipped the browser proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.browser import CHROMIUM_ARGS, CHROMIUM_PATH, DESKTOP, Browsing, new_browsing


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is not installed (uv sync --group dev)")
    if not CHROMIUM_PATH.exists():
        _unavailable(f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)")
    # Playwright's sync API keeps an event loop running in this thread; Django then refuses ORM
    # calls from test code as "async unsafe", although nothing here runs concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_driver) -> Iterator[object]:
    try:
        chromium = playwright_driver.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:  # the binary exists but does not start (missing libraries, …)
        _unavailable(f"Chromium at {CHROMIUM_PATH} does not start: {exc}")
    yield chromium
    chromium.close()


def _close(session: Browsing) -> list[str]:
    leftover = session.problems.take()
    session.context.close()
    return leftover


@pytest.fixture
def open_browser(browser, live_server) -> Iterator[Callable[..., Browsing]]:
    """Factory of browser contexts on the live server (one per user or viewport).

    Problems seen after a test's last check still fail the test at teardown.
    """
    made: list[Browsing] = []

    def make(viewport: dict = DESKTOP) -> Browsing:
        session = new_browsing(browser, live_server.url, viewport)
        made.append(session)
        return session

    yield make
    leftover = [problem for session in made for problem in _close(session)]
    if leftover:
        lines = "\n  - ".join(leftover)
        pytest.fail(f"browser problems after the last check:\n  - {lines}")


@pytest.fixture
def browsing(open_browser) -> Browsing:
    """A fresh desktop-sized (1280 px) browser context on the live server."""
    return open_browser()
