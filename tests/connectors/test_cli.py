"""`satudata connector run NAME` / `test NAME` on the test database, against the agency API."""

from __future__ import annotations

import pytest

from satudata.cli import main
from satudata.connectors.models import RunStatus, SyncRun

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_connector_test_prints_the_first_rows_and_stores_nothing(make_http_connector, capsys):
    connector = make_http_connector()
    assert main(["connector", "test", connector.name, "--rows", "3"]) == 0
    out = capsys.readouterr().out
    assert "id\tkode_desa\tjenis_kelamin" in out
    assert "51.05.01.2001\tLaki-laki" in out
    assert "3 rows shown; nothing stored." in out
    assert not SyncRun.objects.exists()


def test_connector_run_imports_and_reports(make_http_connector, capsys, fast_retries):
    connector = make_http_connector()
    assert main(["connector", "run", connector.name]) == 0
    out = capsys.readouterr().out
    assert "New version: 25 rows read, 25 imported, version 1" in out
    assert SyncRun.objects.get().status == RunStatus.SUCCEEDED


def test_connector_run_fails_with_status_1(make_http_connector, agency, capsys, fast_retries):
    connector = make_http_connector()
    agency.state.mode = "html"
    assert main(["connector", "run", connector.name]) == 1
    assert "FAILED: The source returned a web page (HTML)" in capsys.readouterr().err


def test_unknown_connector_name(capsys):
    assert main(["connector", "run", "tidak-ada"]) == 1
    assert "no connector named 'tidak-ada'" in capsys.readouterr().err
