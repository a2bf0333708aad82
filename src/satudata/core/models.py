"""Core models: the append-only, hash-chained audit log."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One state change, never updated or deleted; each row's hash covers the previous one."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, db_index=True)
    object_id = models.CharField(_("object id"), max_length=80, db_index=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    before_digest = models.CharField(max_length=64, blank=True)
    after_digest = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The newest link of the chain, updated with every append; it also serialises appends."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head #{self.last_event_id} ({self.count} events)"
