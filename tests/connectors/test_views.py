"""Connector pages as a walidata and a produsen would use them; who may see and change what."""

from __future__ import annotations

import pytest

from satudata.connectors.models import Connector, RunStatus, SyncRun
from tests.connectors.agency_api import API_KEY
from tests.connectors.conftest import http_config

pytestmark = pytest.mark.django_db


def form_data(agency, dataset, **overrides) -> dict:
    data = {
        "name": "dinkes-api",
        "title": "API Dinkes",
        "dataset": dataset.pk,
        "schedule": "daily",
        "cron": "",
        "mapping": '{"fields": [{"target": "id", "source": "id"}, '
        '{"target": "jk", "source": "JK", "values": {"L": "Laki-laki"}}]}',
        "enabled": "on",
        "secret-api_key": API_KEY,
    }
    for key, value in http_config(agency).items():
        data[f"cfg-{key}"] = value
    data.update(overrides)
    return data


def test_produsen_creates_a_connector_and_the_secret_is_never_shown(client, world, dataset, agency):
    client.force_login(world.users["produsen_own"])
    response = client.post("/konektor/baru/http/", form_data(agency, dataset))
    assert response.status_code == 302, response.content.decode()[:2000]
    connector = Connector.objects.get(name="dinkes-api")
    assert connector.organisation_id == world.owner.pk
    assert not connector.auto_publish
    for url in ("/konektor/dinkes-api/", "/konektor/dinkes-api/ubah/", "/konektor/"):
        page = client.get(url)
        assert page.status_code == 200
        assert API_KEY not in page.content.decode()
    assert "api_key" in client.get("/konektor/dinkes-api/").content.decode()


def test_produsen_cannot_allow_auto_publish_but_walidata_can(client, world, dataset, agency):
    client.force_login(world.users["produsen_own"])
    client.post("/konektor/baru/http/", form_data(agency, dataset, auto_publish="on"))
    assert not Connector.objects.get(name="dinkes-api").auto_publish
    client.force_login(world.users["walidata"])
    data = form_data(agency, dataset, auto_publish="on")
    data.pop("secret-api_key")  # blank keeps the stored key
    response = client.post("/konektor/dinkes-api/ubah/", data)
    assert response.status_code == 302
    connector = Connector.objects.get(name="dinkes-api")
    assert connector.auto_publish
    from satudata.connectors.services import stored_secret_names

    assert stored_secret_names(connector) == ["api_key"]


def test_other_agencies_and_the_public_see_nothing(client, world, make_http_connector):
    connector = make_http_connector()
    for role in ("produsen_other", "pembina", "operator_desa"):
        client.force_login(world.users[role])
        assert client.get(f"/konektor/{connector.name}/").status_code == 404
        assert client.post(f"/konektor/{connector.name}/jalankan/").status_code == 404
    client.logout()
    assert client.get("/konektor/").status_code == 302


def test_try_it_and_run_now_buttons(client, world, make_http_connector, fast_retries):
    connector = make_http_connector()
    client.force_login(world.users["produsen_own"])
    preview = client.post(f"/konektor/{connector.name}/coba/").content.decode()
    assert "51.05.01.2001" in preview and "Laki-laki" in preview
    assert not SyncRun.objects.exists()
    response = client.post(f"/konektor/{connector.name}/jalankan/")
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED, run.error
    detail = client.get(f"/konektor/{connector.name}/").content.decode()
    assert "25" in detail
    assert client.get(f"/konektor/{connector.name}/run/{run.pk}/").status_code == 200


def test_health_page_lists_last_success_and_failure(
    client, world, make_http_connector, agency, fast_retries
):
    from satudata.connectors import sync

    connector = make_http_connector()
    sync.run_now(connector)
    agency.state.mode = "html"
    sync.run_now(connector)
    client.force_login(world.users["walidata"])
    page = client.get("/konektor/kesehatan/").content.decode()
    assert connector.name in page and "sync-health-data" in page
    assert '"status": "Failed"' in page or "Gagal" in page or "Failed" in page


def test_bad_mapping_json_is_refused_with_the_line(client, world, dataset, agency):
    client.force_login(world.users["walidata"])
    response = client.post(
        "/konektor/baru/http/", form_data(agency, dataset, mapping='{"fields": [}')
    )
    assert response.status_code == 400
    assert not Connector.objects.exists()


def test_read_everything_again_forgets_the_incremental_position(
    client, world, make_http_connector, fast_retries
):
    from satudata.connectors import sync

    connector = make_http_connector(
        incremental_param="updated_since", incremental_field="updated_at"
    )
    sync.run_now(connector)
    connector.refresh_from_db()
    assert connector.cursor
    client.force_login(world.users["walidata"])
    assert client.post(f"/konektor/{connector.name}/ulang/").status_code == 302
    connector.refresh_from_db()
    assert connector.cursor == ""


def test_monitoring_dashboard_shows_the_sync_health_block(client, world, make_http_connector):
    make_http_connector()
    client.force_login(world.users["walidata"])
    page = client.get("/monitoring/").content.decode()
    assert 'id="mon-sync"' in page and "/konektor/kesehatan/" in page
