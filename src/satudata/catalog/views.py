"""Public catalogue pages (home, search, dataset, agencies, topics) and the dataset form.

Every read goes through `visible_to(request.user)`; a hidden dataset answers 404. Writes go
through `catalog.services`.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satudata.accounts.models import Organisation
from satudata.catalog import queries, search, services
from satudata.catalog.forms import DatasetForm, producing_organisations, values_from_form_data
from satudata.catalog.metadata import completeness, dataset_values
from satudata.catalog.models import Dataset, Topic
from satudata.core.errors import SatuDataError
from satudata.core.permissions import can_edit

# A visitor may ask for longer pages (?per_page=) up to this bound.
PAGE_SIZE_MAX = 100


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _page_size(request: HttpRequest) -> int:
    default = settings.SATUDATA_CATALOG_PAGE_SIZE
    raw = request.GET.get("per_page", "")
    if raw.isdigit():
        return max(1, min(int(raw), PAGE_SIZE_MAX))
    return default


def _url_with(params: QueryDict, **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes them)."""
    updated = params.copy()
    for name, value in changes.items():
        if value is None:
            updated.pop(name, None)
        elif isinstance(value, list):
            updated.setlist(name, value)
        else:
            updated[name] = value
    encoded = updated.urlencode()
    return f"?{encoded}" if encoded else "?"


def _toggle_url(params: QueryDict, name: str, value: str) -> str:
    values = params.getlist(name)
    values = [v for v in values if v != value] if value in values else [*values, value]
    return _url_with(params, **{name: values or None, search.PARAM_PAGE: None})


def _facet_context(request: HttpRequest, facet_values: dict) -> list[dict]:
    titles = {
        search.PARAM_TOPIC: _("Sector"),
        search.PARAM_ORGANISATION: _("Agency (OPD)"),
        search.PARAM_REGION: _("Region"),
        search.PARAM_YEAR: _("Year"),
        search.PARAM_FORMAT: _("Format"),
    }
    blocks = []
    for param, values in facet_values.items():
        for value in values:
            value.url = _toggle_url(request.GET, param, value.value)
        if values:
            blocks.append({"param": param, "title": titles[param], "values": values})
    return blocks


def _page_links(request: HttpRequest, page: Page) -> dict[str, Any]:
    def url(number: int) -> str:
        return _url_with(request.GET, **{search.PARAM_PAGE: str(number)})

    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "previous_url": url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": url(page.next_page_number()) if page.has_next() else "",
        "numbers": [
            {"number": n, "url": url(n) if isinstance(n, int) else "", "current": n == page.number}
            for n in numbers
        ],
    }


def _sort_links(request: HttpRequest, query: search.CatalogQuery) -> list[dict]:
    labels = {
        search.SORT_RELEVANCE: _("Relevance"),
        search.SORT_NEWEST: _("Newest"),
        search.SORT_NAME: _("Name"),
    }
    current = query.effective_sort
    links = []
    for sort, label in labels.items():
        if sort == search.SORT_RELEVANCE and not query.terms:
            continue
        links.append(
            {
                "label": label,
                "current": sort == current,
                "url": _url_with(request.GET, **{search.PARAM_SORT: sort, search.PARAM_PAGE: None}),
            }
        )
    return links


def _search_context(
    request: HttpRequest, base=None, base_key: str | None = None, *, with_facets: bool = True
) -> dict:
    query = search.parse_query(request.GET)
    result = search.run_search(
        request.user,
        query,
        page=request.GET.get(search.PARAM_PAGE),
        page_size=_page_size(request),
        base=base,
        base_key=base_key,
        with_facets=with_facets,
        language=_language(),
    )
    page = result.page
    facets = _facet_context(request, result.facets) if with_facets else []
    return {
        "query": query,
        "page": page,
        "datasets": queries.prepare_listing(page.object_list),
        "result_count": result.total,
        "pages": _page_links(request, page),
        "sort_links": _sort_links(request, query),
        "facets": facets,
        "active_filters": [
            value for facet in facets for value in facet["values"] if value.selected
        ],
        "clear_url": _url_with(QueryDict(), **{search.PARAM_QUERY: query.q or None}),
        "keep_params": [
            (name, request.GET.getlist(name))
            for name in (*search.FACET_PARAMS, search.PARAM_SORT)
            if request.GET.getlist(name)
        ],
    }


# --- public pages ---------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    counts = queries.visible_counts_by(request.user, "topic_id")
    topics = queries.topics_with_counts(request.user, counts)
    context = {
        "dataset_count": sum(counts.values()),
        "organisation_count": Organisation.objects.visible_to(request.user).count(),
        # Sectors with something to show: a count that includes empty sectors promises pages
        # that list nothing.
        "topics": [topic for topic in topics if topic.dataset_count],
        "newest": queries.newest_datasets(request.user),
    }
    return render(request, "catalog/home.html", context)


@require_GET
def dataset_list(request: HttpRequest) -> HttpResponse:
    context = _search_context(request)
    return render(request, "catalog/dataset_list.html", context)


@functools.cache
def _data_panel_template_exists() -> bool:
    try:
        get_template("warehouse/_data_panel.html")
    except TemplateDoesNotExist:
        return False
    return True


def _data_panel(request: HttpRequest, dataset: Dataset) -> dict:
    """Engineer D's data panel (preview, downloads, upload); absent until the warehouse has it."""
    try:
        from satudata.warehouse.queries import data_panel
    except ImportError:
        return {"data_panel_available": False}
    if not _data_panel_template_exists():
        return {"data_panel_available": False}
    context = dict(data_panel(request, dataset))
    context["data_panel_available"] = True
    return context


@require_GET
def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = queries.dataset_for_page(request.user, slug)
    if dataset is None:
        raise Http404(_("Dataset not found."))
    editable = request.user.is_authenticated and can_edit(request.user, dataset)
    context: dict[str, Any] = {
        "dataset": dataset,
        "can_edit": editable,
        "licence_url": queries.licence_url(dataset),
        "metadata": queries.metadata_rows(dataset),
        "bps": queries.bps_metadata(dataset) if dataset.is_statistical else None,
        "activity": queries.dataset_activity(request.user, dataset),
        "tags": list(dataset.tags.all()),
        "regions": list(dataset.regions.all()),
    }
    if editable:
        context["completeness"] = completeness(dataset_values(dataset))
    context.update(_data_panel(request, dataset))
    return render(request, "catalog/dataset_detail.html", context)


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    organisations = queries.organisations_with_counts(request.user)
    return render(request, "catalog/organization_list.html", {"organisations": organisations})


@require_GET
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.visible_to(request.user), slug=slug)
    context = _search_context(
        request,
        base=Dataset.objects.filter(organisation=organisation),
        base_key=f"organisation:{organisation.pk}",
        with_facets=False,
    )
    context["organisation"] = organisation
    context["can_create"] = (
        request.user.is_authenticated
        and producing_organisations(request.user).filter(pk=organisation.pk).exists()
    )
    return render(request, "catalog/organization_detail.html", context)


@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "catalog/topic_list.html", {"topics": queries.topics_with_counts(request.user)}
    )


@require_GET
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.visible_to(request.user), slug=slug)
    context = _search_context(
        request,
        base=Dataset.objects.filter(topic=topic),
        base_key=f"topic:{topic.pk}",
        with_facets=False,
    )
    context["topic"] = topic
    return render(request, "catalog/topic_detail.html", context)


# --- the dataset form -----------------------------------------------------------------------------


def _form_page(request: HttpRequest, form: DatasetForm, dataset: Dataset | None) -> HttpResponse:
    data = form.data if form.is_bound else None
    if data is not None:
        result = completeness(values_from_form_data(data))
    elif dataset is not None:
        result = completeness(dataset_values(dataset))
    else:
        result = completeness(values_from_form_data(QueryDict()))
    context = {"form": form, "dataset": dataset, "completeness": result}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "catalog/dataset_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_create(request: HttpRequest) -> HttpResponse:
    organisations = producing_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied(_("Only data producers and the walidata may create datasets."))
    initial = {}
    wanted = request.GET.get("opd")
    if wanted:
        chosen = organisations.filter(slug=wanted).first()
        if chosen is not None:
            initial["organisation"] = chosen.pk
    form = DatasetForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.create_dataset(request.user, **form.metadata())
        except SatuDataError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The dataset was created."))
            return redirect("catalog:dataset_detail", slug=dataset.slug)
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def dataset_edit(request: HttpRequest, slug: str) -> HttpResponse:
    # Another agency's dataset is not even acknowledged: 404, nothing changes.
    dataset = get_object_or_404(
        Dataset.objects.editable_by(request.user)
        .select_related("organisation", "topic")
        .prefetch_related("tags", "regions"),
        slug=slug,
    )
    organisations = producing_organisations(request.user)
    form = DatasetForm(request.POST or None, organisations=organisations, dataset=dataset)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.update_dataset(request.user, dataset, **form.metadata())
        except SatuDataError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("catalog:dataset_detail", slug=dataset.slug)
    return _form_page(request, form, dataset)


@login_required
@require_POST
def completeness_panel(request: HttpRequest) -> HttpResponse:
    """The live score (htmx): computed from the posted, half-filled form; nothing is stored."""
    result = completeness(values_from_form_data(request.POST))
    return render(request, "catalog/_completeness.html", {"completeness": result})
