"""The dataset catalogue: datasets with the standard SDI metadata, topics (sektor) and tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import PRODUCING_ROLES, ScopedQuerySet


class Classification(models.TextChoices):
    """UU KIP classification: `publik`, `terbatas` (government), `rahasia` (owner + walidata)."""

    PUBLIK = "publik", _("Public")
    TERBATAS = "terbatas", _("Restricted (government only)")
    RAHASIA = "rahasia", _("Secret")


class DatasetState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Frequency(models.TextChoices):
    HARIAN = "harian", _("Daily")
    MINGGUAN = "mingguan", _("Weekly")
    BULANAN = "bulanan", _("Monthly")
    TRIWULANAN = "triwulanan", _("Quarterly")
    SEMESTERAN = "semesteran", _("Half-yearly")
    TAHUNAN = "tahunan", _("Yearly")
    DUA_TAHUNAN = "dua_tahunan", _("Every two years")
    LIMA_TAHUNAN = "lima_tahunan", _("Every five years")
    SEPULUH_TAHUNAN = "sepuluh_tahunan", _("Every ten years")
    TIDAK_TENTU = "tidak_tentu", _("Irregular")


class CollectionMethod(models.TextChoices):
    """BPS 'Cara Pengumpulan Data' (MS-Keg)."""

    PENCACAHAN_LENGKAP = "pencacahan_lengkap", _("Complete enumeration (census)")
    SURVEI = "survei", _("Survey")
    KOMPILASI_ADMINISTRASI = "kompilasi_administrasi", _("Compilation of administrative records")
    CARA_LAIN = "cara_lain", _("Other method")


class PresentationLevel(models.TextChoices):
    PROVINSI = "provinsi", _("Province")
    KABUPATEN = "kabupaten", _("Regency")
    KECAMATAN = "kecamatan", _("District")
    DESA = "desa", _("Village")
    LAINNYA = "lainnya", _("Other")


class Licence(models.TextChoices):
    CC_BY_4 = "cc-by-4.0", "Creative Commons Attribution 4.0 (CC BY 4.0)"
    CC_BY_SA_4 = "cc-by-sa-4.0", "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)"
    CC0 = "cc0-1.0", "Creative Commons Zero (CC0 1.0)"
    ODC_BY = "odc-by", "Open Data Commons Attribution (ODC-BY)"
    MIT = "mit", "MIT"
    CLOSED = "other-closed", _("Not open (government use only)")


LICENCE_URLS = {
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.ODC_BY: "https://opendatacommons.org/licenses/by/1-0/",
    Licence.MIT: "https://opensource.org/license/mit",
}


class Topic(models.Model):
    """A sektor/topik (kesehatan, pendidikan, …); CKAN calls these groups."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name (Indonesian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    ordering = models.PositiveSmallIntegerField(default=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_visible(cls, qs, actor):
        return qs

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_walidata else qs.none()

    def display_name(self, language: str = "id") -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("dataset name"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("managing agency (OPD)"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("sector / topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="datasets",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="datasets")
    classification = models.CharField(
        _("classification"),
        max_length=12,
        choices=Classification.choices,
        default=Classification.PUBLIK,
        db_index=True,
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=DatasetState.choices,
        default=DatasetState.DRAFT,
        db_index=True,
    )
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY_4
    )
    # The eight seed fields of the regency's standard metadata (DESIGN §4) and common extras.
    frequency = models.CharField(
        _("update frequency"), max_length=20, choices=Frequency.choices, blank=True
    )
    data_source = models.CharField(_("data source"), max_length=500, blank=True)
    collection_method = models.CharField(
        _("collection method"), max_length=30, choices=CollectionMethod.choices, blank=True
    )
    collection_method_detail = models.TextField(_("collection method details"), blank=True)
    reference_codes = models.CharField(
        _("reference codes & format"),
        max_length=500,
        blank=True,
        help_text=_(
            "Code lists used by the table, e.g. 'Kode wilayah Kemendagri (Kepmendagri 2025)'."
        ),
    )
    release_date = models.DateField(_("release date"), null=True, blank=True)
    unit = models.CharField(_("unit of measure"), max_length=100, blank=True)
    presentation_level = models.CharField(
        _("presentation level"), max_length=12, choices=PresentationLevel.choices, blank=True
    )
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("spatial coverage"), blank=True, related_name="datasets"
    )
    temporal_start = models.PositiveSmallIntegerField(
        _("first year covered"), null=True, blank=True
    )
    temporal_end = models.PositiveSmallIntegerField(_("last year covered"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # BPS statistical metadata (Peraturan BPS 5/2020), for statistical datasets.
    is_statistical = models.BooleanField(_("statistical dataset (BPS metadata)"), default=False)
    ms_keg = models.JSONField(_("activity metadata (MS-Keg)"), default=dict, blank=True)
    ms_var = models.JSONField(_("variable metadata (MS-Var)"), default=dict, blank=True)
    ms_ind = models.JSONField(_("indicator metadata (MS-Ind)"), default=dict, blank=True)
    is_spatial = models.BooleanField(_("geospatial dataset"), default=False)
    is_synthetic = models.BooleanField(
        _("synthetic (generated) data"),
        default=False,
        help_text=_("Generated demonstration data, not real statistics."),
    )
    # Derived, kept for fast listing, facets and search (refreshed by the catalogue services).
    formats = models.CharField(_("formats"), max_length=100, blank=True)
    completeness = models.PositiveSmallIntegerField(_("metadata completeness"), default=0)
    search_text = models.TextField(blank=True)
    # The title alone, in the same index form, for ranking title hits first (catalog/search.py).
    search_title = models.TextField(blank=True)
    published_version = models.ForeignKey(
        "warehouse.Version",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("current public version"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("last modified"), auto_now=True, db_index=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-modified_at"]
        indexes = [
            # Covers what a catalogue page reads for every visible dataset (visibility, facets,
            # sort keys), so a search scans this index instead of the wide table.
            models.Index(
                fields=[
                    "state",
                    "classification",
                    "organisation",
                    "topic",
                    "temporal_start",
                    "temporal_end",
                    "formats",
                    "modified_at",
                    "title",
                ],
                name="catalog_dataset_listing",
            ),
            # Visibility first, then one facet or sort key: the public catalogue (state and
            # classification fixed) groups and sorts by walking these in order, with no sort.
            models.Index(fields=["state", "classification", "topic"], name="catalog_ds_vis_topic"),
            models.Index(
                fields=["state", "classification", "temporal_start", "temporal_end"],
                name="catalog_ds_vis_years",
            ),
            models.Index(
                fields=["state", "classification", "formats"], name="catalog_ds_vis_formats"
            ),
            models.Index(
                fields=["state", "classification", "modified_at"], name="catalog_ds_vis_modified"
            ),
            models.Index(
                F("state"), F("classification"), Lower("title"), name="catalog_ds_vis_name"
            ),
        ]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.state == DatasetState.PUBLISHED

    @classmethod
    def scope_visible(cls, qs, actor):
        public = Q(state=DatasetState.PUBLISHED, classification=Classification.PUBLIK)
        if not actor.is_authenticated:
            return qs.filter(public)
        if actor.is_walidata:
            return qs
        own = Q(organisation_id__in=actor.organisation_ids)
        if actor.oversees_all:
            return qs.filter(own | ~Q(classification=Classification.RAHASIA))
        if actor.is_government:
            inside = Q(
                state=DatasetState.PUBLISHED,
                classification__in=[Classification.PUBLIK, Classification.TERBATAS],
            )
            return qs.filter(inside | own)
        return qs.filter(public)

    @classmethod
    def scope_editable(cls, qs, actor):
        if actor.is_walidata:
            return qs
        producing = actor.organisations_with(*PRODUCING_ROLES)
        if not producing:
            return qs.none()
        return qs.filter(organisation_id__in=producing)
