"""Helpers for the browser tests: a watched page, accessibility, screenshots, log-in/log-out.

Every page a test visits is watched: browser console errors, uncaught exceptions, failed
same-origin requests (4xx/5xx) and any request leaving the server (no CDN at run time) are
collected, and `Browsing.visit()` / `assert_clean()` fail the test listing them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

T = TypeVar("T")
CHROMIUM_PATH = Path(os.environ.get("SATUDATA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
DOCS_IMG_DIR = REPO_ROOT / "docs" / "img"
# Screenshots that the documentation shows; copied to docs/img/ under the same name.
DOCS_SCREENSHOTS = {"home-1280"}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# axe-core impacts that fail a test (minor and moderate ones are returned, not fatal).
FATAL_IMPACTS = {"serious", "critical"}


@dataclass
class PageProblems:
    """What went wrong in the browser since the last check, in words a reader can act on."""

    origin: str
    items: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.items.append(f"uncaught JS exception: {exc}"))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.items.append(f"console error: {message.text} ({where})")

    def _same_origin(self, url: str) -> bool:
        return url.startswith(self.origin)

    def _on_response(self, response) -> None:
        if self._same_origin(response.url) and response.status >= 400:
            self.items.append(
                f"HTTP {response.status} for {response.request.method} {response.url}"
            )

    def _on_request_failed(self, request) -> None:
        # Aborted external requests are already reported by the router below.
        if self._same_origin(request.url):
            self.items.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def take(self) -> list[str]:
        found, self.items = self.items, []
        return found


def block_external_requests(context, origin: str, problems: PageProblems) -> None:
    """The portal must work offline: any request to another host is aborted and reported."""

    def route(route) -> None:
        url = route.request.url
        if url.startswith(origin) or urlsplit(url).scheme in {"data", "blob", "about"}:
            route.continue_()
        else:
            problems.items.append(f"request to another host (no CDN allowed): {url}")
            route.abort()

    context.route("**/*", route)


@dataclass
class Browsing:
    """One browser context (own cookies) and page, with its problem log."""

    page: object
    context: object
    base_url: str
    problems: PageProblems

    def url(self, path: str) -> str:
        return self.base_url + path

    def visit(self, path: str, *, wait_until: str = "networkidle"):
        """Open `path`, wait until the network is quiet, and fail on any browser problem."""
        response = self.page.goto(self.url(path), wait_until=wait_until)
        self.assert_clean(f"visiting {path}")
        return response

    def assert_clean(self, when: str = "") -> None:
        found = self.problems.take()
        if found:
            lines = "\n  - ".join(found)
            pytest.fail(f"browser problems {when or 'on ' + self.page.url}:\n  - {lines}")

    def set_viewport(self, viewport: dict) -> None:
        self.page.set_viewport_size(viewport)


def new_browsing(browser, base_url: str, viewport: dict = DESKTOP) -> Browsing:
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="id-ID")
    context.set_default_timeout(15_000)
    problems = PageProblems(origin=base_url)
    block_external_requests(context, base_url, problems)
    page = context.new_page()
    problems.attach(page)
    return Browsing(page=page, context=context, base_url=base_url, problems=problems)


def format_violations(violations: list[dict]) -> str:
    """axe-core violations as lines a person can act on: rule, impact, help, where."""
    lines = []
    for violation in violations:
        targets = [", ".join(map(str, node.get("target", []))) for node in violation["nodes"]]
        shown = "; ".join(targets[:5])
        if len(targets) > 5:
            shown += f" (+{len(targets) - 5} more)"
        lines.append(
            f"{violation['id']} [{violation.get('impact')}] {violation.get('help')}: {shown}"
            f"\n      {violation.get('helpUrl', '')}"
        )
    return "\n  - ".join(lines)


def check_accessibility(page, *, label: str = "") -> list[dict]:
    """Run axe-core; fail on serious/critical violations and return the lesser ones."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response.get("violations", [])
    fatal = [v for v in violations if v.get("impact") in FATAL_IMPACTS]
    if fatal:
        pytest.fail(
            f"accessibility (axe-core) on {label or page.url}:\n  - {format_violations(fatal)}",
            pytrace=False,
        )
    return [v for v in violations if v.get("impact") not in FATAL_IMPACTS]


def save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save `test-artifacts/screenshots/<name>.png`. Docs pictures are copied to docs/img/ only
    when SATUDATA_UPDATE_DOCS_IMG=1 (a test run must not leave the work tree changed)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if name in DOCS_SCREENSHOTS and os.environ.get("SATUDATA_UPDATE_DOCS_IMG") == "1":
        DOCS_IMG_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMG_DIR / path.name)
    return path


def page_width(page) -> int:
    """The document's scroll width in CSS pixels (equal to the viewport when nothing overflows)."""
    return page.evaluate("() => document.documentElement.scrollWidth")


def overflowing_elements(page, limit: int = 8) -> list[str]:
    """Elements whose right edge passes the viewport: what to fix when a page scrolls sideways."""
    return page.evaluate(
        """(limit) => {
            const width = document.documentElement.clientWidth;
            const found = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.right > width + 1 && box.width > 0) {
                    const id = el.id ? '#' + el.id : '';
                    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
                    const edge = Math.round(box.right);
                    found.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${edge}px)`);
                    if (found.length >= limit) break;
                }
            }
            return found;
        }""",
        limit,
    )


def log_in(browsing: Browsing, username: str, password: str) -> None:
    """Log in through the real form at /akun/masuk/ and check that it worked."""
    page = browsing.page
    browsing.visit("/akun/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    with page.expect_navigation(wait_until="networkidle"):
        form.locator("[type=submit]").first.click()
    browsing.assert_clean("after logging in")
    assert page.locator("form[action='/akun/keluar/']").count() >= 1, (
        f"log-in as {username} did not show the log-out button (still at {page.url})"
    )


def log_out(browsing: Browsing) -> None:
    """Log out with the header button (a POST form) and check that the log-in link is back."""
    page = browsing.page
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("form[action='/akun/keluar/'] [type=submit]").first.click()
    browsing.assert_clean("after logging out")
    assert page.locator("a[href='/akun/masuk/']").count() >= 1, (
        "log-out did not bring back the log-in link"
    )
    assert page.locator("form[action='/akun/keluar/']").count() == 0


# --- a browser of its own, in a worker thread -----------------------------------------------
# Playwright's sync API allows one instance per thread, and tests/e2e keeps a session-wide one
# in the main thread; browser tests outside tests/e2e (accounts, regions, workflow) run their
# own in a worker thread through these helpers, so every module runs in one pytest session.


def browser_unavailable(reason: str) -> None:
    """Skip the test with `reason`; under CI=true fail instead (a skipped browser proves
    nothing)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require_browser() -> None:
    """Playwright and Chromium are there, or the test is skipped (failed under CI=true)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        browser_unavailable(
            "the Python package 'playwright' is not installed (uv sync --group dev)"
        )
    if not CHROMIUM_PATH.exists():
        browser_unavailable(f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)")


def _with_own_browser(work: Callable[[object], T]) -> T:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        try:
            return work(browser)
        finally:
            browser.close()


def in_own_browser_thread(work: Callable[[object], T]) -> T:
    """Run `work(browser)` with a Chromium of its own in a worker thread; returns its result
    (exceptions, pytest failures included, are raised here)."""
    require_browser()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_with_own_browser, work).result()


def browser_runner(base_url: str) -> Callable[..., None]:
    """`run(check, viewport=DESKTOP)`: `check(session)` in a fresh context on `base_url` in its
    own browser thread; problems left after the check's last assertion fail the test."""
    require_browser()

    def session_check(check: Callable[[Browsing], None], viewport: dict) -> Callable:
        def work(browser) -> list[str]:
            session = new_browsing(browser, base_url, viewport)
            try:
                check(session)
                return session.problems.take()
            finally:
                session.context.close()

        return work

    def run(check: Callable[[Browsing], None], viewport: dict = DESKTOP) -> None:
        leftover = in_own_browser_thread(session_check(check, viewport))
        assert not leftover, f"browser problems after the last check: {leftover}"

    return run
