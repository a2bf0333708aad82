"""Demo connector: one HTTP connector against the demo's own sample API, with its runs.

The sample API (`connectors/sample_api.py`, at /konektor/contoh-api/kunjungan/) serves SYNTHETIC
records; the dataset they feed says so in its title and description, stays a draft (never
public) and is owned by the demo's Dinas Pariwisata. While the demo loads, the server is not
running yet, so the first runs reach the same address through the portal's WSGI app
(http.LOCAL_TRANSPORTS) — the same client code, no network. "Run now" in the running demo then
goes over real HTTP to 127.0.0.1:8000.

Idempotent: the dataset and connector are created once; runs are made only when there are none.
"""

from __future__ import annotations

import httpx

from satudata.core.permissions import SYSTEM

DEMO_ORIGIN = "http://127.0.0.1:8000/"
DEMO_CONNECTOR = "contoh-api-kunjungan"
DEMO_DATASET = "contoh-sinkronisasi-api-data-sintetis"
DEMO_MAPPING = {
    "fields": [
        {"target": "bulan", "source": "bulan", "type": "string"},
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
        {"target": "jumlah_kunjungan", "source": "jumlah", "type": "integer"},
        {"target": "id", "source": "id", "type": "integer"},
    ],
    "key": ["id"],
}


def _dataset():
    from satudata.catalog import services as catalog
    from satudata.catalog.models import Dataset

    found = Dataset.objects.filter(slug=DEMO_DATASET).first()
    if found is not None:
        return found
    return catalog.create_dataset(
        SYSTEM,
        organisation="dispar-klungkung",
        slug=DEMO_DATASET,
        title="Contoh sinkronisasi API (data sintetis)",
        description=(
            "DATA SINTETIS untuk demo konektor: angka dibuat dengan rumus tetap oleh contoh API"
            " bawaan demo, bukan data kunjungan yang sebenarnya. Tidak untuk dipublikasikan."
        ),
        classification="terbatas",
        data_source="Contoh API bawaan demo Satu Data (sintetis)",
    )


def _connector(dataset):
    from satudata.connectors import services
    from satudata.connectors.models import Connector
    from satudata.connectors.sample_api import SAMPLE_API_KEY

    found = Connector.objects.filter(name=DEMO_CONNECTOR).first()
    if found is not None:
        return found
    return services.create_connector(
        SYSTEM,
        name=DEMO_CONNECTOR,
        title="Contoh API kunjungan (sintetis)",
        type_key="http",
        dataset=dataset,
        config={
            "url": f"{DEMO_ORIGIN}konektor/contoh-api/kunjungan/",
            "method": "GET",
            "format": "json",
            "record_path": "data.items",
            "auth": "header",
            "auth_header": "X-API-Key",
            "pagination": "page",
            "page_param": "page",
            "page_start": 1,
            "size_param": "per_page",
            "page_size": 20,
            "incremental_param": "updated_since",
            "incremental_field": "updated_at",
            "timeout_s": 10,
        },
        secrets={"api_key": SAMPLE_API_KEY},
        mapping=DEMO_MAPPING,
        schedule="daily",
    )


def load_demo() -> None:
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    from satudata.connectors import sync
    from satudata.connectors.types import http

    connector = _connector(_dataset())
    if connector.runs.exists():
        return
    http.LOCAL_TRANSPORTS[DEMO_ORIGIN] = httpx.WSGITransport(app=get_wsgi_application())
    # An in-process request ends by closing the thread's database connections, which is the
    # loader's own connection here (and, in tests, the test transaction's): keep it open.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        sync.run_now(connector, trigger="manual")  # first run: every record, version 1
        sync.run_now(connector, trigger="schedule")  # nothing newer: unchanged, no version
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
        http.LOCAL_TRANSPORTS.pop(DEMO_ORIGIN, None)
