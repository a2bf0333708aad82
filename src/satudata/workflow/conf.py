"""The workflow's named bounds (units in the names), listed with their defaults in
docs/admin-guide.md ("Review workflow and monitoring settings").

Each is read, in this order, from a Django setting of the same name (tests, or a deployment's own
settings module), from the environment variable of the same name, or the default here. A value
that does not parse is a configuration error naming the variable (never a silent default).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


def setting(name: str, default: T, parse: Callable[[object], T] | None = None) -> T:
    """`name` from the Django settings, else the environment, else `default`; parsed with
    `parse` (default: the default's type)."""
    raw = getattr(settings, name, None)
    if raw is None:
        raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    parse = parse or type(default)
    try:
        return parse(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not valid ({exc}); unset it to use the default {default!r}."
        ) from exc


def positive_int(raw: object) -> int:
    value = int(str(raw).strip())
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def review_overdue_days() -> int:
    """A submission waiting longer than this is shown as overdue and reminded once."""
    return setting("SATUDATA_REVIEW_OVERDUE_DAYS", 5, positive_int)


def comment_max_chars() -> int:
    return setting("SATUDATA_COMMENT_MAX_CHARS", 4000, positive_int)


def note_max_chars() -> int:
    """Return reasons, withdrawal reasons and submission notes."""
    return setting("SATUDATA_REVIEW_NOTE_MAX_CHARS", 4000, positive_int)


def audit_page_size() -> int:
    return setting("SATUDATA_AUDIT_PAGE_SIZE", 50, positive_int)


def audit_export_max_rows() -> int:
    return setting("SATUDATA_AUDIT_EXPORT_MAX_ROWS", 1_000_000, positive_int)


def audit_chain_cache_s() -> int:
    """How long the chain verification result is reused (it walks the whole chain)."""
    return setting("SATUDATA_AUDIT_CHAIN_CACHE_S", 60, int)


def notifications_page_size() -> int:
    return setting("SATUDATA_NOTIFICATIONS_PAGE_SIZE", 30, positive_int)


def review_preview_rows() -> int:
    return setting("SATUDATA_REVIEW_PREVIEW_ROWS", 25, positive_int)


def site_url() -> str:
    """The portal's address, for links in e-mails (no request at hand when a task sends)."""
    return setting("SATUDATA_SITE_URL", "http://127.0.0.1:8000", str).rstrip("/")


# Every bound above, for the configuration check (apps.py) and the admin guide's test.
BOUNDS: tuple[Callable[[], object], ...] = (
    review_overdue_days,
    comment_max_chars,
    note_max_chars,
    audit_page_size,
    audit_export_max_rows,
    audit_chain_cache_s,
    notifications_page_size,
    review_preview_rows,
    site_url,
)
