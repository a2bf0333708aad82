"""Named bounds and settings of the reports app (each can be set in Django settings)."""

from __future__ import annotations

from django.conf import settings


def site_url() -> str:
    """The portal's public address: source lines in the PDF and links in e-mails are absolute
    (a scheduled run has no request to take the host from). Same setting as the workflow's."""
    return str(getattr(settings, "SATUDATA_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def table_rows_max() -> int:
    """A table section prints at most this many rows (the XLSX sheet holds the same rows)."""
    return int(getattr(settings, "SATUDATA_REPORT_TABLE_ROWS_MAX", 200))


def sections_max() -> int:
    """A report holds at most this many sections."""
    return int(getattr(settings, "SATUDATA_REPORT_SECTIONS_MAX", 60))


def schedule_hour() -> int:
    """Hour of the day (site time zone) when due scheduled reports are generated."""
    return int(getattr(settings, "SATUDATA_REPORT_SCHEDULE_HOUR", 6))


def confirmation_resend_min() -> int:
    """A pending subscription gets at most one confirmation e-mail in this many minutes (so the
    form cannot be used to flood someone's mailbox)."""
    return int(getattr(settings, "SATUDATA_REPORT_CONFIRMATION_RESEND_MIN", 60))
