"""Connectors (where a dataset's data comes from, how it is mapped, when it syncs) and SyncRuns.

Secrets are stored only as Fernet ciphertext (`connectors/secrets.py`); the mapping is versioned
with the connector (`mapping_version` grows with every change, and each run records the mapping
version it used).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ROLE_PRODUSEN, ScopedQuerySet


class Schedule(models.TextChoices):
    MANUAL = "manual", _("Manual only")
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    CRON = "cron", _("Cron expression")


class Connector(models.Model):
    name = models.SlugField(
        _("name"),
        max_length=80,
        unique=True,
        help_text=_("Short unique name, used by `satudata connector run NAME`."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    type_key = models.CharField(_("connector type"), max_length=40)
    dataset = models.ForeignKey(
        "catalog.Dataset",
        verbose_name=_("dataset"),
        on_delete=models.PROTECT,
        related_name="connectors",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="connectors",
    )
    config = models.JSONField(_("settings"), default=dict, blank=True)
    # Fernet token of a JSON object {field: value}; never rendered, never exported.
    secrets_encrypted = models.TextField(blank=True, default="")
    mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    mapping_version = models.PositiveIntegerField(_("mapping version"), default=1)
    schedule = models.CharField(
        _("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.DAILY
    )
    cron = models.CharField(_("cron expression"), max_length=100, blank=True)
    auto_publish = models.BooleanField(
        _("publish automatically when valid"),
        default=False,
        help_text=_("Only a walidata may allow this."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Incremental position of the last good run (given back to the type as `since`).
    cursor = models.CharField(max_length=500, blank=True, default="")
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True, db_index=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failure_notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")

    def __str__(self) -> str:
        return self.title or self.name

    @classmethod
    def scope_visible(cls, qs, actor):
        """Walidata see every connector; produsen those of their own agency; nobody else."""
        if actor.is_walidata:
            return qs
        own = actor.organisations_with(ROLE_PRODUSEN)
        return qs.filter(organisation_id__in=own) if own else qs.none()

    @classmethod
    def scope_editable(cls, qs, actor):
        return cls.scope_visible(qs, actor)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    RETRYING = "retrying", _("Waiting to retry")
    SUCCEEDED = "succeeded", _("New version")
    UNCHANGED = "unchanged", _("Unchanged")
    FAILED = "failed", _("Failed")


FINISHED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.UNCHANGED, RunStatus.FAILED)
GOOD_STATUSES = (RunStatus.SUCCEEDED, RunStatus.UNCHANGED)


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")
    CLI = "cli", _("Command line")
    UPLOAD = "upload", _("File upload")


class SyncRun(models.Model):
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(
        _("trigger"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RunStatus.choices,
        default=RunStatus.QUEUED,
        db_index=True,
    )
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    mapping_version = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_read = models.BigIntegerField(_("rows read"), default=0)
    rows_imported = models.BigIntegerField(_("rows imported"), default=0)
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    version = models.ForeignKey(
        "warehouse.Version",
        verbose_name=_("version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published = models.BooleanField(_("published automatically"), default=False)
    error_code = models.CharField(max_length=60, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_cause = models.TextField(_("cause"), blank=True)
    log = models.TextField(_("log"), blank=True)
    cursor_before = models.CharField(max_length=500, blank=True, default="")
    cursor_after = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        indexes = [models.Index(fields=["connector", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.connector_id} #{self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @classmethod
    def scope_visible(cls, qs, actor):
        return qs.filter(connector__in=Connector.objects.visible_to(actor))

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs.filter(connector__in=Connector.objects.editable_by(actor))
