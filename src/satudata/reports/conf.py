"""Named bounds and settings of the reports app (units in the names), listed with their defaults
in docs/panduan-laporan.md §7.

Each is read from a Django setting of the same name, else the environment variable of the same
name, else the default here (the workflow's `setting` helper); a value that does not parse is a
configuration error naming the variable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from satudata.workflow.conf import setting


def _at_least(name: str, value: int, low: int, high: int | None = None) -> int:
    if value < low or (high is not None and value > high):
        top = f" and at most {high}" if high is not None else ""
        raise ImproperlyConfigured(f"{name}={value} must be at least {low}{top}.")
    return value


def site_url() -> str:
    """The portal's public address: source lines in the PDF and links in e-mails are absolute
    (a scheduled run has no request to take the host from). Same setting as the workflow's."""
    return str(setting("SATUDATA_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def table_rows_max() -> int:
    """A table section prints at most this many rows (the XLSX sheet holds the same rows)."""
    return _at_least(
        "SATUDATA_REPORT_TABLE_ROWS_MAX", setting("SATUDATA_REPORT_TABLE_ROWS_MAX", 200), 1, 9_999
    )


def sections_max() -> int:
    """A report holds at most this many sections."""
    return _at_least("SATUDATA_REPORT_SECTIONS_MAX", setting("SATUDATA_REPORT_SECTIONS_MAX", 60), 1)


def schedule_hour() -> int:
    """Hour of the day (site time zone) when due scheduled reports are generated."""
    return _at_least(
        "SATUDATA_REPORT_SCHEDULE_HOUR", setting("SATUDATA_REPORT_SCHEDULE_HOUR", 6), 0, 23
    )


def confirmation_resend_min() -> int:
    """A pending subscription gets at most one confirmation e-mail in this many minutes (so the
    form cannot be used to flood someone's mailbox)."""
    return _at_least(
        "SATUDATA_REPORT_CONFIRMATION_RESEND_MIN",
        setting("SATUDATA_REPORT_CONFIRMATION_RESEND_MIN", 60),
        0,
    )


BOUNDS: tuple[Callable[[], object], ...] = (
    table_rows_max,
    sections_max,
    schedule_hour,
    confirmation_resend_min,
)
