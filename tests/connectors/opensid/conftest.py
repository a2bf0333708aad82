"""A real MariaDB for the OpenSID connector tests: fresh databases, dropped after the session.

The server is root@127.0.0.1:3306 without a password (override with SATUDATA_TEST_MARIADB_HOST /
_PORT / _USER / _PASSWORD). When it is not there the tests skip with the reason; under CI=true
they fail instead, so a CI log never claims a run that did not happen.
"""

from __future__ import annotations

import os
import secrets as random_names

import pymysql
import pytest

from .fixture_data import insert_rows
from .fixture_schema import create_tables

SERVER = {
    "host": os.environ.get("SATUDATA_TEST_MARIADB_HOST", "127.0.0.1"),
    "port": int(os.environ.get("SATUDATA_TEST_MARIADB_PORT", "3306")),
    "user": os.environ.get("SATUDATA_TEST_MARIADB_USER", "root"),
    "password": os.environ.get("SATUDATA_TEST_MARIADB_PASSWORD", ""),
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"MariaDB required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def _admin_connection(database: str | None = None):
    return pymysql.connect(
        **SERVER, database=database, connect_timeout=3, autocommit=True, charset="utf8mb4"
    )


class OpenSIDDatabases:
    """Creates throw-away OpenSID databases on the test server; drops them all at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.prefix = f"satudata_test_opensid_{os.getpid()}_{random_names.token_hex(3)}"

    def create(self, *, data: bool = True, **schema_variant) -> str:
        name = f"{self.prefix}_{len(self.names)}"
        with _admin_connection() as admin, admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        self.names.append(name)
        with _admin_connection(name) as connection, connection.cursor() as cursor:
            create_tables(cursor, **schema_variant)
            if data:
                insert_rows(cursor)
        return name

    def execute(self, name: str, sql: str, params=None) -> None:
        with _admin_connection(name) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)

    def config(self, name: str, **settings) -> dict:
        """A connector configuration (as the settings form stores it) for database `name`."""
        return {
            "host": SERVER["host"],
            "port": SERVER["port"],
            "database": name,
            "user": SERVER["user"],
            "tanggal_acuan": "2026-07-01",
            **settings,
        }

    @property
    def secrets(self) -> dict:
        return {"password": SERVER["password"]}

    def drop_all(self) -> None:
        with _admin_connection() as admin, admin.cursor() as cursor:
            for name in self.names:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture(scope="session")
def opensid_databases():
    try:
        _admin_connection().close()
    except pymysql.MySQLError as exc:
        _unavailable(f"MariaDB not reachable at {SERVER['host']}:{SERVER['port']}: {exc}")
    databases = OpenSIDDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def gabungan(opensid_databases) -> str:
    """The synthetic two-village combined database (see fixture_data.py)."""
    return opensid_databases.create()
