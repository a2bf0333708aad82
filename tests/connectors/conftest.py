"""Fixtures of the connector tests: the agency API server, a world and a target dataset."""

from __future__ import annotations

import os

import pytest

from satudata.core.permissions import SYSTEM
from tests.connectors.agency_api import API_KEY, AgencyServer
from tests.factories import make_dataset, make_world


def require_service(reason: str) -> None:
    """Skip with the reason; under CI=true a missing service fails the run instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def agency():
    with AgencyServer() as server:
        yield server


@pytest.fixture
def fast_retries(settings):
    """Retries without real waiting: 3 attempts, no backoff delay, short timeouts."""
    settings.SATUDATA_CONNECTOR_RETRY_ATTEMPTS = 3
    settings.SATUDATA_CONNECTOR_RETRY_BASE_S = 0
    settings.SATUDATA_CONNECTOR_HTTP_TIMEOUT_S = 0.5
    return settings


@pytest.fixture
def world(db):
    return make_world("kon")


@pytest.fixture
def dataset(world):
    return make_dataset(world.owner, title="Penduduk per desa (sintetis)")


def http_config(agency: AgencyServer, **overrides) -> dict:
    config = {
        "url": f"{agency.url}/api/penduduk",
        "method": "GET",
        "format": "json",
        "record_path": "data.items",
        "auth": "header",
        "auth_header": "X-API-Key",
        "pagination": "page",
        "page_param": "page",
        "page_start": 1,
        "size_param": "per_page",
        "page_size": 10,
        "timeout_s": 0.5,
    }
    config.update(overrides)
    return config


MAPPING = {
    "fields": [
        {"target": "id", "source": "id", "type": "integer"},
        {
            "target": "kode_desa",
            "source": "kode_desa",
            "transform": "kode_wilayah",
            "type": "string",
        },
        {
            "target": "jenis_kelamin",
            "source": "JK",
            "values": {"L": "Laki-laki", "P": "Perempuan"},
            "type": "string",
        },
        {"target": "jumlah", "source": "jumlah", "type": "integer"},
        {"target": "diperbarui", "source": "updated_at", "type": "string"},
    ],
    "key": ["id"],
}


@pytest.fixture
def make_http_connector(agency, dataset):
    from satudata.connectors import services

    def make(name: str = "penduduk-api", *, secrets=None, mapping=MAPPING, **config):
        return services.create_connector(
            SYSTEM,
            name=name,
            type_key="http",
            dataset=dataset,
            config=http_config(agency, **config),
            secrets={"api_key": API_KEY} if secrets is None else secrets,
            mapping=mapping,
            schedule="daily",
        )

    return make
