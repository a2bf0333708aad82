"""Regions (wilayah) keyed by the Kemendagri code, always a string (`51.10` is not `51.1`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet


class RegionLevel(models.TextChoices):
    PROVINSI = "provinsi", _("Province")
    KABUPATEN = "kabupaten", _("Regency (kabupaten)")
    KOTA = "kota", _("City (kota)")
    KECAMATAN = "kecamatan", _("District (kecamatan)")
    DESA = "desa", _("Village (desa)")
    KELURAHAN = "kelurahan", _("Urban village (kelurahan)")
    DESA_ADAT = "desa_adat", _("Customary village (desa adat)")


LEVEL_DEPTH = {
    RegionLevel.PROVINSI: 1,
    RegionLevel.KABUPATEN: 2,
    RegionLevel.KOTA: 2,
    RegionLevel.KECAMATAN: 3,
    RegionLevel.DESA: 4,
    RegionLevel.KELURAHAN: 4,
    RegionLevel.DESA_ADAT: 4,
}


class Region(models.Model):
    code = models.CharField(_("Kemendagri code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices)
    depth = models.PositiveSmallIntegerField(_("depth"), db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_constraint=False,
    )
    bps_code = models.CharField(_("BPS code"), max_length=10, blank=True, db_index=True)
    bps_name = models.CharField(_("BPS name"), max_length=120, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @classmethod
    def scope_visible(cls, qs, actor):
        return qs

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_admin else qs.none()

    def ancestors(self) -> list[Region]:
        """Parents from the province down, resolved from the code itself (one query)."""
        parts = self.code.split(".")
        codes = [".".join(parts[:i]) for i in range(1, len(parts))]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [found[c] for c in codes if c in found]
