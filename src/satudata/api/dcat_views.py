"""DCAT endpoints: `/catalog.<fmt>` (paged), `/dataset/<slug>.<fmt>` and `/dcat.json`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from satudata.api import ckan, dcat


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ValueError("page must be a whole number from 1")
    return int(raw)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _bad(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_GET
def catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in dcat.FORMATS:
        raise Http404
    try:
        page = _page(request)
        since = dcat.parse_modified_since(request.GET.get("modified_since"))
    except ValueError as error:
        return _bad(f"Bad request: {error}")
    datasets, total = dcat.catalogue_page(since, page)
    if page > 1 and not datasets:
        raise Http404
    extra = request.GET.get("modified_since")
    query = "&" + urlencode({"modified_since": extra}) if extra else ""
    base_url = _base_url(request)
    graph = dcat.catalogue_graph(
        base_url, f"{base_url}/catalog.{fmt}", datasets, page=page, total=total, query=query
    )
    return HttpResponse(dcat.serialise(graph, fmt), content_type=dcat.CONTENT_TYPES[fmt])


@require_GET
def dataset(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in dcat.FORMATS:
        raise Http404
    found = ckan._with_relations(ckan.public_datasets()).filter(slug=slug).first()
    if found is None:
        raise Http404  # hidden or missing: the same answer (DESIGN §6)
    graph = dcat.dataset_graph(_base_url(request), found)
    return HttpResponse(dcat.serialise(graph, fmt), content_type=dcat.CONTENT_TYPES[fmt])


@require_GET
def dcat_json(request: HttpRequest) -> HttpResponse:
    try:
        page = _page(request)
        since = dcat.parse_modified_since(request.GET.get("modified_since"))
    except ValueError as error:
        return _bad(f"Bad request: {error}")
    datasets, _total = dcat.catalogue_page(since, page)
    if page > 1 and not datasets:
        raise Http404  # the DCAT-JSON harvester stops on a 404 after page 1
    base_url = _base_url(request)
    records = [dcat.dcat_json_record(base_url, ds) for ds in datasets]
    return JsonResponse(records, safe=False)
