"""Acceptance: an HTTP connector against a real agency-like API with pagination, auth and faults.

The run pulls every page, maps the fields, and lands as a draft version through the same ingest
as an upload; transient faults are retried; permanent ones end as a failed run that names the
cause and leaves the last good version exactly as it was.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from satudata.connectors import services, sync
from satudata.connectors.models import RunStatus
from satudata.core import blobs
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from tests.connectors.agency_api import API_KEY

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def version_rows(version: Version) -> list[dict]:
    return pq.read_table(blobs.blob_path(version.parquet_sha256)).to_pylist()


def run(connector):
    return sync.run_now(connector, sleep=lambda s: None)


def test_paginated_pull_imports_exactly_the_records_mapped(
    make_http_connector, agency, fast_retries
):
    connector = make_http_connector()
    result = run(connector)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.rows_read == 25 and result.rows_imported == 25
    rows = version_rows(result.version)
    assert [row["id"] for row in rows] == list(range(1, 26))
    assert rows[0]["kode_desa"] == "51.05.01.2001"
    assert rows[0]["jenis_kelamin"] == "Laki-laki" and rows[1]["jenis_kelamin"] == "Perempuan"
    assert result.version.status == "draft"  # auto-publish not allowed
    # 3 pages of 10 (the last one short)
    assert len([r for r in agency.state.requests if r.startswith("/api/penduduk")]) == 3


def test_unchanged_source_makes_no_new_version(make_http_connector, fast_retries):
    connector = make_http_connector(incremental_param="", incremental_field="")
    first = run(connector)
    second = run(connector)
    assert second.status == RunStatus.UNCHANGED
    assert second.version_id == first.version_id
    assert Version.objects.filter(dataset=connector.dataset).count() == 1


def test_incremental_pull_sends_updated_since_and_merges_by_key(
    make_http_connector, agency, fast_retries
):
    connector = make_http_connector(
        incremental_param="updated_since", incremental_field="updated_at"
    )
    first = run(connector)
    assert first.cursor_after == "2024-01-25T08:00:00"
    agency.state.records[4]["jumlah"] = 999
    agency.state.records[4]["updated_at"] = "2024-02-01T08:00:00"
    agency.state.records.append(
        {
            "id": 26,
            "kode_desa": "5105012026",
            "JK": "P",
            "jumlah": 1,
            "updated_at": "2024-02-02T08:00:00",
        }
    )
    agency.state.requests.clear()
    second = run(connector)
    assert second.status == RunStatus.SUCCEEDED, second.error
    assert any("updated_since=2024-01-25T08" in r for r in agency.state.requests)
    assert second.rows_read == 2
    rows = {row["id"]: row for row in version_rows(second.version)}
    assert len(rows) == 26 and rows[5]["jumlah"] == 999 and rows[26]["jumlah"] == 1
    third = run(connector)
    assert third.status == RunStatus.UNCHANGED and third.rows_read == 0


@pytest.mark.parametrize(
    "pagination",
    [
        {"pagination": "next_link", "url_path": "/api/next", "next_link_path": "links.next"},
        {"pagination": "cursor", "url_path": "/api/cursor", "cursor_path": "meta.next_cursor"},
    ],
    ids=["next-link", "cursor"],
)
def test_next_link_and_cursor_pagination(make_http_connector, agency, fast_retries, pagination):
    path = pagination.pop("url_path")
    connector = make_http_connector(url=f"{agency.url}{path}", **pagination)
    result = run(connector)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert [row["id"] for row in version_rows(result.version)] == list(range(1, 26))


def test_transient_faults_are_retried_and_the_run_succeeds(
    make_http_connector, agency, fast_retries
):
    connector = make_http_connector()
    agency.state.faults = ["timeout", "500"]
    result = run(connector)
    assert result.status == RunStatus.SUCCEEDED, result.log
    assert result.attempt == 3
    assert "source-timeout" in result.log and "source-unavailable" in result.log
    assert result.rows_imported == 25


def test_a_repeated_page_is_asked_again_and_no_row_is_doubled(
    make_http_connector, agency, fast_retries
):
    connector = make_http_connector()
    agency.state.faults = ["", "repeat"]  # page 2 comes back as page 1 once
    result = run(connector)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert [row["id"] for row in version_rows(result.version)] == list(range(1, 26))
    assert "identical to an earlier one" in result.log


def test_permanent_fault_fails_and_keeps_the_last_good_version(
    make_http_connector, agency, fast_retries
):
    connector = make_http_connector()
    good = run(connector)
    services.update_connector(SYSTEM, connector, auto_publish=True)
    assert good.status == RunStatus.SUCCEEDED
    agency.state.mode = "malformed"
    agency.state.records[0]["jumlah"] = 12345  # would be a change, if it could be read
    failed = run(connector)
    assert failed.status == RunStatus.FAILED
    assert failed.error_code == "malformed-response"
    assert "malformed" in failed.error
    versions = Version.objects.filter(dataset=connector.dataset)
    assert list(versions) == [good.version]
    assert version_rows(good.version)[0]["jumlah"] == 3


def test_server_errors_that_persist_fail_after_the_retries(
    make_http_connector, agency, fast_retries
):
    connector = make_http_connector()
    agency.state.mode = "500"
    result = run(connector)
    assert result.status == RunStatus.FAILED
    assert result.attempt == 3 and result.error_code == "source-unavailable"
    assert "Gave up after 3 attempts" in result.log


@pytest.mark.parametrize(
    ("mode", "code", "words"),
    [
        ("html", "unexpected-html", "HTML"),
        ("renamed", "source-field-missing", "JK"),
        ("endless", "pagination-loop", "loop"),
    ],
)
def test_bad_sources_fail_with_a_precise_cause(
    make_http_connector, agency, fast_retries, mode, code, words
):
    connector = make_http_connector()
    agency.state.mode = mode
    result = run(connector)
    assert result.status == RunStatus.FAILED
    assert result.error_code == code, result.error
    assert words in result.error
    assert not Version.objects.filter(dataset=connector.dataset).exists()


def test_endless_next_links_stop_at_the_page_cap(
    make_http_connector, agency, fast_retries, settings
):
    settings.SATUDATA_CONNECTOR_MAX_PAGES = 5
    connector = make_http_connector(url=f"{agency.url}/api/next", pagination="next_link")
    agency.state.mode = "endless"
    result = run(connector)
    assert result.status == RunStatus.FAILED and result.error_code == "pagination-loop"
    assert len(agency.state.requests) <= 3 * 5


def test_a_2gb_response_is_cut_at_the_size_cap(make_http_connector, agency, fast_retries, settings):
    settings.SATUDATA_CONNECTOR_MAX_RESPONSE_MB = 1
    settings.SATUDATA_CONNECTOR_HTTP_TIMEOUT_S = 10
    connector = make_http_connector(pagination="none", timeout_s=10)
    agency.state.mode = "huge"
    result = run(connector)
    assert result.status == RunStatus.FAILED
    assert result.error_code == "response-too-large"
    assert "1 MB" in result.error


def test_wrong_credentials_fail_without_retry_and_never_show_the_secret(
    make_http_connector, fast_retries
):
    connector = make_http_connector(secrets={"api_key": "kunci-yang-salah-999"})
    result = run(connector)
    assert result.status == RunStatus.FAILED
    assert result.error_code == "source-auth" and result.attempt == 1
    assert "kunci-yang-salah-999" not in result.log + result.error + result.error_cause


def test_secrets_are_encrypted_at_rest(make_http_connector):
    connector = make_http_connector()
    connector.refresh_from_db()
    assert API_KEY not in connector.secrets_encrypted
    assert API_KEY not in str(connector.config)
    assert services.stored_secret_names(connector) == ["api_key"]


def test_auto_publish_when_allowed_and_valid(make_http_connector, fast_retries):
    connector = make_http_connector()
    services.update_connector(SYSTEM, connector, auto_publish=True)
    result = run(connector)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.published
    connector.dataset.refresh_from_db()
    assert connector.dataset.published_version_id == result.version_id


def test_basic_bearer_and_oauth2_auth(make_http_connector, agency, fast_retries):
    bearer = make_http_connector("bearer", auth="bearer", secrets={"token": API_KEY})
    assert run(bearer).status == RunStatus.SUCCEEDED
    oauth = make_http_connector(
        "oauth",
        auth="oauth2",
        token_url=f"{agency.url}/oauth/token",
        client_id="satudata",
        secrets={"client_secret": "rahasia-klien"},
    )
    result = run(oauth)
    assert result.status in (RunStatus.SUCCEEDED, RunStatus.UNCHANGED), result.error


def test_xml_response(make_http_connector, agency, fast_retries):
    connector = make_http_connector(
        url=f"{agency.url}/api/penduduk.xml",
        format="xml",
        record_path="items.item",
        pagination="none",
    )
    result = run(connector)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.rows_imported == 25


def test_try_it_shows_the_first_mapped_rows_and_stores_nothing(make_http_connector):
    connector = make_http_connector()
    shown = sync.preview(connector, rows=5)
    assert shown.columns == ["id", "kode_desa", "jenis_kelamin", "jumlah", "diperbarui"]
    assert len(shown.rows) == 5 and shown.rows[0][1] == "51.05.01.2001"
    assert not Version.objects.filter(dataset=connector.dataset).exists()
