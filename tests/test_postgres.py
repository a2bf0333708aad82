"""The PostgreSQL run is real: when DATABASE_URL names PostgreSQL, the suite runs on it.

Under CI=true a DATABASE_URL that cannot be reached fails the run instead of skipping, so a CI
log can never claim a PostgreSQL run that did not happen.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres

CONNECT_TIMEOUT_S = 5


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "").strip()


def names_postgresql(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql", "postgis"}


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def test_database_url_server_is_reachable():
    url = database_url()
    if not url:
        pytest.skip("DATABASE_URL is not set: this run uses SQLite")
    if not names_postgresql(url):
        pytest.skip(f"DATABASE_URL names {urlsplit(url).scheme}, not PostgreSQL")
    import psycopg

    parts = urlsplit(url)
    try:
        # The maintenance database: the named one may not exist yet (tests use test_<name>).
        with psycopg.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=CONNECT_TIMEOUT_S,
        ) as probe:
            probe.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        unavailable(f"cannot connect to {parts.hostname}:{parts.port or 5432}: {exc}")


@pytest.mark.django_db
def test_suite_runs_on_postgresql_when_database_url_says_so():
    url = database_url()
    if not url or not names_postgresql(url):
        pytest.skip("DATABASE_URL does not name PostgreSQL: this run uses SQLite")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_database()")
        version, current = cursor.fetchone()
    assert version.startswith("PostgreSQL")
    named = urlsplit(url).path.lstrip("/")
    # pytest-django runs on the test twin of the named database (one per xdist worker: _gw0, …).
    assert re.fullmatch(rf"(test_)?{re.escape(named)}(_gw\d+)?", current), current
