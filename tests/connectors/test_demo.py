"""The demo connector: loads its runs through the portal's own sample API, idempotently."""

from __future__ import annotations

import pytest

from satudata.connectors.models import RunStatus

pytestmark = pytest.mark.django_db


def test_demo_connector_and_its_runs(world, monkeypatch):
    from satudata.accounts import services as accounts
    from satudata.connectors import demo
    from satudata.connectors.models import Connector
    from satudata.core.permissions import SYSTEM

    accounts.ensure_organisation(
        SYSTEM, slug="dispar-klungkung", name="Dinas Pariwisata", kind="dinas"
    )
    demo.load_demo()
    demo.load_demo()  # again: nothing new
    connector = Connector.objects.get(name=demo.DEMO_CONNECTOR)
    statuses = [run.status for run in connector.runs.order_by("pk")]
    assert statuses == [RunStatus.SUCCEEDED, RunStatus.UNCHANGED]
    first = connector.runs.order_by("pk").first()
    assert first.rows_imported == 60 and first.version.number == 1
    assert "sintetis" in connector.dataset.title
    assert connector.dataset.classification == "terbatas"
