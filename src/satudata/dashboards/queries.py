"""Read helpers for dashboard pages, always through the permission layer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from satudata.dashboards.models import Dashboard, Panel
from satudata.dashboards.specs import SharedFilters, _label, run

PERIOD_OPTIONS_MAX = 60


def visible_dashboards(user) -> QuerySet[Dashboard]:
    return Dashboard.objects.visible_to(user).select_related("topic")


# Dataset columns a panel never shows (long texts, JSON metadata): not read for panels.
_HEAVY_DATASET_FIELDS = (
    "description",
    "search_text",
    "search_title",
    "ms_keg",
    "ms_var",
    "ms_ind",
    "collection_method_detail",
    "data_source",
    "reference_codes",
)


def panels_of(dashboard: Dashboard, user, *, pk: int | None = None) -> list[Panel]:
    """The dashboard's panels whose dataset this user may see, in order (2 queries); with
    `pk`, just that panel (for the htmx panel request)."""
    from satudata.catalog.models import Dataset

    panels = Panel.objects.filter(dashboard=dashboard).select_related(
        "chart__dataset__organisation", "indicator__dataset__organisation"
    )
    if pk is not None:
        panels = panels.filter(pk=pk)
    deferred = [
        f"{item}__dataset__{name}"
        for item in ("chart", "indicator")
        for name in _HEAVY_DATASET_FIELDS
    ]
    found = list(panels.defer(*deferred).order_by("position", "id"))
    dataset_ids = {p.item.dataset_id for p in found}
    visible = set(
        Dataset.objects.visible_to(user).filter(pk__in=dataset_ids).values_list("pk", flat=True)
    )
    return [p for p in found if p.item.dataset_id in visible]


def chartable_datasets(user):
    """Published datasets with data that this user may see, by title."""
    from satudata.catalog.models import Dataset

    return (
        Dataset.objects.visible_to(user)
        .filter(published_version__isnull=False)
        .exclude(published_version__parquet_sha256="")
        .select_related("published_version", "organisation")
        .order_by("title")
    )


@dataclass
class FilterOptions:
    kecamatan: list[tuple[str, str]] = field(default_factory=list)
    desa: list[tuple[str, str]] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    variables: list[tuple[str, str]] = field(default_factory=list)


def region_options(shared: SharedFilters) -> tuple[list, list]:
    from satudata.regions.models import Region

    site = settings.SATUDATA_REGION_CODE
    kecamatan = list(
        Region.objects.filter(parent_id=site).order_by("code").values_list("code", "name")
    )
    desa = []
    if shared.kecamatan:
        desa = list(
            Region.objects.filter(parent_id=shared.kecamatan)
            .order_by("name")
            .values_list("code", "name")
        )
    return kecamatan, desa


def period_options(panels: list[Panel]) -> list[str]:
    """Every period that some panel's data has (newest first); from cached group-by queries."""
    from satudata.core.errors import ValidationFailed
    from satudata.warehouse.query import TableQuery

    found: set[str] = set()
    for panel in panels:
        item = panel.item
        dataset = item.dataset
        if not item.time_field or not dataset.published_version_id:
            continue
        version = _published_version(dataset)
        try:
            frame = run(
                version,
                TableQuery(group_by=(item.time_field,), limit=PERIOD_OPTIONS_MAX),
            )
        except ValidationFailed:
            continue  # a removed column: the panel itself says so
        found.update(_label(v) for v in frame.values(item.time_field) if v is not None)
    return sorted(found, reverse=True)[:PERIOD_OPTIONS_MAX]


def _published_version(dataset):
    from satudata.warehouse.models import Version

    version = getattr(dataset, "_chart_version", None)
    if version is None or version.pk != dataset.published_version_id:
        version = Version.objects.get(pk=dataset.published_version_id)
        dataset._chart_version = version
    return version


def filter_options(
    dashboard: Dashboard, panels: list[Panel], shared: SharedFilters
) -> FilterOptions:
    kecamatan, desa = region_options(shared)
    variables = [
        (str(v.get("field", "")), str(v.get("label") or v.get("field", "")))
        for v in dashboard.variables or ()
        if isinstance(v, dict) and v.get("field")
    ]
    return FilterOptions(
        kecamatan=kecamatan, desa=desa, periods=period_options(panels), variables=variables
    )
