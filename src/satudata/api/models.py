"""Request log of the API and the idempotency records of push requests.

The request log keeps plain copies (ids, username, key prefix) instead of foreign keys: a log
line must outlive the key or user it names, and writing it must never wait on other tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet


class RequestLog(models.Model):
    created_at = models.DateTimeField(_("time"), db_index=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.FloatField(_("duration (ms)"))
    response_bytes = models.BigIntegerField(_("response size (bytes)"), default=0)
    request_bytes = models.BigIntegerField(_("request size (bytes)"), default=0)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    token_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    token_prefix = models.CharField(_("API key"), max_length=16, blank=True)
    # The caller's agency: the key's organisation when it covers one, else the user's only one.
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Whole hours since the epoch (UTC): charts group by this integer, which every database
    # does fast (date truncation is a Python function call per row on SQLite).
    hour = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        indexes = [models.Index(fields=["status", "created_at"], name="api_reqlog_status_time")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"

    @classmethod
    def scope_visible(cls, qs, actor):
        # Who called what (addresses, usernames) is for the walidata only.
        return qs if actor.is_walidata else qs.none()

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs.none()


class IdempotencyRecord(models.Model):
    """The answer given to a push with an `Idempotency-Key`, replayed for the same request."""

    token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=200)
    # sha256 of method, path, mode, content type and body: the same key with another request
    # is refused instead of answered with a stale result.
    request_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # null: still running
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status or 'running'})"


class PushLock(models.Model):
    """One push at a time per dataset (append reads the latest version, then adds to it: two at
    once would each lose the other's rows). A row is the lock, on any database and across
    server processes; a lock older than its timeout is taken over (its process died)."""

    dataset_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"push lock {self.dataset_id}"
