"""Writes to charts, indicators, dashboards and panels: permission-checked, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from satudata.core import audit
from satudata.core.errors import PermissionDenied, ValidationFailed
from satudata.core.permissions import actor_for, can_edit, can_view
from satudata.dashboards.models import (
    Aggregation,
    Chart,
    ChartKind,
    Classing,
    Dashboard,
    Indicator,
    MapLevel,
    Panel,
    PanelWidth,
)

CHART_FIELDS = (
    "title",
    "description",
    "kind",
    "measure",
    "aggregate",
    "category",
    "series",
    "time_field",
    "region_field",
    "map_level",
    "classing",
    "latitude_field",
    "longitude_field",
    "filters",
    "top_n",
    "unit",
)
PANELS_PER_DASHBOARD_MAX = 24
TITLE_MAX_CHARS = 200


def _user_id(actor) -> int | None:
    return actor_for(actor).user_id


def _clean_chart_values(values: dict[str, Any]) -> dict[str, Any]:
    clean = {k: values[k] for k in CHART_FIELDS if k in values}
    title = " ".join(str(clean.get("title", "")).split())
    if not title:
        raise ValidationFailed(_("Give the chart a title."), code="bad-chart")
    clean["title"] = title[:TITLE_MAX_CHARS]
    if clean.get("kind") not in ChartKind.values:
        raise ValidationFailed(_("Choose a chart type."), code="bad-chart")
    if clean.get("aggregate", "sum") not in Aggregation.values:
        raise ValidationFailed(_("Choose how values are added up."), code="bad-chart")
    if clean.get("map_level") and clean["map_level"] not in MapLevel.values:
        raise ValidationFailed(_("A map is drawn by kecamatan or by desa."), code="bad-chart")
    if clean.get("classing", "quantile") not in Classing.values:
        raise ValidationFailed(_("Choose quantiles or equal intervals."), code="bad-chart")
    filters = clean.get("filters") or []
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise ValidationFailed(_("Chart filters must be a list."), code="bad-chart")
    clean["filters"] = filters
    return clean


def _check_columns(dataset, values: dict[str, Any]) -> None:
    """Every named column must exist in the dataset's current public version."""
    from satudata.dashboards.specs import ChartConfig, ChartProblem, check_config, schema_by_name

    version = dataset.published_version
    if version is None:
        raise ValidationFailed(
            _("Dataset “%(title)s” has no published version to chart.") % {"title": dataset.title},
            code="no-data",
        )
    config = ChartConfig(
        **{
            k: v
            for k, v in values.items()
            if k in ChartConfig.__dataclass_fields__ and k not in ("filters",)
        },
        filters=tuple(tuple(sorted(f.items())) for f in values.get("filters", [])),
    )
    try:
        check_config(config, schema_by_name(version), version_number=version.number)
    except ChartProblem as problem:
        raise ValidationFailed(problem.message, code="bad-chart") from None


def create_chart(actor, dataset, **values: Any) -> Chart:
    """Save a chart of `dataset` (which the actor must be able to see)."""
    from satudata.catalog.models import Dataset

    if not actor_for(actor).is_authenticated:
        raise PermissionDenied(_("Log in to save a chart."))
    if not Dataset.objects.visible_to(actor).filter(pk=dataset.pk).exists():
        raise PermissionDenied(_("You cannot see this dataset."))
    clean = _clean_chart_values(values)
    _check_columns(dataset, clean)
    with transaction.atomic():
        chart = Chart.objects.create(dataset=dataset, created_by_id=_user_id(actor), **clean)
        audit.record(
            actor,
            "dashboards.chart_create",
            chart,
            organisation_id=dataset.organisation_id,
            changes={"title": chart.title, "kind": chart.kind, "dataset": dataset.slug},
        )
    return chart


def update_chart(actor, chart: Chart, **values: Any) -> Chart:
    if not can_edit(actor, chart):
        raise PermissionDenied(_("You may not change this chart."))
    merged = {k: getattr(chart, k) for k in CHART_FIELDS} | values
    clean = _clean_chart_values(merged)
    _check_columns(chart.dataset, clean)
    changed = {k: v for k, v in clean.items() if getattr(chart, k) != v}
    if not changed:
        return chart
    with transaction.atomic():
        for key, value in changed.items():
            setattr(chart, key, value)
        chart.save()
        audit.record(actor, "dashboards.chart_update", chart, changes=_jsonable(changed))
    return chart


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | list | dict | None) else str(v)
        for k, v in values.items()
    }


def _require_dashboard_editor(actor, dashboard: Dashboard | None = None) -> None:
    if dashboard is None:
        if not actor_for(actor).is_walidata:
            raise PermissionDenied(_("Only the walidata may create dashboards."))
    elif not can_edit(actor, dashboard):
        raise PermissionDenied(_("Only the walidata may change dashboards."))


def create_dashboard(actor, *, title: str, slug: str = "", **values: Any) -> Dashboard:
    _require_dashboard_editor(actor)
    title = " ".join(str(title).split())[:TITLE_MAX_CHARS]
    if not title:
        raise ValidationFailed(_("Give the dashboard a title."), code="bad-dashboard")
    slug = slugify(slug or title)[:120]
    if not slug:
        raise ValidationFailed(_("The dashboard needs a web address (slug)."), code="bad-dashboard")
    if Dashboard.objects.filter(slug=slug).exists():
        raise ValidationFailed(
            _("A dashboard with the address “%(slug)s” exists already.") % {"slug": slug},
            code="duplicate",
        )
    allowed = {"description", "topic", "is_home", "is_published", "position", "variables", "note"}
    extra = {k: v for k, v in values.items() if k in allowed}
    with transaction.atomic():
        dashboard = Dashboard.objects.create(
            title=title, slug=slug, created_by_id=_user_id(actor), **extra
        )
        audit.record(actor, "dashboards.dashboard_create", dashboard, changes={"title": title})
    return dashboard


def update_dashboard(actor, dashboard: Dashboard, **values: Any) -> Dashboard:
    _require_dashboard_editor(actor, dashboard)
    allowed = {
        "title",
        "description",
        "topic",
        "is_home",
        "is_published",
        "position",
        "variables",
        "note",
    }
    changed = {k: v for k, v in values.items() if k in allowed and getattr(dashboard, k) != v}
    if not changed:
        return dashboard
    with transaction.atomic():
        for key, value in changed.items():
            setattr(dashboard, key, value)
        dashboard.save()
        audit.record(actor, "dashboards.dashboard_update", dashboard, changes=_jsonable(changed))
    return dashboard


def add_panel(
    actor,
    dashboard: Dashboard,
    *,
    chart: Chart | None = None,
    indicator: Indicator | None = None,
    width: str = PanelWidth.HALF,
) -> Panel:
    """Append a chart or an indicator card at the end of the dashboard."""
    _require_dashboard_editor(actor, dashboard)
    if (chart is None) == (indicator is None):
        raise ValidationFailed(_("Choose one chart or one indicator."), code="bad-panel")
    item = chart or indicator
    if not can_view(actor, item):
        raise PermissionDenied(_("You cannot see this chart or indicator."))
    if width not in PanelWidth.values:
        width = PanelWidth.HALF
    with transaction.atomic():
        locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        if locked.panels.count() >= PANELS_PER_DASHBOARD_MAX:
            raise ValidationFailed(
                _("A dashboard holds at most %(max)d panels.") % {"max": PANELS_PER_DASHBOARD_MAX},
                code="too-many-panels",
            )
        last = locked.panels.aggregate(m=Max("position"))["m"]
        panel = Panel.objects.create(
            dashboard=locked,
            chart=chart,
            indicator=indicator,
            width=width,
            position=0 if last is None else last + 1,
        )
        audit.record(
            actor,
            "dashboards.panel_add",
            dashboard,
            changes={"panel": panel.pk, "item": str(item), "width": width},
        )
    return panel


def remove_panel(actor, panel: Panel) -> None:
    dashboard = panel.dashboard
    _require_dashboard_editor(actor, dashboard)
    with transaction.atomic():
        item = str(panel.item)
        panel_id = panel.pk
        panel.delete()
        _renumber(dashboard)
        audit.record(
            actor, "dashboards.panel_remove", dashboard, changes={"panel": panel_id, "item": item}
        )


def move_panel(actor, panel: Panel, offset: int) -> None:
    """Move a panel up (offset -1) or down (+1) among its dashboard's panels."""
    dashboard = panel.dashboard
    _require_dashboard_editor(actor, dashboard)
    with transaction.atomic():
        panels = list(dashboard.panels.select_for_update().order_by("position", "id"))
        index = next(i for i, p in enumerate(panels) if p.pk == panel.pk)
        target = max(0, min(len(panels) - 1, index + offset))
        if target == index:
            return
        panels.insert(target, panels.pop(index))
        for position, item in enumerate(panels):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        audit.record(
            actor,
            "dashboards.panel_move",
            dashboard,
            changes={"panel": panel.pk, "from": index, "to": target},
        )


def _renumber(dashboard: Dashboard) -> None:
    for position, panel in enumerate(dashboard.panels.order_by("position", "id")):
        if panel.position != position:
            panel.position = position
            panel.save(update_fields=["position"])


def ensure_indicator(actor, *, slug: str, dataset, **values: Any) -> Indicator:
    """Create or bring in line an indicator (demo loader; walidata only). Idempotent."""
    if not actor_for(actor).is_walidata:
        raise PermissionDenied(_("Only the walidata may define indicators."))
    allowed = {f.name for f in Indicator._meta.fields} - {"id", "slug", "dataset", "created_at"}
    values = {k: v for k, v in values.items() if k in allowed}
    existing = Indicator.objects.filter(slug=slug).first()
    with transaction.atomic():
        if existing is None:
            indicator = Indicator.objects.create(slug=slug, dataset=dataset, **values)
            audit.record(
                actor, "dashboards.indicator_create", indicator, changes={"name": indicator.name}
            )
            return indicator
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if existing.dataset_id != dataset.pk:
            changed["dataset"] = dataset
        if changed:
            for key, value in changed.items():
                setattr(existing, key, value)
            existing.save()
            audit.record(actor, "dashboards.indicator_update", existing, changes=_jsonable(changed))
        return existing


def ensure_chart(actor, *, key: str, dataset, **values: Any) -> Chart:
    """Create the chart with this fixed key, or bring it in line (demo loader). Idempotent:
    nothing is written or audited when the chart is already as declared."""
    existing = Chart.objects.filter(key=key).first()
    if existing is None:
        chart = create_chart(actor, dataset, **values)
        Chart.objects.filter(pk=chart.pk).update(key=key)
        chart.key = key
        return chart
    if existing.dataset_id != dataset.pk:
        raise ValidationFailed(
            _("Chart %(key)s belongs to another dataset.") % {"key": key}, code="conflict"
        )
    return update_chart(actor, existing, **values)


def ensure_dashboard(actor, *, slug: str, title: str, panels: list[tuple], **values: Any):
    """Create or bring in line a dashboard; its panels [(chart|indicator, width)] are laid out
    only while it has none, so a walidata's later arrangement is kept."""
    dashboard = Dashboard.objects.filter(slug=slug).first()
    if dashboard is None:
        dashboard = create_dashboard(actor, title=title, slug=slug, **values)
    else:
        dashboard = update_dashboard(actor, dashboard, title=title, **values)
    if not dashboard.panels.exists():
        for item, width in panels:
            if isinstance(item, Chart):
                add_panel(actor, dashboard, chart=item, width=width)
            else:
                add_panel(actor, dashboard, indicator=item, width=width)
    return dashboard
