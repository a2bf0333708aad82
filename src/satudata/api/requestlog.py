"""Buffered request log: the middleware appends, batches are written later.

A request only appends a small dict to an in-process list (no database work on its path); the
model instances and the caller's agency are made at flush time, one query per batch.
The list is written with one `bulk_create`:
- at the end of a request (Django's `request_finished`, sent after the response went out) when
  `SATUDATA_API_LOG_BATCH` entries wait or the oldest waited `SATUDATA_API_LOG_FLUSH_S` seconds;
- by a daemon thread every `SATUDATA_API_LOG_FLUSH_S` seconds, so a quiet server still writes;
- at exit (atexit, and multiprocessing's finalizers in granian's worker processes, which leave
  through os._exit; checked by stopping `satudata serve` with Ctrl+C), and by whoever wants an
  up-to-date log (the log page).
If a write fails the entries are kept and tried again; beyond `SATUDATA_API_LOG_BUFFER_MAX`
the oldest are dropped (and counted) rather than let memory grow without end.

Entries older than `SATUDATA_API_LOG_RETENTION_DAYS` are purged by a daily task (tasks.py).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_buffer: list = []
_oldest_at: float | None = None
_dropped = 0
_thread: threading.Thread | None = None
_stop = threading.Event()
_atexit_registered = False


def _setting(name: str, default):
    return getattr(settings, name, default)


def batch_size() -> int:
    return int(_setting("SATUDATA_API_LOG_BATCH", 200))


def flush_interval_s() -> float:
    return float(_setting("SATUDATA_API_LOG_FLUSH_S", 2))


def buffer_max() -> int:
    return int(_setting("SATUDATA_API_LOG_BUFFER_MAX", 20_000))


def retention_days() -> int:
    return int(_setting("SATUDATA_API_LOG_RETENTION_DAYS", 90))


def pending() -> int:
    """How many entries wait in this process."""
    return len(_buffer)


def dropped() -> int:
    return _dropped


def record(entry: dict) -> None:
    """Queue one log line: a dict of RequestLog fields (called by the middleware)."""
    global _oldest_at, _dropped
    with _lock:
        if not _buffer:
            _oldest_at = time.monotonic()
        _buffer.append(entry)
        overflow = len(_buffer) - buffer_max()
        if overflow > 0:
            del _buffer[:overflow]
            _dropped += overflow
    _ensure_background()


def _take() -> list:
    global _oldest_at
    with _lock:
        taken = _buffer[:]
        _buffer.clear()
        _oldest_at = None
    return taken


def _put_back(entries: list) -> None:
    global _oldest_at, _dropped
    with _lock:
        _buffer[:0] = entries
        _oldest_at = time.monotonic()
        overflow = len(_buffer) - buffer_max()
        if overflow > 0:
            del _buffer[:overflow]
            _dropped += overflow


def _single(ids_by_owner: dict[int, set[int]], owner: int | None) -> int | None:
    found = ids_by_owner.get(owner) if owner is not None else None
    return next(iter(found)) if found and len(found) == 1 else None


def _caller_organisations(entries: list[dict]) -> None:
    """Fill `organisation_id`: the key's organisation when it covers exactly one, else the
    user's only organisation. Two queries per batch instead of work on every request."""
    from satudata.accounts.models import ApiToken, Membership

    token_ids = {e["token_id"] for e in entries if e.get("token_id")}
    user_ids = {e["user_id"] for e in entries if e.get("user_id")}
    by_token: dict[int, set[int]] = {}
    for token_id, org_id in ApiToken.organisations.through.objects.filter(
        apitoken_id__in=token_ids
    ).values_list("apitoken_id", "organisation_id"):
        by_token.setdefault(token_id, set()).add(org_id)
    by_user: dict[int, set[int]] = {}
    for user_id, org_id in Membership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "organisation_id"
    ):
        by_user.setdefault(user_id, set()).add(org_id)
    for entry in entries:
        if "organisation_id" not in entry:
            entry["organisation_id"] = _single(by_token, entry.get("token_id")) or _single(
                by_user, entry.get("user_id")
            )


# Columns written, and the value of each when a log line does not have it.
COLUMN_DEFAULTS = {
    "created_at": None,
    "method": "",
    "path": "",
    "status": 0,
    "duration_ms": 0.0,
    "response_bytes": 0,
    "request_bytes": 0,
    "client_ip": None,
    "user_id": None,
    "username": "",
    "token_id": None,
    "token_prefix": "",
    "organisation_id": None,
    "request_id": "",
    "hour": 0,
}


def _insert(entries: list[dict]) -> None:
    """One INSERT statement run for all lines (executemany): several times cheaper than
    building model instances for bulk_create, and this runs in the server process."""
    from satudata.api.models import RequestLog

    quote = connection.ops.quote_name
    fields = [RequestLog._meta.get_field(name) for name in COLUMN_DEFAULTS]
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(RequestLog._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    # Only the time and the address need the backend's adaptation; the rest are plain values.
    adapt = {
        "created_at": connection.ops.adapt_datetimefield_value,
        "client_ip": connection.ops.adapt_ipaddressfield_value,
    }
    names = list(COLUMN_DEFAULTS)
    adapted = [(names.index(name), function) for name, function in adapt.items()]
    rows = []
    for entry in entries:
        if "hour" not in entry and entry.get("created_at") is not None:
            entry["hour"] = int(entry["created_at"].timestamp()) // 3600
        row = [entry.get(name, COLUMN_DEFAULTS[name]) for name in names]
        for position, function in adapted:
            row[position] = function(row[position])
        rows.append(row)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def flush() -> int:
    """Write every waiting entry now (one transaction). Returns how many were written."""
    entries = _take()
    if not entries:
        return 0
    try:
        _caller_organisations(entries)
        _insert(entries)
    except Exception:  # logging must never break a request or the server
        logger.warning("request log: %d entries not written yet", len(entries), exc_info=True)
        _put_back(entries)
        return 0
    return len(entries)


def due() -> bool:
    """True when a flush is worth doing: a full batch, or entries older than the interval."""
    if not _buffer:
        return False
    if len(_buffer) >= batch_size():
        return True
    oldest = _oldest_at
    return oldest is not None and time.monotonic() - oldest >= flush_interval_s()


def on_request_finished(sender=None, **kwargs) -> None:
    """`request_finished` receiver: the client has its answer; write a batch if one is due."""
    if due():
        flush()


def _in_test_environment() -> bool:
    # django.test.utils.setup_test_environment() (Django's runner, pytest-django) creates
    # mail.outbox. Test databases live inside per-test transactions that another thread can
    # neither see nor join, so tests flush by hand or at the end of requests.
    from django.core import mail

    return hasattr(mail, "outbox")


def _thread_allowed() -> bool:
    if flush_interval_s() <= 0 or not _setting("SATUDATA_API_LOG_FLUSH_THREAD", True):
        return False
    if _in_test_environment():
        return False
    # An in-memory SQLite database cannot be shared with another thread.
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _run_flusher(stop: threading.Event) -> None:
    interval = flush_interval_s()
    while not stop.wait(interval):
        try:
            if due():
                flush()
            close_old_connections()
        except Exception:  # the thread must outlive any database trouble
            logger.warning("request log flusher: flush failed", exc_info=True)


def stop_background() -> None:
    """Stop the flusher thread (tests; a server just lets the daemon thread die with it)."""
    global _thread
    thread = _thread
    if thread is not None:
        _stop.set()
        thread.join(timeout=5)
    _thread = None


def _ensure_background() -> None:
    global _thread, _atexit_registered
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(_flush_at_exit)
        # Server workers started by multiprocessing (granian) leave through os._exit(), which
        # skips atexit; multiprocessing runs its own finalizers first.
        multiprocessing.util.Finalize(None, _flush_at_exit, exitpriority=10)
    if _thread is not None and _thread.is_alive():
        return
    with _lock:
        if (_thread is None or not _thread.is_alive()) and _thread_allowed():
            _stop.clear()
            _thread = threading.Thread(
                target=_run_flusher, args=(_stop,), name="api-request-log", daemon=True
            )
            _thread.start()


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # the interpreter is stopping; nothing else to do
        logger.warning("request log: entries lost at exit", exc_info=True)


def purge(now=None) -> int:
    """Delete entries older than the retention period. Returns how many went."""
    from satudata.api.models import RequestLog

    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    deleted, _ = RequestLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted
