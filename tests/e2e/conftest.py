"""Browser test fixtures: Playwright driving Debian's headless Chromium against `live_server`.

`live_server` runs the app in a thread over a transactional test database, so data a test
creates (through tests.factories) is visible to the server. Helpers live in tests/e2e/browser.py.

When Chromium or Playwright is missing the tests are skipped with the reason, except under
`CI=true`, where that is a failure: a CI run that silently skipped the browser proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
def site_url(live_server) -> str:
    """Where the browser goes: pytest-django's live server (a test module may override this)."""
    return live_server.url


@pytest.fixture
def open_browser(browser, site_url) -> Iterator[Callable[..., Browsing]]:
    """Factory of browser contexts on the site under test (one per user or viewport).

    Problems seen after a test's last check still fail the test at teardown.
    """
    made: list[Browsing] = []

    def make(viewport: dict = DESKTOP) -> Browsing:
        session = new_browsing(browser, site_url, viewport)
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


def _is_test_database() -> bool:
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    return "test_" in name or "memory" in name


@contextmanager
def _test_database() -> Iterator[None]:
    """pytest-django sets up the test database only when a collected test asks for it (a db
    fixture or mark); a run of demo_site tests alone asks for none, and the connection would
    still point at ./satudata-data — which this fixture fills and then flushes. Set one up."""
    if _is_test_database():
        yield
        return
    from django.test.utils import setup_databases, teardown_databases

    created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        if not _is_test_database():  # never load and flush a real database
            pytest.fail("demo_site found no test database to load the demo into")
        yield
    finally:
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The Klungkung demo (all regions, agencies, users, datasets), loaded once and committed,
    served by a live server of the module's own; the database is emptied afterwards.

    pytest-django's `live_server` empties the database after every test, which would mean
    reloading the demo (~10 s) for each page. Override `site_url` with this to use it.
    """
    from django.core.management import call_command
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    from satudata.demo.loader import load_demo
    from satudata.regions.loader import load_all

    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    blob_root.mkdir(parents=True, exist_ok=True)
    with override_settings(BLOB_ROOT=blob_root), django_db_blocker.unblock(), _test_database():
        try:
            load_all()
            load_demo()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            try:
                yield server.url
            finally:
                server._live_server_modified_settings.disable()
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0)
