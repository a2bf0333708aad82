"""Named bounds of the connectors app, with units in their names (STYLE: Datasette's habit).

Each is a Django setting, else an environment variable of the same name, else the default.
They are documented in docs/admin-guide.md ("Konektor").
"""

from __future__ import annotations

import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    try:
        return float(value) if str(value).strip() != "" else default
    except ValueError:
        return default


def http_timeout_s() -> float:
    """Connect/read timeout of one HTTP request (a connector may set a smaller one)."""
    return _number("SATUDATA_CONNECTOR_HTTP_TIMEOUT_S", 30)


def max_response_bytes() -> int:
    """Largest body of one HTTP response, and of all pages of one pull together."""
    return int(_number("SATUDATA_CONNECTOR_MAX_RESPONSE_MB", 200) * 1024 * 1024)


def max_pages() -> int:
    """Pagination stops with an error after this many pages (endless pagination)."""
    return int(_number("SATUDATA_CONNECTOR_MAX_PAGES", 10_000))


def max_rows() -> int:
    """Largest number of rows one pull may bring (SQL and HTTP)."""
    return int(_number("SATUDATA_CONNECTOR_MAX_ROWS", 5_000_000))


def sql_timeout_ms() -> int:
    """Statement timeout of a connector's SQL query on the source database."""
    return int(_number("SATUDATA_CONNECTOR_SQL_TIMEOUT_MS", 120_000))


def retry_attempts() -> int:
    """How many times a run is tried when the source is unreachable (timeouts, 5xx)."""
    return max(1, int(_number("SATUDATA_CONNECTOR_RETRY_ATTEMPTS", 4)))


def retry_base_delay_s() -> float:
    """First retry waits this long; each next one twice as long (exponential backoff)."""
    return _number("SATUDATA_CONNECTOR_RETRY_BASE_S", 30)


def failure_alert_after() -> int:
    """Owners are e-mailed after this many failed runs in a row."""
    return max(1, int(_number("SATUDATA_CONNECTOR_ALERT_AFTER_FAILURES", 3)))


def preview_rows() -> int:
    """Rows shown by the "try it" button."""
    return int(_number("SATUDATA_CONNECTOR_PREVIEW_ROWS", 20))


def file_drop_root():
    """Default parent folder of file-drop connectors' watched folders."""
    from pathlib import Path

    configured = getattr(settings, "SATUDATA_CONNECTOR_DROP_DIR", None) or os.environ.get(
        "SATUDATA_CONNECTOR_DROP_DIR", ""
    )
    return Path(configured) if configured else Path(settings.SATUDATA_HOME) / "dropbox"
