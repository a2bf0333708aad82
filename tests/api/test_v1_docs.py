"""The interactive API docs at /api/v1/docs work offline: Swagger UI comes from the installed
django-ninja package through the API itself, never from a CDN; the OpenAPI document is 3.1."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def test_docs_page_uses_no_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(url.startswith("/api/v1/docs/assets/") for url in urls), urls
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content)
    settings = re.search(r'id="swagger-settings">(.*?)</script>', page, re.S).group(1)
    assert json.loads(settings)["url"] == "/api/v1/openapi.json"
    assert client.get("/api/v1/docs/assets/..%2Fsettings.py").status_code == 404
    assert client.get("/api/v1/docs/assets/redoc.standalone.js").status_code == 404


def _no_duplicate_keys(pairs: list[tuple]) -> dict:
    keys = [key for key, _value in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in the OpenAPI JSON: {keys}"
    return dict(pairs)


def test_openapi_document(client):
    # Duplicate keys (e.g. a status as 200 and "200") make Swagger UI refuse the document.
    raw = client.get("/api/v1/openapi.json").content
    document = json.loads(raw, object_pairs_hook=_no_duplicate_keys)
    assert document["openapi"].startswith("3.1")
    paths = set(document["paths"])
    for path in (
        "/api/v1/datasets",
        "/api/v1/datasets/{slug}",
        "/api/v1/datasets/{slug}/rows",
        "/api/v1/datasets/{slug}/versions/{number}/rows",
        "/api/v1/{sektor}/{slug}",
        "/api/v1/regions",
        "/api/v1/tags",
    ):
        assert path in paths
    assert "/api/v1/docs/assets/{name}" not in paths
