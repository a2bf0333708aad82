"""Charts, thematic maps, indicators and dashboards (contract D).

A chart is a saved choice over a dataset's *current public version* (not one frozen version):
when the dataset is updated the chart follows. If a newer version dropped a column the chart
uses, the chart shows a clear message instead (specs.ChartProblem), never a blank panel.

Visibility follows the dataset: whoever may see the dataset may see its charts, maps and
indicators. A dashboard is public when published; walidata edit every dashboard.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet

KEY_CHARS = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: keys get read aloud and typed
KEY_LENGTH = 8


def new_key() -> str:
    """A short random key for a chart's permanent URL (`/grafik/<key>/`)."""
    return "".join(secrets.choice(KEY_CHARS) for _ in range(KEY_LENGTH))


class ChartKind(models.TextChoices):
    BAR = "bar", _("Bar")
    GROUPED_BAR = "grouped_bar", _("Grouped bar")
    STACKED_BAR = "stacked_bar", _("Stacked bar")
    LINE = "line", _("Line")
    AREA = "area", _("Area")
    PIE = "pie", _("Pie")
    DONUT = "donut", _("Donut")
    SCATTER = "scatter", _("Scatter")
    TABLE = "table", _("Table")
    CHOROPLETH = "choropleth", _("Map: regions coloured by value")
    POINT_MAP = "point_map", _("Map: points")


MAP_KINDS = frozenset({ChartKind.CHOROPLETH, ChartKind.POINT_MAP})


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    MEAN = "mean", _("Average")
    COUNT = "count", _("Count of rows")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")


class MapLevel(models.TextChoices):
    KECAMATAN = "kecamatan", _("Kecamatan")
    DESA = "desa", _("Desa/kelurahan")


class Classing(models.TextChoices):
    QUANTILE = "quantile", _("Quantiles (equal counts)")
    EQUAL = "equal", _("Equal intervals")


class Chart(models.Model):
    """A chart or map of one dataset, with a permanent URL."""

    key = models.CharField(max_length=16, unique=True, default=new_key, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="charts")
    kind = models.CharField(_("chart type"), max_length=16, choices=ChartKind.choices)
    measure = models.CharField(_("measure"), max_length=120, blank=True)
    aggregate = models.CharField(
        _("aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    category = models.CharField(_("category"), max_length=120, blank=True)
    series = models.CharField(_("series (colour)"), max_length=120, blank=True)
    time_field = models.CharField(_("time column"), max_length=120, blank=True)
    region_field = models.CharField(_("region code column"), max_length=120, blank=True)
    map_level = models.CharField(
        _("map level"), max_length=10, choices=MapLevel.choices, blank=True
    )
    classing = models.CharField(
        _("classes"), max_length=10, choices=Classing.choices, default=Classing.QUANTILE
    )
    latitude_field = models.CharField(_("latitude column"), max_length=120, blank=True)
    longitude_field = models.CharField(_("longitude column"), max_length=120, blank=True)
    # Fixed filters: [{"field", "op", "value"}] (query layer Condition vocabulary).
    filters = models.JSONField(_("filters"), default=list, blank=True)
    top_n = models.PositiveSmallIntegerField(_("largest categories shown"), default=20)
    # Blank: the unit written in the version's Table Schema for the measure.
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("chart")
        verbose_name_plural = _("charts")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/grafik/{self.key}/"

    @property
    def is_map(self) -> bool:
        return self.kind in MAP_KINDS

    @classmethod
    def scope_visible(cls, qs, actor):
        from satudata.catalog.models import Dataset

        return qs.filter(dataset__in=Dataset.objects.visible_to(actor))

    @classmethod
    def scope_editable(cls, qs, actor):
        if actor.is_walidata:
            return qs
        if not actor.is_authenticated:
            return qs.none()
        return cls.scope_visible(qs, actor).filter(created_by_id=actor.user_id)


class Polarity(models.TextChoices):
    HIGHER_BETTER = "higher_better", _("Higher is better")
    LOWER_BETTER = "lower_better", _("Lower is better")
    NEUTRAL = "neutral", _("Neither (just a fact)")


class Indicator(models.Model):
    """A measure from a dataset with its definition, unit, target and polarity."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"), blank=True)
    dataset = models.ForeignKey(
        "catalog.Dataset", on_delete=models.CASCADE, related_name="indicators"
    )
    measure = models.CharField(_("measure"), max_length=120)
    aggregate = models.CharField(
        _("aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    # Blank: one value, no trend (a list without a time column).
    time_field = models.CharField(_("time column"), max_length=120, blank=True)
    region_field = models.CharField(_("region code column"), max_length=120, blank=True)
    filters = models.JSONField(_("filters"), default=list, blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    target_label = models.CharField(_("target (as written)"), max_length=120, blank=True)
    polarity = models.CharField(
        _("polarity"), max_length=16, choices=Polarity.choices, default=Polarity.NEUTRAL
    )
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/indikator/{self.slug}/"

    @classmethod
    def scope_visible(cls, qs, actor):
        from satudata.catalog.models import Dataset

        return qs.filter(dataset__in=Dataset.objects.visible_to(actor))

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_walidata else qs.none()


class Dashboard(models.Model):
    """A page of indicator cards, charts and maps with shared filters."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    topic = models.ForeignKey(
        "catalog.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_home = models.BooleanField(_("regency home dashboard"), default=False)
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Alternative measures for the "variable" filter: [{"field": ..., "label": ...}].
    variables = models.JSONField(_("variables"), default=list, blank=True)
    # A short honest note shown under the title (e.g. "few real data yet").
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_home", "position", "title"]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/dasbor/{self.slug}/"

    @classmethod
    def scope_visible(cls, qs, actor):
        if actor.is_walidata:
            return qs
        return qs.filter(Q(is_published=True) | Q(created_by_id=actor.user_id or -1))

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_walidata else qs.none()


class PanelWidth(models.TextChoices):
    THIRD = "third", _("Narrow")
    HALF = "half", _("Half")
    FULL = "full", _("Full width")


class Panel(models.Model):
    """One place on a dashboard: a chart (or map), or an indicator card."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="panels")
    position = models.PositiveSmallIntegerField(default=0)
    chart = models.ForeignKey(
        Chart, null=True, blank=True, on_delete=models.CASCADE, related_name="panels"
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="panels"
    )
    width = models.CharField(
        _("width"), max_length=6, choices=PanelWidth.choices, default=PanelWidth.HALF
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["dashboard_id", "position", "id"]
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        constraints = [
            models.CheckConstraint(
                condition=Q(chart__isnull=False, indicator__isnull=True)
                | Q(chart__isnull=True, indicator__isnull=False),
                name="panel_chart_xor_indicator",
            )
        ]

    def __str__(self) -> str:
        item = self.chart or self.indicator
        return f"{self.dashboard} #{self.position}: {item}"

    @property
    def item(self) -> Chart | Indicator:
        return self.chart or self.indicator

    @classmethod
    def scope_visible(cls, qs, actor):
        return qs.filter(dashboard__in=Dashboard.objects.visible_to(actor))

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_walidata else qs.none()
