"""Dashboard, chart, builder, indicator, embed and export pages (/dasbor/, /grafik/, /indikator/).

A dashboard page is a shell: the shared filter form and one placeholder per panel. Each panel is
its own htmx request (`hx-trigger="load"`), so the browser fetches them in parallel and a slow or
broken panel never holds the others back. Changing a filter swaps the shell's body (filters +
placeholders) and the panels load again with the new filters; the URL keeps the filters, so a
filtered dashboard can be bookmarked and shared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satudata.core.errors import SatuDataError
from satudata.core.permissions import actor_for, can_edit
from satudata.dashboards import indicators, queries, services
from satudata.dashboards import render as images
from satudata.dashboards.forms import (
    AddPanelForm,
    ChartBuilderForm,
    DashboardForm,
    guess_coordinates,
    guess_region_and_time,
)
from satudata.dashboards.models import Chart, Dashboard, Indicator, Panel
from satudata.dashboards.specs import SharedFilters, chart_result
from satudata.warehouse.exports.escape import escape_text

FILTER_PARAMS = ("period", "kecamatan", "desa", "variable")


def _shared(request: HttpRequest) -> SharedFilters:
    return SharedFilters.clean({k: request.GET.get(k, "") for k in FILTER_PARAMS})


def _query_string(shared: SharedFilters) -> str:
    return urlencode(shared.as_dict())


# --- dashboards -------------------------------------------------------------------------------


@require_GET
def dashboard_list(request: HttpRequest) -> HttpResponse:
    dashboards = list(queries.visible_dashboards(request.user))
    return render(
        request,
        "dashboards/dashboard_list.html",
        {
            "dashboards": dashboards,
            "can_create": actor_for(request.user).is_walidata,
            "charts": Chart.objects.visible_to(request.user)
            .select_related("dataset")
            .order_by("-updated_at")[:12],
        },
    )


def _dashboard(request: HttpRequest, slug: str) -> Dashboard:
    return get_object_or_404(queries.visible_dashboards(request.user), slug=slug)


def _dashboard_context(request: HttpRequest, dashboard: Dashboard) -> dict:
    shared = _shared(request)
    panels = queries.panels_of(dashboard, request.user)
    return {
        "dashboard": dashboard,
        "panels": panels,
        "shared": shared,
        "query": _query_string(shared),
        "options": queries.filter_options(dashboard, panels, shared),
        "can_edit": can_edit(request.user, dashboard),
    }


@require_GET
def dashboard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dashboard = _dashboard(request, slug)
    context = _dashboard_context(request, dashboard)
    if request.headers.get("HX-Target") == "dashboard-body":
        return render(request, "dashboards/_dashboard_body.html", context)
    context["others"] = list(queries.visible_dashboards(request.user))
    return render(request, "dashboards/dashboard_detail.html", context)


@require_GET
def panel_fragment(request: HttpRequest, slug: str, panel_id: int) -> HttpResponse:
    dashboard = _dashboard(request, slug)
    found = queries.panels_of(dashboard, request.user, pk=panel_id)
    if not found:
        raise Http404
    panel = found[0]
    shared = _shared(request)
    return render(request, "dashboards/_panel.html", _panel_context(panel, shared))


def _panel_context(panel: Panel, shared: SharedFilters) -> dict:
    if panel.indicator_id:
        return {
            "panel": panel,
            "uid": f"p{panel.pk}",
            "card": indicators.indicator_card(panel.indicator, filters=shared),
            "indicator": panel.indicator,
            "query": _query_string(shared),
        }
    return {
        "panel": panel,
        "chart": panel.chart,
        "uid": f"p{panel.pk}",
        "spec_id": f"spec-p{panel.pk}",
        "result": chart_result(panel.chart, filters=shared),
        "query": _query_string(shared),
        "filter_form": "dashboard-filters",
    }


@login_required
@require_http_methods(["GET", "POST"])
def dashboard_create(request: HttpRequest) -> HttpResponse:
    if not actor_for(request.user).is_walidata:
        raise Http404
    form = DashboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dashboard = services.create_dashboard(
                request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except SatuDataError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Dashboard created. Add charts and indicator cards."))
            return redirect("dashboards:edit", slug=dashboard.slug)
    return render(request, "dashboards/dashboard_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def dashboard_edit(request: HttpRequest, slug: str) -> HttpResponse:
    dashboard = get_object_or_404(Dashboard.objects.editable_by(request.user), slug=slug)
    if request.method == "POST":
        _edit_action(request, dashboard)
        return redirect("dashboards:edit", slug=dashboard.slug)
    panels = list(
        dashboard.panels.select_related("chart__dataset", "indicator__dataset").order_by(
            "position", "id"
        )
    )
    used_charts = {p.chart_id for p in panels if p.chart_id}
    used_indicators = {p.indicator_id for p in panels if p.indicator_id}
    return render(
        request,
        "dashboards/dashboard_edit.html",
        {
            "dashboard": dashboard,
            "panels": panels,
            "charts": Chart.objects.visible_to(request.user)
            .exclude(pk__in=used_charts)
            .select_related("dataset")
            .order_by("title"),
            "indicators": Indicator.objects.visible_to(request.user)
            .exclude(pk__in=used_indicators)
            .order_by("name"),
            "widths": Panel._meta.get_field("width").choices,
        },
    )


def _edit_action(request: HttpRequest, dashboard: Dashboard) -> None:
    action = request.POST.get("action", "")
    try:
        if action in ("up", "down", "remove"):
            panel = get_object_or_404(dashboard.panels, pk=_int(request.POST.get("panel")))
            if action == "remove":
                services.remove_panel(request.user, panel)
                messages.success(request, _("Panel removed."))
            else:
                services.move_panel(request.user, panel, -1 if action == "up" else 1)
        elif action == "add":
            chart = indicator = None
            item = request.POST.get("item", "")
            kind, _sep, key = item.partition(":")
            if kind == "chart":
                chart = get_object_or_404(Chart.objects.visible_to(request.user), key=key)
            elif kind == "indicator":
                indicator = get_object_or_404(Indicator.objects.visible_to(request.user), slug=key)
            else:
                messages.error(request, _("Choose a chart or an indicator to add."))
                return
            services.add_panel(
                request.user,
                dashboard,
                chart=chart,
                indicator=indicator,
                width=request.POST.get("width", "half"),
            )
            messages.success(request, _("Panel added."))
        elif action == "details":
            services.update_dashboard(
                request.user,
                dashboard,
                title=" ".join(request.POST.get("title", dashboard.title).split())[:200]
                or dashboard.title,
                description=request.POST.get("description", "")[:4000],
                is_published=request.POST.get("is_published") == "on",
            )
            messages.success(request, _("Dashboard saved."))
    except SatuDataError as error:
        messages.error(request, error.message)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- charts -----------------------------------------------------------------------------------


def _chart(request: HttpRequest, key: str) -> Chart:
    return get_object_or_404(
        Chart.objects.visible_to(request.user).select_related("dataset__organisation"), key=key
    )


@require_GET
def chart_detail(request: HttpRequest, key: str) -> HttpResponse:
    chart = _chart(request, key)
    shared = _shared(request)
    result = chart_result(chart, filters=shared)
    absolute = request.build_absolute_uri(chart.get_absolute_url())
    embed_url = request.build_absolute_uri(reverse("dashboards:chart_embed", args=[chart.key]))
    dashboards = list(Dashboard.objects.editable_by(request.user))
    return render(
        request,
        "dashboards/chart_detail.html",
        {
            "chart": chart,
            "result": result,
            "query": _query_string(shared),
            "permanent_url": absolute,
            "embed_snippet": (
                f'<iframe src="{embed_url}" title="{_escape_attr(chart.title)}" '
                'width="100%" height="420" style="border:0" loading="lazy"></iframe>'
            ),
            "add_form": AddPanelForm(dashboards=dashboards) if dashboards else None,
            "edit_url": reverse("dashboards:chart_edit", args=[chart.key])
            if can_edit(request.user, chart)
            else "",
        },
    )


def _escape_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@xframe_options_exempt
@require_GET
def chart_embed(request: HttpRequest, key: str) -> HttpResponse:
    """The chart alone, for an <iframe> on another site (no site header, framing allowed)."""
    chart = _chart(request, key)
    shared = _shared(request)
    return render(
        request,
        "dashboards/chart_embed.html",
        {
            "chart": chart,
            "result": chart_result(chart, filters=shared),
            "query": _query_string(shared),
            "permanent_url": request.build_absolute_uri(chart.get_absolute_url()),
        },
    )


def _image_name(chart: Chart, extension: str) -> str:
    return f"{slugify(chart.title)[:60] or 'grafik'}-{chart.key}.{extension}"


def _spec_or_problem(request: HttpRequest, chart: Chart):
    result = chart_result(chart, filters=_shared(request))
    if not result.ok:
        return None, HttpResponse(
            result.problem or _("The chart could not be drawn."),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    return result, None


IMAGE_CACHE_TIMEOUT_S = 24 * 3600


def _image(result, kind: str) -> bytes | str:
    """The chart drawn by vl-convert (a fraction of a second to a second of CPU), kept by the
    spec's hash: the same chart and filters are drawn once, however often they are fetched."""
    key = "satudata:dash:img:" + hashlib.sha256(f"{kind}:{result.spec_text}".encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = images.to_svg(result.spec) if kind == "svg" else images.to_png(result.spec, scale=2)
        cache.set(key, found, IMAGE_CACHE_TIMEOUT_S)
    return found


IMAGE_CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _chart_image(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    chart = _chart(request, key)
    result, problem = _spec_or_problem(request, chart)
    if problem:
        return problem
    response = HttpResponse(_image(result, kind), content_type=IMAGE_CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'inline; filename="{_image_name(chart, kind)}"'
    return response


@require_GET
def chart_svg(request: HttpRequest, key: str) -> HttpResponse:
    return _chart_image(request, key, "svg")


@require_GET
def chart_png(request: HttpRequest, key: str) -> HttpResponse:
    return _chart_image(request, key, "png")


@require_GET
def chart_csv(request: HttpRequest, key: str) -> HttpResponse:
    """The data behind the chart (after its filters and top-N), formula-escaped."""
    chart = _chart(request, key)
    result, problem = _spec_or_problem(request, chart)
    if problem:
        return problem
    headers, rows = result.table()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_text(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_image_name(chart, "csv")}"'
    return response


def _csv_cell(value):
    """Text formula-escaped; whole numbers without ".0"; other numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@require_GET
def chart_spec_json(request: HttpRequest, key: str) -> HttpResponse:
    chart = _chart(request, key)
    result, problem = _spec_or_problem(request, chart)
    if problem:
        return problem
    return HttpResponse(
        json.dumps(result.spec, ensure_ascii=False), content_type="application/json"
    )


@login_required
@require_POST
def chart_add_to_dashboard(request: HttpRequest, key: str) -> HttpResponse:
    chart = _chart(request, key)
    dashboards = list(Dashboard.objects.editable_by(request.user))
    form = AddPanelForm(request.POST, dashboards=dashboards)
    if not form.is_valid():
        messages.error(request, _("Choose a dashboard."))
        return redirect(chart.get_absolute_url())
    dashboard = next(d for d in dashboards if d.slug == form.cleaned_data["dashboard"])
    try:
        services.add_panel(request.user, dashboard, chart=chart, width=form.cleaned_data["width"])
    except SatuDataError as error:
        messages.error(request, error.message)
        return redirect(chart.get_absolute_url())
    messages.success(
        request, _("“%(chart)s” added to %(dashboard)s.") % {"chart": chart, "dashboard": dashboard}
    )
    return redirect(dashboard.get_absolute_url())


# --- the builder ------------------------------------------------------------------------------


def _builder_dataset(request: HttpRequest, params):
    slug = params.get("dataset", "")
    if not slug:
        return None
    return queries.chartable_datasets(request.user).filter(slug=slug).first()


def _schema_fields(dataset) -> list[dict]:
    from satudata.warehouse.queries import schema_fields

    return schema_fields(dataset.published_version)


def _unsaved_chart(dataset, values: dict) -> Chart:
    chart = Chart(dataset=dataset, **{k: v for k, v in values.items() if k != "description"})
    chart.description = values.get("description", "")
    chart.title = chart.title or _("Chart preview")
    return chart


@require_http_methods(["GET", "POST"])
def chart_builder(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    dataset = _builder_dataset(request, params)
    context: dict = {
        "datasets": queries.chartable_datasets(request.user),
        "dataset": dataset,
    }
    if dataset is None:
        if params.get("dataset"):
            context["problem"] = _("That dataset is not published or you cannot see it.")
        return render(request, "dashboards/chart_builder.html", context)
    fields = _schema_fields(dataset)
    initial = _builder_initial(fields)
    form = ChartBuilderForm(
        params if "kind" in params else None, schema_fields=fields, initial=initial
    )
    context["form"] = form
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(f"{reverse('dashboards:builder')}?dataset={dataset.slug}")
        if form.is_valid():
            try:
                chart = services.create_chart(request.user, dataset, **form.chart_values())
            except SatuDataError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Chart saved. Its address stays the same."))
                return redirect(chart.get_absolute_url())
    if form.is_bound and form.is_valid():
        context["preview"] = _preview(dataset, form)
    return render(request, "dashboards/chart_builder.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def chart_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The builder over an existing chart: same form, the chart's choices filled in; saving
    keeps the chart's key (its permanent address and the dashboards using it)."""
    chart = get_object_or_404(
        Chart.objects.editable_by(request.user).select_related("dataset"), key=key
    )
    dataset = chart.dataset
    if dataset.published_version_id is None:
        raise Http404
    fields = _schema_fields(dataset)
    form = ChartBuilderForm(
        request.POST if request.method == "POST" else None,
        schema_fields=fields,
        initial=_chart_initial(chart),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_chart(request.user, chart, **form.chart_values())
        except SatuDataError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Chart saved. Its address stays the same."))
            return redirect(chart.get_absolute_url())
    context = {"dataset": dataset, "form": form, "chart": chart, "editing": True}
    if form.is_bound and form.is_valid():
        context["preview"] = _preview(dataset, form)
    else:
        context["preview"] = chart_result(chart)
    return render(request, "dashboards/chart_builder.html", context)


def _chart_initial(chart: Chart) -> dict:
    initial = {name: getattr(chart, name) for name in services.CHART_FIELDS}
    first = (chart.filters or [{}])[0]
    initial["filter_field"] = first.get("field", "")
    initial["filter_value"] = first.get("value", "")
    if chart.aggregate == "count":
        initial["measure"] = ""
    return initial


def _builder_initial(fields: list[dict]) -> dict:
    lat, lng = guess_coordinates(fields)
    region, time = guess_region_and_time(fields)
    return {
        "region_field": region,
        "time_field": time,
        "kind": "bar",
        "aggregate": "sum",
        "top_n": 20,
        "latitude_field": lat,
        "longitude_field": lng,
    }


def _preview(dataset, form: ChartBuilderForm):
    values = form.chart_values()
    chart = _unsaved_chart(dataset, values)
    return chart_result(chart)


@require_GET
def chart_preview(request: HttpRequest) -> HttpResponse:
    """The builder's live preview (htmx): the chart of the form as it is now, not saved."""
    dataset = _builder_dataset(request, request.GET)
    if dataset is None:
        raise Http404
    form = ChartBuilderForm(request.GET, schema_fields=_schema_fields(dataset))
    if not form.is_valid():
        return render(
            request,
            "dashboards/_chart_figure.html",
            {"problem": _("Check the choices in the form.")},
        )
    result = _preview(dataset, form)
    return render(
        request,
        "dashboards/_chart_figure.html",
        {"result": result, "uid": "preview", "spec_id": "spec-preview"},
    )


# --- indicators -------------------------------------------------------------------------------


@require_GET
def indicator_detail(request: HttpRequest, slug: str) -> HttpResponse:
    indicator = get_object_or_404(
        Indicator.objects.visible_to(request.user).select_related("dataset__organisation"),
        slug=slug,
    )
    card = indicators.indicator_card(indicator, filters=_shared(request))
    return render(
        request, "dashboards/indicator_detail.html", {"indicator": indicator, "card": card}
    )
