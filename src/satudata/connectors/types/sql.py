"""SQL database connector type: PostgreSQL (psycopg) and MariaDB/MySQL (pymysql).

Read-only three times over: the statement is checked (`sqlguard`: one SELECT, nothing that
writes), the session runs in a read-only transaction (the database itself refuses writes), and
the docs ask for a read-only account. Either a SELECT the user writes — `:since` in it is
replaced by a bound parameter — or a table with chosen columns, whose query we build with
quoted identifiers. Values are bound, never concatenated.
"""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

import pyarrow as pa
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.connectors import conf
from satudata.connectors.types import register
from satudata.connectors.types.base import ConnectorType, Pulled, SourceError, TransientSourceError
from satudata.connectors.types.records import as_text
from satudata.connectors.types.sqlguard import check_select
from satudata.warehouse.engine import quote_identifier

ENGINES = (("postgresql", "PostgreSQL"), ("mariadb", "MariaDB / MySQL"))
MODES = (
    ("table", gettext_lazy("Table and columns")),
    ("query", gettext_lazy("My own SELECT")),
)
SINCE_MARK = re.compile(r"(?<![:\w]):since\b")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
FETCH_BATCH_ROWS = 5_000
CONNECT_TIMEOUT_S = 10
DEFAULT_INITIAL_SINCE = "1900-01-01"


class SqlConfigForm(forms.Form):
    engine = forms.ChoiceField(label=gettext_lazy("Database"), choices=ENGINES)
    host = forms.CharField(label=gettext_lazy("Host"), max_length=255, initial="127.0.0.1")
    port = forms.IntegerField(label=gettext_lazy("Port"), min_value=1, max_value=65535)
    database = forms.CharField(label=gettext_lazy("Database name"), max_length=120)
    user = forms.CharField(label=gettext_lazy("User (read-only)"), max_length=120)
    mode = forms.ChoiceField(label=gettext_lazy("What to read"), choices=MODES, initial="table")
    table = forms.CharField(
        label=gettext_lazy("Table"),
        required=False,
        max_length=130,
        help_text=gettext_lazy("e.g. kunjungan or schema.kunjungan"),
    )
    columns = forms.CharField(
        label=gettext_lazy("Columns"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Comma-separated; empty: all columns."),
    )
    query = forms.CharField(
        label=gettext_lazy("SELECT statement"),
        required=False,
        widget=forms.Textarea,
        help_text=gettext_lazy(
            "Only one SELECT. Write :since where the newest value of the last run goes."
        ),
    )
    incremental_column = forms.CharField(
        label=gettext_lazy("Incremental column"),
        required=False,
        max_length=63,
        help_text=gettext_lazy("e.g. updated_at: only newer rows are read after the first run."),
    )
    initial_since = forms.CharField(
        label=gettext_lazy("First value of :since"),
        required=False,
        initial=DEFAULT_INITIAL_SINCE,
        max_length=60,
    )

    def clean(self):
        data = super().clean()
        if data.get("mode") == "query":
            try:
                check_select(data.get("query") or "")
            except SourceError as error:
                self.add_error("query", error.message)
        elif not data.get("table"):
            self.add_error("table", _("Choose a table."))
        for part in (data.get("table") or "").split(".") if data.get("table") else []:
            if not IDENTIFIER.match(part):
                self.add_error("table", _("Not a table name: %(name)s") % {"name": part})
        for name in _column_list(data.get("columns") or ""):
            if not IDENTIFIER.match(name):
                self.add_error("columns", _("Not a column name: %(name)s") % {"name": name})
        incremental = data.get("incremental_column") or ""
        if incremental and not IDENTIFIER.match(incremental):
            self.add_error("incremental_column", _("Not a column name."))
        return data


def _column_list(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _quote(name: str, engine: str) -> str:
    if engine == "mariadb":
        return "`" + name.replace("`", "``") + "`"
    return quote_identifier(name)


def build_statement(config: dict, since: str | None, limit: int | None) -> tuple[str, dict]:
    """The SQL text (pyformat placeholders) and its parameters."""
    engine = config.get("engine") or "postgresql"
    incremental = config.get("incremental_column") or ""
    params: dict[str, Any] = {}
    if (config.get("mode") or "table") == "query":
        sql = check_select(config.get("query") or "")
        # pyformat: a literal % (LIKE 'a%') must be doubled before :since becomes %(since)s.
        sql = SINCE_MARK.sub("%(since)s", sql.replace("%", "%%"))
        if "%(since)s" in sql:
            params["since"] = since or config.get("initial_since") or DEFAULT_INITIAL_SINCE
    else:
        table = ".".join(_quote(part, engine) for part in str(config.get("table")).split("."))
        names = _column_list(config.get("columns") or "")
        columns = ", ".join(_quote(name, engine) for name in names) if names else "*"
        # Identifiers quoted (checked against IDENTIFIER by the form too), values bound.
        sql = f"SELECT {columns} FROM {table}"  # noqa: S608
        if incremental and since:
            sql += f" WHERE {_quote(incremental, engine)} > %(since)s"
            params["since"] = since
        if incremental:
            sql += f" ORDER BY {_quote(incremental, engine)}"
    if limit is not None:
        sql = f"SELECT * FROM ({sql}) AS preview LIMIT {int(limit)}"  # noqa: S608
    return sql, params


@register
class SqlConnector(ConnectorType):
    key = "sql"
    label = gettext_lazy("SQL database (PostgreSQL, MariaDB)")
    config_form = SqlConfigForm
    secret_fields = ("password",)
    supports_incremental = True

    def pull(
        self, config: dict, secrets: dict, *, since: str | None, limit: int | None = None
    ) -> Pulled:
        sql, params = build_statement(config, since, limit)
        reader = _read_postgresql if config.get("engine") == "postgresql" else _read_mariadb
        names, rows = reader(config, secrets.get("password") or "", sql, params)
        incremental = config.get("incremental_column") or ""
        cursor = since
        if incremental and incremental in names and rows:
            position = names.index(incremental)
            values = [row[position] for row in rows if row[position] is not None]
            if values:
                cursor = _position_text(max(values))
        table = pa.table(
            {
                name: pa.array([as_text(_plain(row[i])) for row in rows], pa.string())
                for i, name in enumerate(names)
            }
        )
        log = [_("%(rows)d rows read from the database.") % {"rows": len(rows)}]
        return Pulled(table=table, cursor=cursor, log=log)


DESCRIBE_SQL = {
    "postgresql": (
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY table_schema, table_name, ordinal_position LIMIT 5000"
    ),
    "mariadb": (
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position LIMIT 5000"
    ),
}


def describe_source(config: dict, secrets: dict) -> dict[str, list[str]]:
    """Tables (`schema.table` on PostgreSQL outside `public`) and their columns, for choosing
    the table and columns of a connector. Same read-only session as a pull."""
    engine = "postgresql" if config.get("engine") == "postgresql" else "mariadb"
    reader = _read_postgresql if engine == "postgresql" else _read_mariadb
    _names, rows = reader(config, secrets.get("password") or "", DESCRIBE_SQL[engine], {})
    tables: dict[str, list[str]] = {}
    for schema, table, column in rows:
        name = table if engine == "mariadb" or schema == "public" else f"{schema}.{table}"
        tables.setdefault(name, []).append(column)
    return tables


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return _position_text(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


def _position_text(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _fetch_all(cursor) -> list[tuple]:
    rows: list[tuple] = []
    cap = conf.max_rows()
    while batch := cursor.fetchmany(FETCH_BATCH_ROWS):
        rows.extend(batch)
        if len(rows) > cap:
            raise SourceError(
                _("The query returns more than %(n)d rows; narrow it.") % {"n": cap},
                code="too-many-rows",
            )
    return rows


def _read_postgresql(config: dict, password: str, sql: str, params: dict):
    import psycopg

    options = f"-c default_transaction_read_only=on -c statement_timeout={conf.sql_timeout_ms()}"
    try:
        connection = psycopg.connect(
            host=config.get("host"),
            port=int(config.get("port") or 5432),
            dbname=config.get("database"),
            user=config.get("user"),
            password=password or None,
            connect_timeout=CONNECT_TIMEOUT_S,
            options=options,
            application_name="satudata-connector",
        )
    except psycopg.OperationalError as error:
        raise _connection_error(str(error)) from None
    try:
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            names = [column.name for column in cursor.description or []]
            rows = _fetch_all(cursor)
        connection.rollback()
        return names, rows
    except psycopg.errors.ReadOnlySqlTransaction:
        raise SourceError(
            _("The database refused the statement because it writes (read-only transaction)."),
            code="sql-not-read-only",
        ) from None
    except psycopg.errors.QueryCanceled:
        raise TransientSourceError(
            _("The query took longer than %(ms)d ms and was stopped.")
            % {"ms": conf.sql_timeout_ms()},
            code="source-timeout",
        ) from None
    except psycopg.OperationalError as error:
        raise _connection_error(str(error)) from None
    except psycopg.Error as error:
        raise SourceError(
            _("The database refused the query: %(error)s") % {"error": _first_line(error)},
            code="sql-error",
        ) from None
    finally:
        connection.close()


def _read_mariadb(config: dict, password: str, sql: str, params: dict):
    import pymysql

    try:
        connection = pymysql.connect(
            host=config.get("host"),
            port=int(config.get("port") or 3306),
            user=config.get("user"),
            password=password,
            database=config.get("database"),
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=max(1, conf.sql_timeout_ms() // 1000),
            charset="utf8mb4",
        )
    except pymysql.err.OperationalError as error:
        raise _mariadb_connection_error(error) from None
    try:
        with connection.cursor() as cursor:
            with _suppress(pymysql.err.MySQLError):
                cursor.execute(
                    "SET SESSION max_statement_time = %s", [conf.sql_timeout_ms() / 1000]
                )
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.execute("START TRANSACTION READ ONLY")
            cursor.execute(sql, params or None)
            names = [column[0] for column in cursor.description or []]
            rows = _fetch_all(cursor)
        connection.rollback()
        return names, rows
    except pymysql.err.OperationalError as error:
        code = error.args[0] if error.args else 0
        if code == 1792:  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
            raise SourceError(
                _("The database refused the statement because it writes (read-only transaction)."),
                code="sql-not-read-only",
            ) from None
        if code in (1969, 3024):  # statement time exceeded (MariaDB, MySQL)
            raise TransientSourceError(
                _("The query took too long and was stopped."), code="source-timeout"
            ) from None
        raise _mariadb_connection_error(error) from None
    except pymysql.err.MySQLError as error:
        raise SourceError(
            _("The database refused the query: %(error)s")
            % {"error": error.args[1] if len(error.args) > 1 else error},
            code="sql-error",
        ) from None
    finally:
        connection.close()


class _suppress:
    def __init__(self, *kinds):
        self.kinds = kinds

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is not None and issubclass(kind, self.kinds)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__


def _connection_error(text: str) -> SourceError:
    lowered = text.lower()
    if "password" in lowered or "authentication" in lowered or "role" in lowered:
        return SourceError(_("The database refused the user name or password."), code="source-auth")
    if "does not exist" in lowered:
        return SourceError(
            _("The database does not exist: %(error)s") % {"error": text.splitlines()[0][:200]},
            code="sql-error",
        )
    return TransientSourceError(
        _("Cannot reach the database: %(error)s") % {"error": text.splitlines()[0][:200]},
        code="source-unreachable",
    )


def _mariadb_connection_error(error) -> SourceError:
    code = error.args[0] if error.args else 0
    if code in (1044, 1045, 1698):
        return SourceError(_("The database refused the user name or password."), code="source-auth")
    if code == 1049:
        return SourceError(_("The database does not exist."), code="sql-error")
    return TransientSourceError(
        _("Cannot reach the database (%(code)s).") % {"code": code}, code="source-unreachable"
    )
