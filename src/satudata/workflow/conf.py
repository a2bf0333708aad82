"""The workflow's named bounds (units in the names). Each can be set in Django settings; the
defaults here apply otherwise."""

from __future__ import annotations

from django.conf import settings


def review_overdue_days() -> int:
    """A submission waiting longer than this is shown as overdue and reminded once."""
    return int(getattr(settings, "SATUDATA_REVIEW_OVERDUE_DAYS", 5))


def comment_max_chars() -> int:
    return int(getattr(settings, "SATUDATA_COMMENT_MAX_CHARS", 4000))


def note_max_chars() -> int:
    """Return reasons, withdrawal reasons and submission notes."""
    return int(getattr(settings, "SATUDATA_REVIEW_NOTE_MAX_CHARS", 4000))


def audit_page_size() -> int:
    return int(getattr(settings, "SATUDATA_AUDIT_PAGE_SIZE", 50))


def audit_export_max_rows() -> int:
    return int(getattr(settings, "SATUDATA_AUDIT_EXPORT_MAX_ROWS", 1_000_000))


def audit_chain_cache_s() -> int:
    """How long the chain verification result is reused (it walks the whole chain)."""
    return int(getattr(settings, "SATUDATA_AUDIT_CHAIN_CACHE_S", 60))


def notifications_page_size() -> int:
    return int(getattr(settings, "SATUDATA_NOTIFICATIONS_PAGE_SIZE", 30))


def review_preview_rows() -> int:
    return int(getattr(settings, "SATUDATA_REVIEW_PREVIEW_ROWS", 25))


def site_url() -> str:
    """The portal's address, for links in e-mails (no request at hand when a task sends)."""
    return str(getattr(settings, "SATUDATA_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
