"""API v1 for the catalogue: datasets with their metadata, search with the web's facets,
organisations, topics, regions and tags.

Everything goes through `visible_to(caller)`: the public sees published `publik` datasets only,
and counts, facets and tag lists are computed over what the caller may see, so nothing hidden
shows through a number either. Answers for anonymous callers are cached under the catalogue's
generation (the audit chain's newest hash, as the catalogue pages do: every publish, edit or
withdrawal is audited, so a change invalidates at once); every answer carries a strong ETag and
`If-None-Match` answers 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any, Literal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from satudata.accounts.models import Organisation
from satudata.api.v1 import ERROR_RESPONSES, api_caller, cache_control, not_modified, strong_etag
from satudata.catalog.models import LICENCE_URLS, Dataset, Tag, Topic
from satudata.catalog.queries import dataset_for_page, organisations_with_counts, topics_with_counts
from satudata.catalog.search import (
    PARAM_FORMAT,
    PARAM_ORGANISATION,
    PARAM_QUERY,
    PARAM_REGION,
    PARAM_SORT,
    PARAM_TOPIC,
    PARAM_YEAR,
    SORT_NAME,
    SORT_NEWEST,
    SORT_RELEVANCE,
    catalog_cache_seconds,
    parse_query,
    run_search,
)
from satudata.core.errors import NotFound
from satudata.core.models import AuditHead
from satudata.regions.models import Region

router = Router(tags=["catalogue"])

SEARCH_PAGE_SIZE_MAX = 100
REGIONS_LIMIT_MAX = 1_000
# Bumped when the shape of a catalogue answer changes, so cached copies stop matching.
CATALOGUE_RESPONSE_VERSION = 1
_SORTS = {"relevance": SORT_RELEVANCE, "newest": SORT_NEWEST, "name": SORT_NAME}
# The web's facet names (Indonesian URLs) and the API's names for them.
_FACET_NAMES = {
    PARAM_TOPIC: "topic",
    PARAM_ORGANISATION: "organisation",
    PARAM_REGION: "region",
    PARAM_YEAR: "year",
    PARAM_FORMAT: "format",
}


# --- schemas ----------------------------------------------------------------------------------


class OrganisationRef(Schema):
    slug: str
    name: str
    short_name: str


class TopicRef(Schema):
    slug: str
    name: str
    name_en: str


class DatasetSummary(Schema):
    slug: str
    title: str
    description: str
    organisation: OrganisationRef
    topic: TopicRef | None
    tags: list[str]
    classification: str
    formats: list[str]
    temporal_start: int | None
    temporal_end: int | None
    modified_at: dt.datetime
    published_at: dt.datetime | None
    is_synthetic: bool
    url: str
    api_url: str


class RegionRef(Schema):
    code: str
    name: str


class CurrentVersion(Schema):
    number: int
    row_count: int
    column_count: int
    published_at: dt.datetime | None
    rows_url: str
    schema_url: str


class DatasetDetail(DatasetSummary):
    licence: dict[str, str]
    frequency: str
    data_source: str
    collection_method: str
    collection_method_detail: str
    reference_codes: str
    release_date: dt.date | None
    unit: str
    presentation_level: str
    regions: list[RegionRef]
    contact_name: str
    contact_email: str
    is_statistical: bool
    is_spatial: bool
    ms_keg: dict[str, Any]
    ms_var: dict[str, Any]
    ms_ind: dict[str, Any]
    completeness: int
    created_at: dt.datetime
    current_version: CurrentVersion | None
    links: dict[str, str]


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[DatasetSummary]
    facets: dict[str, list[FacetValueOut]]


class SearchParams(Schema):
    q: str | None = Field(None, description="Words to look for (title, description, tags).")
    topic: list[str] = Field([], description="Topic (sektor) slugs; several = any of them.")
    organisation: list[str] = Field([], description="Organisation (OPD) slugs.")
    region: list[str] = Field([], description="Region codes (covers regions inside them).")
    year: list[int] = Field([], description="Years inside the temporal coverage.")
    file_format: list[str] = Field([], description="File formats, e.g. CSV, XLSX.")
    sort: Literal["relevance", "newest", "name"] | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=SEARCH_PAGE_SIZE_MAX)


class OrganisationOut(Schema):
    slug: str
    name: str
    short_name: str
    kind: str
    description: str
    region: str | None
    parent: str | None
    website: str
    dataset_count: int
    url: str


class TopicOut(Schema):
    slug: str
    name: str
    name_en: str
    description: str
    dataset_count: int
    url: str


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    bps_code: str


class RegionDetail(RegionOut):
    latitude: float | None
    longitude: float | None
    boundary: dict[str, Any] | None


class RegionList(Schema):
    count: int
    results: list[RegionOut]


class RegionParams(Schema):
    parent: str | None = Field(None, max_length=13, description="Only regions directly inside.")
    level: Literal["provinsi", "kabupaten", "kota", "kecamatan", "desa", "kelurahan"] | None = None
    q: str | None = Field(None, max_length=100, description="Part of the name.")
    limit: int = Field(100, ge=1, le=REGIONS_LIMIT_MAX)
    offset: int = Field(0, ge=0, le=1_000_000)


class TagOut(Schema):
    name: str
    dataset_count: int


# --- cached JSON answers ----------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _is_anonymous(user) -> bool:
    return not getattr(user, "is_authenticated", False)


def catalogue_generation() -> str:
    """Changes with every audited change (publish, edit, withdrawal, new organisation…).

    Read with one plain SQL statement (no user input in it): it runs on every cached answer,
    where building the ORM query cost more than the answer itself."""
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_hash FROM {table} WHERE singleton = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def cached_json(request: HttpRequest, user, parts: tuple, build: Callable[[], Any]):
    """`build()` as a JSON response with a strong ETag; for anonymous callers cached under the
    catalogue's generation (logged-in callers and keys may see more: never served a copy)."""
    key = None
    if _is_anonymous(user) and catalog_cache_seconds() > 0:
        raw = repr(
            (
                CATALOGUE_RESPONSE_VERSION,
                catalogue_generation(),
                get_language(),
                request.path,
                parts,
            )
        )
        key = "satudata:api:cat:" + hashlib.sha256(raw.encode()).hexdigest()
        found = cache.get(key)
        if found is not None:
            return _answer(request, *found, public=True)
    body = json.dumps(build(), ensure_ascii=False, default=_json_default, separators=(",", ":"))
    data = body.encode()
    etag = strong_etag(hashlib.sha256(data).hexdigest())
    if key is not None:
        cache.set(key, (data, etag), catalog_cache_seconds())
    return _answer(request, data, etag, public=_is_anonymous(user))


def _answer(request: HttpRequest, data: bytes, etag: str, *, public: bool) -> HttpResponse:
    if not_modified(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Vary"] = "Accept-Language, Cookie, Authorization, X-API-Key"
    return cache_control(response, public=public)


# --- shaping ----------------------------------------------------------------------------------


def _organisation_ref(organisation: Organisation) -> dict[str, str]:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "short_name": organisation.short_name,
    }


def _topic_ref(topic: Topic | None) -> dict[str, str] | None:
    if topic is None:
        return None
    return {"slug": topic.slug, "name": topic.name, "name_en": topic.name_en}


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    return {
        "slug": dataset.slug,
        "title": dataset.title,
        "description": dataset.description,
        "organisation": _organisation_ref(dataset.organisation),
        "topic": _topic_ref(dataset.topic),
        "tags": sorted(tag.name for tag in dataset.tags.all()),
        "classification": dataset.classification,
        "formats": [part for part in dataset.formats.split(",") if part],
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "modified_at": dataset.modified_at,
        "published_at": dataset.published_at,
        "is_synthetic": dataset.is_synthetic,
        "url": reverse("catalog:dataset_detail", args=[dataset.slug]),
        "api_url": f"/api/v1/datasets/{dataset.slug}",
    }


def _current_version(user, dataset: Dataset) -> dict[str, Any] | None:
    from satudata.warehouse.queries import public_version

    version = public_version(user, dataset)
    if version is None:
        return None
    base = f"/api/v1/datasets/{dataset.slug}/versions/{version.number}"
    return {
        "number": version.number,
        "row_count": version.row_count,
        "column_count": version.column_count,
        "published_at": version.published_at,
        "rows_url": f"{base}/rows",
        "schema_url": f"{base}/schema",
    }


def dataset_detail_body(user, dataset: Dataset) -> dict[str, Any]:
    links = {
        "page": reverse("catalog:dataset_detail", args=[dataset.slug]),
        "versions": f"/api/v1/datasets/{dataset.slug}/versions",
        "rows": f"/api/v1/datasets/{dataset.slug}/rows",
        "dcat": f"/dataset/{dataset.slug}.jsonld",
        "ckan": f"/api/3/action/package_show?id={dataset.slug}",
    }
    if dataset.topic is not None:
        links["sector_path"] = f"/api/v1/{dataset.topic.slug}/{dataset.slug}"
    return {
        **dataset_summary(dataset),
        "licence": {
            "id": dataset.licence,
            "title": dataset.get_licence_display(),
            "url": LICENCE_URLS.get(dataset.licence, ""),
        },
        "frequency": dataset.frequency,
        "data_source": dataset.data_source,
        "collection_method": dataset.collection_method,
        "collection_method_detail": dataset.collection_method_detail,
        "reference_codes": dataset.reference_codes,
        "release_date": dataset.release_date,
        "unit": dataset.unit,
        "presentation_level": dataset.presentation_level,
        "regions": [{"code": r.code, "name": r.name} for r in dataset.regions.all()],
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "is_statistical": dataset.is_statistical,
        "is_spatial": dataset.is_spatial,
        "ms_keg": dataset.ms_keg if isinstance(dataset.ms_keg, dict) else {},
        "ms_var": dataset.ms_var if isinstance(dataset.ms_var, dict) else {},
        "ms_ind": dataset.ms_ind if isinstance(dataset.ms_ind, dict) else {},
        "completeness": dataset.completeness,
        "created_at": dataset.created_at,
        "current_version": _current_version(user, dataset),
        "links": links,
    }


def _search_params(params: SearchParams) -> dict[str, Any]:
    """The API's parameter names as the web's, for `catalog.search.parse_query`."""
    return {
        PARAM_QUERY: params.q or "",
        PARAM_TOPIC: params.topic,
        PARAM_ORGANISATION: params.organisation,
        PARAM_REGION: params.region,
        PARAM_YEAR: [str(year) for year in params.year],
        PARAM_FORMAT: params.file_format,
        PARAM_SORT: _SORTS.get(params.sort or "", ""),
    }


def search_body(user, params: SearchParams) -> dict[str, Any]:
    query = parse_query(_search_params(params))
    language = (get_language() or "id").split("-")[0]
    result = run_search(
        user, query, page=params.page, page_size=params.page_size, language=language
    )
    page = result.page
    return {
        "count": result.total,
        "page": page.number,
        "page_size": params.page_size,
        "pages": page.paginator.num_pages,
        "results": [dataset_summary(dataset) for dataset in page.object_list],
        "facets": {
            _FACET_NAMES[name]: [
                {"value": v.value, "label": str(v.label), "count": v.count, "selected": v.selected}
                for v in values
            ]
            for name, values in result.facets.items()
        },
    }


def _organisation_out(organisation: Organisation, count: int, parent: str | None) -> dict[str, Any]:
    return {
        **_organisation_ref(organisation),
        "kind": organisation.kind,
        "description": organisation.description,
        "region": organisation.region_id,
        "parent": parent,
        "website": organisation.website,
        "dataset_count": count,
        "url": reverse("catalog:organization_detail", args=[organisation.slug]),
    }


def _topic_out(topic: Topic) -> dict[str, Any]:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "name_en": topic.name_en,
        "description": topic.description,
        "dataset_count": topic.dataset_count,
        "url": reverse("catalog:topic_detail", args=[topic.slug]),
    }


def _region_out(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": region.parent_id,
        "bps_code": region.bps_code,
    }


# --- endpoints --------------------------------------------------------------------------------


@router.get(
    "/datasets",
    response={200: SearchOut, 304: None, **ERROR_RESPONSES},
    summary="Search the catalogue",
)
def search(request: HttpRequest, params: Query[SearchParams]):
    """The datasets the caller may see, with the same facets (topic, organisation, region,
    year, format) and counts as the catalogue pages."""
    user = api_caller(request)
    parts = ("search", repr(params.dict()))
    return cached_json(request, user, parts, lambda: search_body(user, params))


@router.get(
    "/datasets/{slug}",
    response={200: DatasetDetail, 304: None, **ERROR_RESPONSES},
    summary="A dataset with its metadata",
)
def dataset_detail(request: HttpRequest, slug: str):
    """Standard metadata (the regency's seed fields), BPS statistical metadata (MS-Keg, MS-Var,
    MS-Ind), coverage, licence, the current public version and links."""
    user = api_caller(request)

    def build() -> dict[str, Any]:
        dataset = dataset_for_page(user, slug)
        if dataset is None:
            raise NotFound(_("Dataset not found."), details={"slug": slug[:120]})
        return dataset_detail_body(user, dataset)

    return cached_json(request, user, ("dataset", slug), build)


@router.get(
    "/organisations",
    response={200: list[OrganisationOut], 304: None, **ERROR_RESPONSES},
    summary="Organisations (OPD)",
)
def organisations(request: HttpRequest):
    """Every organisation, with the number of datasets the caller may see."""
    user = api_caller(request)

    def build() -> list[dict[str, Any]]:
        rows = organisations_with_counts(user)
        slugs = {o.pk: o.slug for o in rows}
        return [_organisation_out(o, o.dataset_count, slugs.get(o.parent_id)) for o in rows]

    return cached_json(request, user, ("organisations",), build)


@router.get(
    "/organisations/{slug}",
    response={200: OrganisationOut, 304: None, **ERROR_RESPONSES},
    summary="One organisation",
)
def organisation_detail(request: HttpRequest, slug: str):
    user = api_caller(request)

    def build() -> dict[str, Any]:
        organisation = (
            Organisation.objects.visible_to(user).select_related("parent").filter(slug=slug).first()
        )
        if organisation is None:
            raise NotFound(_("Organisation not found."), details={"slug": slug[:120]})
        count = Dataset.objects.visible_to(user).filter(organisation=organisation).count()
        parent = organisation.parent.slug if organisation.parent_id else None
        return _organisation_out(organisation, count, parent)

    return cached_json(request, user, ("organisation", slug), build)


@router.get(
    "/topics",
    response={200: list[TopicOut], 304: None, **ERROR_RESPONSES},
    summary="Topics (sektor)",
)
def topics(request: HttpRequest):
    """Every topic with the number of datasets the caller may see. A topic's slug is also the
    `<sektor>` of the sector paths `/api/v1/<sektor>/<dataset>`."""
    user = api_caller(request)
    return cached_json(
        request, user, ("topics",), lambda: [_topic_out(t) for t in topics_with_counts(user)]
    )


@router.get(
    "/topics/{slug}",
    response={200: TopicOut, 304: None, **ERROR_RESPONSES},
    summary="One topic",
)
def topic_detail(request: HttpRequest, slug: str):
    user = api_caller(request)

    def build() -> dict[str, Any]:
        topic = Topic.objects.visible_to(user).filter(slug=slug).first()
        if topic is None:
            raise NotFound(_("Topic not found."), details={"slug": slug[:120]})
        topic.dataset_count = Dataset.objects.visible_to(user).filter(topic=topic).count()
        return _topic_out(topic)

    return cached_json(request, user, ("topic", slug), build)


@router.get(
    "/regions",
    response={200: RegionList, 304: None, **ERROR_RESPONSES},
    summary="Regions (Kemendagri codes)",
)
def regions(request: HttpRequest, params: Query[RegionParams]):
    """Kemendagri regions, filtered by parent code, level or part of the name."""
    user = api_caller(request)

    def build() -> dict[str, Any]:
        qs = Region.objects.visible_to(user)
        if params.parent:
            qs = qs.filter(parent_id=params.parent)
        if params.level:
            qs = qs.filter(level=params.level)
        if params.q:
            qs = qs.filter(Q(name__icontains=params.q) | Q(code__startswith=params.q))
        qs = qs.order_by("code").only("code", "name", "level", "parent_id", "bps_code")
        page = qs[params.offset : params.offset + params.limit]
        return {"count": qs.count(), "results": [_region_out(r) for r in page]}

    return cached_json(request, user, ("regions", repr(params.dict())), build)


@router.get(
    "/regions/{code}",
    response={200: RegionDetail, 304: None, **ERROR_RESPONSES},
    summary="One region with its boundary",
)
def region_detail(request: HttpRequest, code: str):
    user = api_caller(request)

    def build() -> dict[str, Any]:
        region = Region.objects.visible_to(user).filter(code=code).first()
        if region is None:
            raise NotFound(_("Region not found."), details={"code": code[:20]})
        boundary = region.boundary if isinstance(region.boundary, dict) else None
        return {
            **_region_out(region),
            "latitude": region.latitude,
            "longitude": region.longitude,
            "boundary": boundary,
        }

    return cached_json(request, user, ("region", code), build)


@router.get(
    "/tags",
    response={200: list[TagOut], 304: None, **ERROR_RESPONSES},
    summary="Tags in use",
)
def tags(request: HttpRequest):
    """Tags of the datasets the caller may see, with how many of them carry each (a tag used
    only by hidden datasets is not listed)."""
    user = api_caller(request)

    def build() -> list[dict[str, Any]]:
        visible = Dataset.objects.visible_to(user).values("pk")
        rows = (
            Tag.objects.filter(datasets__in=visible)
            .annotate(n=Count("datasets"))
            .order_by("name")
            .values_list("name", "n")
        )
        return [{"name": name, "dataset_count": n} for name, n in rows]

    return cached_json(request, user, ("tags",), build)
