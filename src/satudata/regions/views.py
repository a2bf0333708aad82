"""Region pages: `/wilayah/`, `/wilayah/<kode>` and `/wilayah/<kode>.geojson`.

Codes arrive as typed by people and spreadsheets: the undotted form redirects to the dotted one,
anything malformed or unknown gets the site's 404 page with a sentence saying why.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from satudata.regions import maps, queries


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    context = {"message": message, "site_region_code": settings.SATUDATA_REGION_CODE}
    return render(request, "regions/not_found.html", context, status=404)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The portal's own region (SATUDATA_REGION_CODE)."""
    return redirect("regions:detail", kode=settings.SATUDATA_REGION_CODE)


@require_safe
def detail(request: HttpRequest, kode: str) -> HttpResponse:
    found = queries.find_region(request.user, kode)
    if found.canonical:
        return redirect("regions:detail", kode=found.canonical, permanent=True)
    if found.region is None:
        return _not_found(request, found.error)
    region = found.region
    children = queries.children_of(region)
    about, wider = queries.datasets_covering(request.user, region)
    spec = maps.map_spec(region, children)
    context = {
        "region": region,
        "ancestors": queries.ancestors_of(region),
        "children": children,
        "map_spec": spec,
        "map_label": maps.map_description(region, children) if spec else "",
        "datasets_about": about,
        "datasets_wider": wider,
        "catalogue_url": f"{reverse('catalog:dataset_list')}?wilayah={region.code}",
        "geojson_url": reverse("regions:geojson", kwargs={"kode": region.code}),
    }
    return render(request, "regions/region_detail.html", context)


@require_safe
def geojson(request: HttpRequest, kode: str) -> HttpResponse:
    """FeatureCollection of the region and its children (geometry null where none is known)."""
    found = queries.find_region(request.user, kode)
    if found.canonical:
        return redirect("regions:geojson", kode=found.canonical, permanent=True)
    if found.region is None:
        return _not_found(request, found.error)
    collection = maps.feature_collection(found.region, queries.children_of(found.region))
    response = JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Content-Disposition"] = f'inline; filename="wilayah-{found.region.code}.geojson"'
    return response
