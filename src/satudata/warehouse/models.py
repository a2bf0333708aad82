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
