"""Immutable dataset versions: raw bytes + Parquet + Table Schema + validation report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet


class VersionStatus(models.TextChoices):
    """Review states of a version (the governance issue drives the transitions)."""

    DRAFT = "draft", _("Draft")
    DIAJUKAN = "diajukan", _("Submitted")
    DIKEMBALIKAN = "dikembalikan", _("Returned")
    DIVERIFIKASI = "diverifikasi", _("Verified")
    TERBIT = "terbit", _("Published")
    DITARIK = "ditarik", _("Withdrawn")


class Version(models.Model):
    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        db_index=True,
    )
    message = models.CharField(_("change note"), max_length=500, blank=True)
    source_filename = models.CharField(_("file name"), max_length=255, blank=True)
    source_format = models.CharField(_("format"), max_length=20, blank=True)
    source_encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    raw_sha256 = models.CharField(max_length=64, db_index=True)
    raw_size = models.BigIntegerField(default=0)
    parquet_sha256 = models.CharField(max_length=64, blank=True)
    parquet_size = models.BigIntegerField(default=0)
    table_schema = models.JSONField(_("Table Schema"), default=dict)
    report = models.JSONField(_("validation report"), default=dict)
    row_count = models.BigIntegerField(_("rows"), default=0)
    column_count = models.PositiveIntegerField(_("columns"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Validation (warehouse/validation): the rows with problems, their original cells, as a
    # content-addressed Parquet blob (report page, "download the rows to fix").
    issues_sha256 = models.CharField(max_length=64, blank=True)
    # Warnings must be acknowledged by a walidata before the version can be published.
    warnings_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("warnings acknowledged by"),
    )
    warnings_acknowledged_at = models.DateTimeField(
        _("warnings acknowledged"), null=True, blank=True
    )
    # How the raw file was read (ingest/sniff.py choices: format, encoding, delimiter, sheet,
    # header rows, decimal mark, record path, row element, ZIP member, schema source), shown with
    # the version and used again when the version is re-derived from its raw file.
    read_options = models.JSONField(_("reading choices"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["dataset_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="unique_version_number")
        ]
        verbose_name = _("version")
        verbose_name_plural = _("versions")

    def __str__(self) -> str:
        return f"{self.dataset} v{self.number}"

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    @classmethod
    def scope_visible(cls, qs, actor):
        """Published versions of visible datasets; every version of datasets one may edit."""
        from satudata.catalog.models import Dataset

        visible = Dataset.objects.visible_to(actor)
        editable = Dataset.objects.editable_by(actor)
        published = Q(status=VersionStatus.TERBIT, dataset__in=visible)
        if actor.oversees_all:
            return qs.filter(Q(dataset__in=visible))
        return qs.filter(published | Q(dataset__in=editable))

    @classmethod
    def scope_editable(cls, qs, actor):
        from satudata.catalog.models import Dataset

        return qs.filter(dataset__in=Dataset.objects.editable_by(actor))


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading the file")
    VALIDATING = "validating", _("Validating")
    WRITING = "writing", _("Writing the version")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IngestJob(models.Model):
    """One background ingest (warehouse/tasks.py): an upload, or a re-read with a new schema or
    new reading choices. The raw bytes wait in the spool folder until the task has run."""

    KIND_UPLOAD, KIND_REREAD = "upload", "reread"
    FINISHED = (JobStatus.DONE, JobStatus.FAILED)

    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, related_name="ingest_jobs"
    )
    kind = models.CharField(max_length=10, default=KIND_UPLOAD)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    filename = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(default=0)
    spool_name = models.CharField(max_length=100, blank=True)
    # Reading choices imposed (sniff.ReadOptions), a Table Schema to use, the change note.
    options = models.JSONField(default=dict, blank=True)
    table_schema = models.JSONField(null=True, blank=True)
    message = models.CharField(_("change note"), max_length=500, blank=True)
    source_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_version = models.BooleanField(default=False)
    error = models.TextField(_("error"), blank=True)
    report = models.JSONField(default=dict, blank=True)
    choices = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dataset", "-created_at"], name="ingestjob_dataset_recent")]
        verbose_name = _("upload job")
        verbose_name_plural = _("upload jobs")

    def __str__(self) -> str:
        return f"{self.dataset} — {self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @classmethod
    def scope_visible(cls, qs, actor):
        """Jobs are working material: only those who may edit the dataset see them."""
        from satudata.catalog.models import Dataset

        return qs.filter(dataset__in=Dataset.objects.editable_by(actor))

    @classmethod
    def scope_editable(cls, qs, actor):
        return cls.scope_visible(qs, actor)
