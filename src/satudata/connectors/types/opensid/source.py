"""The connection to an OpenSID MariaDB/MySQL database: read-only, bounded, one snapshot.

Every pull runs inside one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`, so all the
numbers of a run come from the same moment (a resident moving while we read is counted once) and
the server refuses any write, whatever grants the account has. Statements are bounded by the
server's own statement timeout. pymysql errors become `SourceError` (permanent: wrong password,
unknown database, no SELECT grant) or `TransientSourceError` (refused, timeout, lost connection).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pymysql
from django.utils.translation import gettext as _

from satudata.connectors.types.base import SourceError, TransientSourceError

# MySQL/MariaDB client and server error numbers worth a retry.
_TRANSIENT_ERRNOS = frozenset(
    {
        1040,  # too many connections
        1205,  # lock wait timeout
        1213,  # deadlock
        1969,  # MariaDB: query execution was interrupted (max_statement_time exceeded)
        3024,  # MySQL: maximum statement execution time exceeded
        2002,  # cannot connect through socket
        2003,  # cannot connect to server (refused, unreachable)
        2006,  # server has gone away
        2013,  # lost connection during query (includes read timeouts)
    }
)


@dataclass(frozen=True)
class ConnectionSettings:
    host: str
    port: int
    database: str
    user: str
    password: str = ""
    connect_timeout_s: int = 10
    statement_timeout_s: int = 120


def _source_error(exc: pymysql.MySQLError, settings: ConnectionSettings) -> SourceError:
    errno = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    where = f"{settings.user}@{settings.host}:{settings.port}/{settings.database}"
    message = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    details = {"errno": errno, "source": where}
    if errno in _TRANSIENT_ERRNOS:
        return TransientSourceError(
            _("OpenSID database %(where)s is not reachable right now: %(message)s")
            % {"where": where, "message": message},
            details=details,
        )
    return SourceError(
        _("OpenSID database %(where)s refused the request: %(message)s")
        % {"where": where, "message": message},
        details=details,
    )


@contextmanager
def translated_errors(settings: ConnectionSettings) -> Iterator[None]:
    """Turn driver errors raised inside the block into the connector error types."""
    try:
        yield
    except pymysql.MySQLError as exc:
        raise _source_error(exc, settings) from exc


@contextmanager
def open_read_only(settings: ConnectionSettings) -> Iterator[pymysql.cursors.Cursor]:
    """A cursor inside a read-only, consistent-snapshot transaction; closed (rolled back) after."""
    with translated_errors(settings):
        connection = pymysql.connect(
            host=settings.host,
            port=settings.port,
            user=settings.user,
            password=settings.password,
            database=settings.database,
            charset="utf8mb4",
            connect_timeout=settings.connect_timeout_s,
            # A socket-level bound a little above the server's own statement bound.
            read_timeout=settings.statement_timeout_s + 30,
            autocommit=True,
        )
    try:
        with translated_errors(settings):
            cursor = connection.cursor()
            _bound_statement_time(cursor, settings.statement_timeout_s)
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        with translated_errors(settings):
            yield cursor
    finally:
        try:
            connection.rollback()
            connection.close()
        except pymysql.MySQLError:
            pass


def _bound_statement_time(cursor, seconds: int) -> None:
    cursor.execute("SELECT VERSION()")
    (version,) = cursor.fetchone()
    if "mariadb" in str(version).lower():
        cursor.execute("SET SESSION max_statement_time = %s", (seconds,))
    else:
        # MySQL 5.7+: milliseconds, SELECT statements only (all we run).
        cursor.execute("SET SESSION max_execution_time = %s", (seconds * 1000,))
