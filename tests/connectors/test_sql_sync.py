"""Acceptance: the SQL connector pulls a table incrementally from the real PostgreSQL and the
real MariaDB of this machine (skipped with the reason when a server is absent; failing under
CI=true), and refuses statements that write — before they reach the database, and the database's
read-only transaction refuses them too.
"""

from __future__ import annotations

import uuid

import pyarrow.parquet as pq
import pytest

from satudata.connectors import services, sync
from satudata.connectors.models import RunStatus
from satudata.connectors.types.base import SourceError
from satudata.connectors.types.sql import SqlConnector
from satudata.core import blobs
from satudata.core.permissions import SYSTEM
from tests.connectors.conftest import require_service

pytestmark = pytest.mark.django_db

ROWS = [
    (1, "51.05.01.2001", "L", 10, "2024-01-01 08:00:00"),
    (2, "51.05.01.2002", "P", 20, "2024-01-02 08:00:00"),
    (3, "51.05.01.2003", "L", 30, "2024-01-03 08:00:00"),
]


class Source:
    """A scratch database with one table `kunjungan` on a real server, dropped afterwards."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.name = f"sd_conn_{uuid.uuid4().hex[:10]}"
        self.port = 5432 if engine == "postgresql" else 3306
        self.user = "postgres" if engine == "postgresql" else "root"

    def admin(self, database: str | None = None):
        if self.engine == "postgresql":
            import psycopg

            return psycopg.connect(
                host="127.0.0.1",
                port=5432,
                user="postgres",
                dbname=database or "postgres",
                autocommit=True,
                connect_timeout=3,
            )
        import pymysql

        return pymysql.connect(
            host="127.0.0.1",
            port=3306,
            user="root",
            password="",
            database=database,
            autocommit=True,
            connect_timeout=3,
        )

    def execute(self, sql: str, params=None) -> None:
        connection = self.admin(self.name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            connection.close()

    def create(self) -> None:
        connection = self.admin()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {self.name}")
        connection.close()
        timestamp = "TIMESTAMP" if self.engine == "postgresql" else "DATETIME"
        self.execute(
            f"CREATE TABLE kunjungan (id INTEGER PRIMARY KEY, kode_desa VARCHAR(13),"
            f" jk CHAR(1), jumlah INTEGER, updated_at {timestamp})"
        )
        for row in ROWS:
            self.insert(row)

    def insert(self, row) -> None:
        self.execute("INSERT INTO kunjungan VALUES (%s, %s, %s, %s, %s)", row)

    def count(self) -> int:
        connection = self.admin(self.name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM kunjungan")
            (count,) = cursor.fetchone()
        connection.close()
        return count

    def drop(self) -> None:
        connection = self.admin()
        with connection.cursor() as cursor:
            if self.engine == "postgresql":
                cursor.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            else:
                cursor.execute(f"DROP DATABASE IF EXISTS {self.name}")
        connection.close()

    def config(self, **overrides) -> dict:
        config = {
            "engine": self.engine,
            "host": "127.0.0.1",
            "port": self.port,
            "database": self.name,
            "user": self.user,
            "mode": "table",
            "table": "kunjungan",
            "columns": "id, kode_desa, jk, jumlah, updated_at",
            "incremental_column": "updated_at",
        }
        config.update(overrides)
        return config


@pytest.fixture(params=["postgresql", "mariadb"])
def source(request):
    source = Source(request.param)
    try:
        source.admin().close()
    except Exception as error:
        require_service(f"{request.param} is not reachable on 127.0.0.1:{source.port}: {error}")
    source.create()
    yield source
    source.drop()


def rows_of(run) -> list[dict]:
    return pq.read_table(blobs.blob_path(run.version.parquet_sha256)).to_pylist()


def test_table_is_pulled_incrementally(source, dataset):
    connector = services.create_connector(
        SYSTEM,
        name=f"sql-{source.engine}",
        type_key="sql",
        dataset=dataset,
        config=source.config(),
        mapping={
            "fields": [
                {"target": "id", "source": "id", "type": "integer"},
                {"target": "kode_desa", "source": "kode_desa", "type": "string"},
                {
                    "target": "jenis_kelamin",
                    "source": "jk",
                    "values": {"L": "Laki-laki", "P": "Perempuan"},
                    "type": "string",
                },
                {"target": "jumlah", "source": "jumlah", "type": "integer"},
                {"target": "diperbarui", "source": "updated_at", "type": "string"},
            ],
            "key": ["id"],
        },
    )
    first = sync.run_now(connector)
    assert first.status == RunStatus.SUCCEEDED, first.error
    assert first.rows_read == 3
    assert first.cursor_after == "2024-01-03 08:00:00"
    assert [row["jenis_kelamin"] for row in rows_of(first)] == [
        "Laki-laki",
        "Perempuan",
        "Laki-laki",
    ]

    source.insert((4, "51.05.01.2004", "P", 40, "2024-01-04 08:00:00"))
    source.execute(
        "UPDATE kunjungan SET jumlah = 99, updated_at = '2024-01-05 08:00:00' WHERE id = 1"
    )
    second = sync.run_now(connector)
    assert second.status == RunStatus.SUCCEEDED, second.error
    assert second.rows_read == 2  # only the new and the changed row crossed the wire
    rows = {row["id"]: row for row in rows_of(second)}
    assert sorted(rows) == [1, 2, 3, 4] and rows[1]["jumlah"] == 99

    third = sync.run_now(connector)
    assert third.status == RunStatus.UNCHANGED and third.rows_read == 0


def test_own_select_with_since_parameter(source, dataset):
    query = (
        "SELECT id, jumlah, updated_at FROM kunjungan WHERE updated_at > :since"
        " AND jk LIKE 'L%' ORDER BY id"
    )
    connector = services.create_connector(
        SYSTEM,
        name=f"sqlq-{source.engine}",
        type_key="sql",
        dataset=dataset,
        config=source.config(mode="query", query=query),
    )
    run = sync.run_now(connector)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert [str(row["id"]) for row in rows_of(run)] == ["1", "3"]


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM kunjungan",
        "SELECT 1; DROP TABLE kunjungan",
        "WITH d AS (DELETE FROM kunjungan RETURNING *) SELECT * FROM d",
        "SELECT * FROM kunjungan FOR UPDATE",
    ],
)
def test_writing_sql_is_refused_and_nothing_changes(source, query):
    with pytest.raises(SourceError) as refused:
        SqlConnector().pull(source.config(mode="query", query=query), {}, since=None)
    assert refused.value.code == "sql-not-read-only"
    assert source.count() == 3


def test_the_database_itself_refuses_writes_in_the_connector_session(source):
    """Even a write the statement check missed (a function call) meets a read-only transaction."""
    from satudata.connectors.types import sql as sql_type

    config = source.config()
    if source.engine == "postgresql":
        statement = "CREATE TEMP TABLE x AS SELECT 1"  # not a SELECT: bypass the guard directly
    else:
        statement = "INSERT INTO kunjungan VALUES (9, 'x', 'L', 1, '2024-01-01')"
    reader = sql_type._read_postgresql if source.engine == "postgresql" else sql_type._read_mariadb
    with pytest.raises(SourceError) as refused:
        reader(config, "", statement, {})
    assert refused.value.code in ("sql-not-read-only", "sql-error")
    assert source.count() == 3


def test_wrong_password_fails_with_a_clear_cause(source, dataset):
    if source.engine == "postgresql":
        pytest.skip("PostgreSQL here trusts local connections: any password is accepted")
    connector = services.create_connector(
        SYSTEM,
        name="sql-wrong",
        type_key="sql",
        dataset=dataset,
        config=source.config(user="tidak_ada"),
        secrets={"password": "salah-sekali-77"},
    )
    run = sync.run_now(connector, sleep=lambda s: None)
    assert run.status == RunStatus.FAILED
    assert run.error_code == "source-auth"
    assert "salah-sekali-77" not in run.log + run.error


def test_try_it_lists_the_source_tables_and_columns(source, dataset, client, world):
    connector = services.create_connector(
        SYSTEM,
        name=f"sqlt-{source.engine}",
        type_key="sql",
        dataset=dataset,
        config=source.config(),
    )
    client.force_login(world.users["walidata"])
    page = client.post(f"/konektor/{connector.name}/coba/").content.decode()
    assert "<code>kunjungan</code>" in page
    assert "id, kode_desa, jk, jumlah, updated_at" in page
    assert "51.05.01.2001" in page  # and the first rows
