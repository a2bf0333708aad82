"""`/healthz` and the shared checks behind it and `satudata check`."""

from __future__ import annotations

import pytest

from satudata.core.health import run_checks

pytestmark = pytest.mark.django_db


def test_healthz_answers_json_saying_database_and_storage_are_fine(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"]["ok"] is True
    assert body["checks"]["configuration"]["ok"] is True
    assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get(
        "Cache-Control", ""
    )


def test_healthz_answers_503_when_the_storage_is_broken(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the blob folder should be")
    settings.BLOB_ROOT = blocker
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


def test_run_checks_includes_migrations_and_passes_on_the_test_database():
    checks = {check.name: check for check in run_checks()}
    assert set(checks) == {"configuration", "database", "storage", "migrations"}
    assert all(check.ok for check in checks.values()), checks


def test_debug_on_is_a_configuration_problem(settings):
    settings.DEBUG = True
    checks = {check.name: check for check in run_checks(include_migrations=False)}
    assert not checks["configuration"].ok
    assert "SATUDATA_DEBUG" in checks["configuration"].detail
