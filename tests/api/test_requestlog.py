"""Request log: every /api/ request recorded in batches (not on the request's path), purged after
the retention period, browsable/chartable/exportable by the walidata only."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from satudata.accounts import services
from satudata.api import requestlog
from satudata.api.models import RequestLog
from tests.factories import make_world

pytestmark = pytest.mark.django_db

PROBE = "/api/3/action/status_show"
LOG = "/log-api/"


@pytest.fixture(autouse=True)
def _empty_buffer(settings):
    settings.SATUDATA_API_LOG_BATCH = 10_000
    settings.SATUDATA_API_LOG_FLUSH_S = 3600
    cache.clear()
    requestlog._take()
    yield
    requestlog._take()


@pytest.fixture
def world():
    return make_world("log")


def test_api_requests_are_logged_in_a_batch_not_on_their_path(client, world):
    user = world.users["produsen_own"]
    token, key = services.create_api_token(user, name="SIMPUS", organisations=[world.owner])
    client.get(PROBE, HTTP_X_API_KEY=key, REMOTE_ADDR="10.8.0.1")
    client.get("/api/v1/tidak-ada/sama-sekali", REMOTE_ADDR="10.8.0.2")
    client.get("/healthz")  # not an API path
    assert RequestLog.objects.count() == 0  # buffered: nothing written while serving
    assert requestlog.pending() == 2
    assert requestlog.flush() == 2
    keyed, missing = RequestLog.objects.order_by("id")
    assert (keyed.method, keyed.path, keyed.status) == ("GET", PROBE, 200)
    assert keyed.token_prefix == token.prefix
    assert keyed.token_id == token.pk
    assert keyed.username == user.username
    assert keyed.organisation_id == world.owner.pk
    assert keyed.client_ip == "10.8.0.1"
    assert keyed.response_bytes > 0
    assert keyed.duration_ms > 0
    assert (missing.status, missing.client_ip, missing.token_prefix) == (404, "10.8.0.2", "")


def test_a_full_batch_is_written_when_a_request_ends(client, settings):
    settings.SATUDATA_API_LOG_BATCH = 3
    for _ in range(3):
        client.get(PROBE)
    assert RequestLog.objects.filter(path=PROBE).count() == 3
    assert requestlog.pending() == 0


def test_refused_requests_are_logged_too(client, settings):
    settings.SATUDATA_API_RATE_PER_IP = "1/3600"
    client.get(PROBE, REMOTE_ADDR="10.8.0.9")
    client.get(PROBE, REMOTE_ADDR="10.8.0.9")
    client.get(PROBE, HTTP_X_API_KEY="sdk_salah", REMOTE_ADDR="10.8.0.10")
    requestlog.flush()
    statuses = sorted(RequestLog.objects.values_list("status", flat=True))
    assert statuses == [200, 401, 429]


def test_streamed_answers_count_their_bytes(client, world):
    # The CSV export of the log streams; log pages are not /api/, so use the API's CSV rows.
    from tests.factories import make_dataset

    dataset = make_dataset(world.owner, title="Data stream", state="published", topic=world.topic)
    response = client.get(f"/api/v1/{dataset.topic.slug}/{dataset.slug}?format=csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    requestlog.flush()
    entry = RequestLog.objects.get(path=f"/api/v1/{dataset.topic.slug}/{dataset.slug}")
    assert entry.response_bytes == len(body) > 0


def test_old_entries_are_purged_after_the_retention_period(settings):
    settings.SATUDATA_API_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    for age in (1, 29, 31, 400):
        RequestLog.objects.create(
            created_at=now - timedelta(days=age),
            method="GET",
            path=f"/api/{age}",
            status=200,
            duration_ms=1.0,
        )
    assert requestlog.purge() == 2
    assert sorted(RequestLog.objects.values_list("path", flat=True)) == ["/api/1", "/api/29"]


def test_a_failed_write_keeps_the_entries_for_the_next_flush(monkeypatch):
    entry = {
        "created_at": timezone.now(),
        "method": "GET",
        "path": "/api/x",
        "status": 200,
        "duration_ms": 1.0,
    }
    requestlog.record(entry)

    def broken(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(requestlog, "_insert", broken)
    assert requestlog.flush() == 0
    assert requestlog.pending() == 1
    monkeypatch.undo()
    assert requestlog.flush() == 1


@pytest.mark.django_db(transaction=True)
def test_the_flusher_thread_writes_a_quiet_servers_entries(settings, monkeypatch):
    settings.SATUDATA_API_LOG_FLUSH_S = 0.2
    monkeypatch.setattr(requestlog, "_thread_allowed", lambda: True)
    monkeypatch.setattr(requestlog, "_thread", None)
    requestlog.record(
        {
            "created_at": timezone.now(),
            "method": "GET",
            "path": "/api/sepi",
            "status": 200,
            "duration_ms": 1.0,
        }
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if RequestLog.objects.filter(path="/api/sepi").exists():
                break
            time.sleep(0.1)
        assert RequestLog.objects.filter(path="/api/sepi").exists()
        assert requestlog.pending() == 0
    finally:
        requestlog.stop_background()


# --- the walidata's page ----------------------------------------------------------------------


def _log_some(client, world):
    _, key = services.create_api_token(world.users["produsen_own"], name="SIMPUS")
    for _ in range(3):
        client.get(PROBE, HTTP_X_API_KEY=key)
    client.get("/api/v1/=HYPERLINK(1)/x")
    client.get(PROBE, HTTP_X_API_KEY="sdk_salah")
    requestlog.flush()


def test_only_the_walidata_sees_the_log(client, world):
    _log_some(client, world)
    assert client.get(LOG).status_code == 302  # log in first
    client.force_login(world.users["produsen_own"])
    assert client.get(LOG).status_code == 404
    assert client.get(LOG + "csv").status_code == 404
    client.force_login(world.users["walidata"])
    page = client.get(LOG)
    assert page.status_code == 200
    html = page.content.decode()
    assert PROBE in html
    assert "log-chart-agency" in html and "log-chart-key" in html
    assert 'href="/log-api/"' in client.get("/akun/").content.decode()  # from the profile


def test_the_log_page_filters_and_charts(client, world):
    _log_some(client, world)
    client.force_login(world.users["walidata"])
    page = client.get(LOG, {"status": "errors"})
    assert page.context["summary"]["total"] == 2
    assert {e.status for e in page.context["page"].object_list} == {401, 404}
    charts = page.context["charts"]
    per_key = charts["key"]["data"]["values"]
    assert sum(v["count"] for v in per_key) == 0  # the errors were made without a valid key
    everything = client.get(LOG).context
    assert everything["summary"]["total"] == 5
    key_counts = [v["count"] for v in everything["charts"]["key"]["data"]["values"]]
    assert sum(key_counts) == 3
    assert everything["charts"]["time"]["mark"]["type"] == "bar"
    over_time = everything["charts"]["time"]["data"]["values"]
    assert sum(v["count"] for v in over_time) == 5
    today = timezone.localdate().isoformat()
    assert all(v["time"].startswith(today) for v in over_time)  # local time, this day
    # Hostile filter values are just not matched (bound, never spliced into SQL).
    hostile = client.get(LOG, {"path": "' OR 1=1 --", "opd": "1; DROP", "dari": "kemarin"})
    assert hostile.status_code == 200
    assert hostile.context["summary"]["total"] == 0
    json.dumps(everything["charts"])  # specs are plain JSON


def test_the_csv_export_is_formula_escaped(client, world):
    _log_some(client, world)
    client.force_login(world.users["walidata"])
    response = client.get(LOG + "csv")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert {row["status"] for row in rows} == {"200", "401", "404"}
    paths = {row["path"] for row in rows}
    assert "/api/v1/=HYPERLINK(1)/x" in paths  # starts with "/": harmless, kept as it is
    assert all(not row["path"].startswith(("=", "+", "@")) for row in rows)


def test_the_daily_task_purges_log_and_idempotency_records(settings, world):
    from satudata.api.models import IdempotencyRecord
    from satudata.api.requestlog_tasks import purge_api_tables

    settings.SATUDATA_API_LOG_RETENTION_DAYS = 7
    settings.SATUDATA_API_IDEMPOTENCY_HOURS = 24
    token, _ = services.create_api_token(world.users["produsen_own"], name="x")
    old = IdempotencyRecord.objects.create(token=token, key="lama", request_sha256="0" * 64)
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    IdempotencyRecord.objects.create(token=token, key="baru", request_sha256="0" * 64)
    RequestLog.objects.create(
        created_at=timezone.now() - timedelta(days=8),
        method="GET",
        path="/api/lama",
        status=200,
        duration_ms=1.0,
    )
    assert purge_api_tables() == {"request_log": 1, "idempotency_records": 1}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["baru"]


def test_waiting_lines_are_written_when_the_process_exits(tmp_path):
    """A server process that stops writes what it still holds (atexit), in a real process
    with its own SQLite database."""
    import sqlite3
    import subprocess
    import sys

    script = (
        "import django, os\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', 'api', verbosity=0)\n"
        "from django.utils import timezone\n"
        "from satudata.api import requestlog\n"
        "requestlog.record({'created_at': timezone.now(), 'method': 'GET',\n"
        "                   'path': '/api/keluar', 'status': 200, 'duration_ms': 1.0})\n"
        "assert requestlog.pending() == 1\n"
    )
    env = {
        **os.environ,
        "SATUDATA_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "satudata.settings",
        "SATUDATA_API_LOG_FLUSH_S": "3600",  # the thread would not flush in time: exit must
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    with sqlite3.connect(tmp_path / "satudata.sqlite3") as db:
        rows = db.execute("SELECT path, status FROM api_requestlog").fetchall()
    assert rows == [("/api/keluar", 200)]


def test_the_production_server_writes_waiting_lines_when_stopped(tmp_path):
    """`satudata serve` (granian workers leave through os._exit, skipping atexit): lines still
    in the buffer when the server is stopped with Ctrl+C reach the database."""
    import signal
    import socket
    import sqlite3
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    satudata = str(Path(sys.executable).with_name("satudata"))
    env = {
        **os.environ,
        "SATUDATA_HOME": str(tmp_path),
        "SATUDATA_API_LOG_FLUSH_S": "3600",  # nothing written before the stop
        "SATUDATA_LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([satudata, "manage", "migrate", "-v", "0"], env=env, check=True, timeout=300)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [satudata, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        for _ in range(3):
            urllib.request.urlopen(f"http://127.0.0.1:{port}{PROBE}", timeout=30).read()
        with sqlite3.connect(tmp_path / "satudata.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM api_requestlog").fetchone() == (0,)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    with sqlite3.connect(tmp_path / "satudata.sqlite3") as db:
        rows = db.execute("SELECT path, status FROM api_requestlog").fetchall()
    assert rows == [(PROBE, 200)] * 3
