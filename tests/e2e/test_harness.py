"""The browser harness itself: it must notice console errors, failed requests and CDN use."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROKEN_PAGE = """<!doctype html><html lang="id"><head><title>uji</title>
<script src="/static/tidak-ada.js"></script>
<script src="https://cdn.example.org/lib.js"></script></head>
<body><main><h1>Uji</h1><script>console.error("sengaja rusak")</script></main></body></html>"""


def test_watcher_reports_console_errors_missing_assets_and_cdn(browsing):
    def serve_broken(route):
        route.fulfill(status=200, content_type="text/html", body=BROKEN_PAGE)

    browsing.page.route(browsing.url("/uji-rusak"), serve_broken)
    browsing.page.goto(browsing.url("/uji-rusak"), wait_until="networkidle")
    found = "\n".join(browsing.problems.take())
    assert "sengaja rusak" in found
    assert "HTTP 404" in found and "/static/tidak-ada.js" in found
    assert "cdn.example.org" in found


def test_healthz_loads_cleanly(browsing):
    response = browsing.visit("/healthz")
    assert response.status == 200
    assert response.json()["status"] == "ok"
