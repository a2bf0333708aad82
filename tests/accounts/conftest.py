"""Browser fixtures shared with tests/e2e (Playwright + headless Chromium on live_server)."""

from tests.e2e.conftest import browser, browsing, open_browser, playwright_driver  # noqa: F401
