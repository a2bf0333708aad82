"""API v1 for the data of datasets: versions, schemas, validation reports and rows.

Rows of any version the caller may see (`Version.objects.visible_to`), with filters, sort, field
selection, offset or keyset paging and aggregation (`warehouse.query`: the grammar is in its
docstring), as JSON, CSV or XML (`?format=` or the `Accept` header). Versions are immutable, so
every answer about one carries a strong ETag (the version's Parquet hash, its schema, the query
and the format) and `If-None-Match` answers 304 without running anything; rendered answers are
cached under that ETag.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from satudata.api.v1 import (
    ERROR_RESPONSES,
    api_caller,
    cache_control,
    not_modified,
    strong_etag,
)
from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound, ValidationFailed
from satudata.warehouse.exports.escape import escape_text
from satudata.warehouse.exports.xml import element_names
from satudata.warehouse.models import Version
from satudata.warehouse.queries import cache_get, cache_set, public_version, versions_for
from satudata.warehouse.query import (
    OFFSET_MAX,
    ROWS_LIMIT_MAX,
    QueryResult,
    parse_api_params,
    run_query,
)

router = Router(tags=["data"])

FORMATS = {"json": "application/json", "csv": "text/csv", "xml": "application/xml"}
_ACCEPT_FORMATS = (
    ("text/csv", "csv"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("application/json", "json"),
)
# Bumped when the shape of a rows answer changes, so old ETags stop matching.
ROWS_RESPONSE_VERSION = 1
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

OutputFormat = Literal["json", "csv", "xml"]


# --- schemas (OpenAPI) ------------------------------------------------------------------------


class ColumnOut(Schema):
    name: str
    type: str
    title: str = ""
    unit: str = ""


class RowsOut(Schema):
    dataset: str
    version: int
    columns: list[ColumnOut]
    data: list[dict[str, Any]]
    total: int | None
    limit: int
    offset: int
    next: str | None


class VersionOut(Schema):
    number: int
    status: str
    is_current: bool
    message: str
    row_count: int
    column_count: int
    error_count: int
    warning_count: int
    parquet_sha256: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    rows_url: str
    schema_url: str
    report_url: str


class VersionDetailOut(VersionOut):
    table_schema: dict[str, Any]


class RowsParams(Schema):
    """Reserved parameters of a rows request; every other parameter is a column filter
    `<column>=<value>` or `<column>__<op>=<value>` (op: eq ne lt lte gt gte in contains
    region)."""

    fields: str | None = None
    sort: str | None = None
    limit: int | None = Field(None, ge=0, le=ROWS_LIMIT_MAX)
    offset: int | None = Field(None, ge=0, le=OFFSET_MAX)
    after: str | None = None
    group_by: str | None = None
    aggregate: str | None = None
    format: OutputFormat | None = None


# --- helpers ----------------------------------------------------------------------------------


def visible_dataset(user, slug: str) -> Dataset:
    dataset = (
        Dataset.objects.visible_to(user)
        .select_related("topic", "organisation")
        .filter(slug=slug)
        .first()
    )
    if dataset is None:
        raise NotFound(_("Dataset not found."), details={"slug": slug[:120]})
    return dataset


def visible_version(user, dataset: Dataset, number: int) -> Version:
    version = Version.objects.visible_to(user).filter(dataset_id=dataset.pk, number=number).first()
    if version is None:
        raise NotFound(_("Version not found."), details={"version": number})
    return version


def current_version(user, dataset: Dataset) -> Version:
    version = public_version(user, dataset)
    if version is None:
        raise NotFound(
            _("This dataset has no published version yet."), details={"slug": dataset.slug}
        )
    return version


def _base(dataset: Dataset, number: int) -> str:
    return f"/api/v1/datasets/{dataset.slug}/versions/{number}"


def version_out(version: Version, dataset: Dataset) -> dict[str, Any]:
    base = _base(dataset, version.number)
    return {
        "number": version.number,
        "status": version.status,
        "is_current": version.pk == dataset.published_version_id,
        "message": version.message,
        "row_count": version.row_count,
        "column_count": version.column_count,
        "error_count": version.error_count,
        "warning_count": version.warning_count,
        "parquet_sha256": version.parquet_sha256,
        "created_at": version.created_at,
        "published_at": version.published_at,
        "rows_url": f"{base}/rows",
        "schema_url": f"{base}/schema",
        "report_url": f"{base}/report",
    }


def output_format(request: HttpRequest, chosen: str | None) -> str:
    """`?format=` first, then the Accept header, JSON by default."""
    if chosen:
        if chosen not in FORMATS:
            raise ValidationFailed(
                _("Unknown format “%(format)s”; use json, csv or xml.") % {"format": chosen[:20]},
                code="bad-format",
            )
        return chosen
    accept = request.META.get("HTTP_ACCEPT", "").lower()
    positions = [(accept.find(mime), key) for mime, key in _ACCEPT_FORMATS if mime in accept]
    return min(positions)[1] if positions else "json"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = _json_value(value)
    return "" if value is None else str(value)


def render_json(slug: str, number: int, result: QueryResult, query, next_url) -> bytes:
    names = [c["name"] for c in result.columns]
    body = {
        "dataset": slug,
        "version": number,
        "columns": result.columns,
        "data": [
            {name: _json_value(value) for name, value in zip(names, row, strict=True)}
            for row in result.rows
        ],
        "total": result.total,
        "limit": query.limit,
        "offset": query.offset,
        "next": next_url,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def render_csv(result: QueryResult) -> bytes:
    """Text cells formula-escaped like the CSV download (exports/escape.py)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_text(c["name"]) for c in result.columns])
    for row in result.rows:
        writer.writerow([escape_text(v) if isinstance(v, str) else _text(v) for v in row])
    return out.getvalue().encode()


def _xml_text(value: Any) -> str:
    text = _XML_FORBIDDEN.sub("", _text(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: Any) -> str:
    return _xml_text(value).replace('"', "&quot;")


def render_xml(slug: str, number: int, result: QueryResult, next_url) -> bytes:
    """Like the XML download (exports/xml.py): column names become safe element names,
    `<fields>` maps them back; empty cells are left out of their record."""
    names = [c["name"] for c in result.columns]
    elements = element_names(names)
    total = "" if result.total is None else f' total="{result.total}"'
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<dataset slug="{_xml_attr(slug)}" version="{number}"{total}>',
        "  <fields>",
    ]
    for column, element in zip(result.columns, elements, strict=True):
        lines.append(
            f'    <field element="{element}" name="{_xml_attr(column["name"])}" '
            f'type="{_xml_attr(column["type"])}"/>'
        )
    lines += ["  </fields>", "  <records>"]
    for row in result.rows:
        cells = "".join(
            f"<{element}>{_xml_text(value)}</{element}>"
            for element, value in zip(elements, row, strict=True)
            if value is not None
        )
        lines.append(f"    <record>{cells}</record>")
    lines.append("  </records>")
    if next_url:
        lines.append(f"  <next>{_xml_text(next_url)}</next>")
    lines.append("</dataset>")
    return ("\n".join(lines) + "\n").encode()


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = [(k, v) for k, values in request.GET.lists() for v in values if k != "after"]
    params = [(k, v) for k, v in params if k != "offset"]
    return request.build_absolute_uri(request.path) + "?" + urlencode([*params, ("after", cursor)])


def _schema_hash(version: Version) -> str:
    raw = json.dumps(version.table_schema or {}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class RowsTarget:
    """What a rows answer depends on, besides the request: which version, its data and schema,
    and whether anybody may see it. Small enough to cache per (slug, version) for the public."""

    slug: str
    number: int
    version_id: int
    parquet_sha256: str
    schema_hash: str
    public: bool


def resolve_target(
    request: HttpRequest, user, parts: tuple, load: Callable[[], tuple[Dataset, Version]]
) -> tuple[RowsTarget, Version | None]:
    """The version a rows request reads (`load()` looks it up through the permission layer).

    For anonymous callers the answer is cached under the catalogue's generation (the audit
    chain's newest hash: a publish, withdrawal or reclassification changes it), which turns three
    permission-scoped lookups into one indexed read. Logged-in callers and keys are looked up
    every time."""
    from satudata.catalog.api import catalogue_generation

    anonymous = not getattr(user, "is_authenticated", False)
    key = ("api-rows-target", catalogue_generation(), parts) if anonymous else None
    if key is not None:
        found = cache_get(key)
        if found is not None:
            return found, None
    dataset, version = load()
    target = RowsTarget(
        slug=dataset.slug,
        number=version.number,
        version_id=version.pk,
        parquet_sha256=version.parquet_sha256,
        schema_hash=_schema_hash(version),
        public=anonymous or publicly_visible(version),
    )
    if key is not None:
        cache_set(key, target)
    return target, version


def rows_response(
    request: HttpRequest,
    target: RowsTarget,
    version: Version | None,
    *,
    chosen_format: str | None,
) -> HttpResponse:
    """Rows (or groups) of the target version under the request's parameters, in the asked
    format, with a strong ETag; 304 when the client already has this answer."""
    fmt = output_format(request, chosen_format)
    etag = strong_etag(
        "rows",
        ROWS_RESPONSE_VERSION,
        target.version_id,
        target.parquet_sha256,
        target.schema_hash,
        fmt,
        request.build_absolute_uri(),
    )
    if not_modified(request, etag):
        return cache_control(_not_modified_response(etag), public=target.public)
    key = ("api-rows-body", etag)
    found = cache_get(key)
    if found is None:
        if version is None:
            version = Version.objects.get(pk=target.version_id)
        query = parse_api_params(version, request.GET)
        result = run_query(version, query)
        next_url = _next_url(request, result.next_after)
        if fmt == "csv":
            body = render_csv(result)
        elif fmt == "xml":
            body = render_xml(target.slug, target.number, result, next_url)
        else:
            body = render_json(target.slug, target.number, result, query, next_url)
        found = (body, result.total, next_url)
        cache_set(key, found)
    body, total, next_url = found
    content_type = FORMATS[fmt] + "; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Vary"] = "Accept"
    if total is not None:
        response["X-Total-Count"] = str(total)
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    if fmt == "csv":
        response["Content-Disposition"] = f'inline; filename="{target.slug}-v{target.number}.csv"'
    return cache_control(response, public=target.public)


def publicly_visible(version: Version) -> bool:
    """Whether anybody may see this version (shared caches may then keep the answer)."""
    return Version.objects.visible_to(None).filter(pk=version.pk).exists()


def _not_modified_response(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["ETag"] = etag
    response["Vary"] = "Accept"
    return response


ROWS_RESPONSES = {
    200: RowsOut,
    304: None,
    **ERROR_RESPONSES,
}
ROWS_OPENAPI = {
    "responses": {
        200: {
            "description": "OK",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RowsOut"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/xml": {"schema": {"type": "string"}},
            },
        }
    },
}
ROWS_DESCRIPTION = (
    "Filters: `<column>=<value>` or `<column>__<op>=<value>` with op one of eq, ne, lt, lte, "
    "gt, gte, in (comma-separated or a JSON array), contains, region (a Kemendagri code: the "
    "region and every region inside it). `fields=a,b`, `sort=a,-b`, `limit` (0 to "
    f"{ROWS_LIMIT_MAX}), `offset` (up to {OFFSET_MAX}) or `after` (the cursor in `next`), "
    "`group_by=a,b` with `aggregate=sum:x,mean:x,min:x,max:x,count`. JSON, CSV or XML by "
    "`format` or the Accept header."
)


# --- endpoints --------------------------------------------------------------------------------


@router.get(
    "/datasets/{slug}/versions",
    response={200: list[VersionOut], **ERROR_RESPONSES},
    summary="Versions of a dataset",
)
def list_versions(request: HttpRequest, slug: str):
    """The versions the caller may see, newest first (the public sees published ones)."""
    user = api_caller(request)
    dataset = visible_dataset(user, slug)
    return [version_out(v, dataset) for v in versions_for(user, dataset)]


@router.get(
    "/datasets/{slug}/versions/{number}",
    response={200: VersionDetailOut, 304: None, **ERROR_RESPONSES},
    summary="One version with its Table Schema",
)
def version_detail(request: HttpRequest, slug: str, number: int):
    user = api_caller(request)
    dataset = visible_dataset(user, slug)
    version = visible_version(user, dataset, number)
    etag = strong_etag(
        "version",
        version.pk,
        version.parquet_sha256,
        _schema_hash(version),
        version.status,
        version.pk == dataset.published_version_id,
    )
    if not_modified(request, etag):
        return _not_modified_response(etag)
    body = {**version_out(version, dataset), "table_schema": version.table_schema or {}}
    return _json_response(body, etag, version)


def _json_response(body: Any, etag: str, version: Version) -> HttpResponse:
    payload = json.dumps(body, ensure_ascii=False, default=_json_value, separators=(",", ":"))
    response = HttpResponse(payload.encode(), content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    return cache_control(response, public=publicly_visible(version))


@router.get(
    "/datasets/{slug}/versions/{number}/schema",
    response={200: dict[str, Any], 304: None, **ERROR_RESPONSES},
    summary="Table Schema of a version",
)
def version_schema(request: HttpRequest, slug: str, number: int):
    """The version's Frictionless Table Schema (fields, types, titles, units, keys)."""
    user = api_caller(request)
    dataset = visible_dataset(user, slug)
    version = visible_version(user, dataset, number)
    etag = strong_etag("schema", version.pk, _schema_hash(version))
    if not_modified(request, etag):
        return _not_modified_response(etag)
    return _json_response(version.table_schema or {}, etag, version)


@router.get(
    "/datasets/{slug}/versions/{number}/report",
    response={200: dict[str, Any], **ERROR_RESPONSES},
    summary="Validation report of a version",
)
def version_report(request: HttpRequest, slug: str, number: int):
    """Errors and warnings found when the version was read (messages in the asked language)."""
    from satudata.warehouse.validation.pages import report_json

    user = api_caller(request)
    dataset = visible_dataset(user, slug)
    version = visible_version(user, dataset, number)
    version.dataset = dataset
    return report_json(version)


@router.get(
    "/datasets/{slug}/versions/{number}/rows",
    response=ROWS_RESPONSES,
    summary="Rows of a version (filters, sort, paging, aggregation)",
    description=ROWS_DESCRIPTION,
    openapi_extra=ROWS_OPENAPI,
)
def version_rows(request: HttpRequest, slug: str, number: int, params: Query[RowsParams]):
    user = api_caller(request)

    def load() -> tuple[Dataset, Version]:
        dataset = visible_dataset(user, slug)
        return dataset, visible_version(user, dataset, number)

    target, version = resolve_target(request, user, ("version", slug, number), load)
    return rows_response(request, target, version, chosen_format=params.format)


@router.get(
    "/datasets/{slug}/rows",
    response=ROWS_RESPONSES,
    summary="Rows of the current public version",
    description=ROWS_DESCRIPTION,
    openapi_extra=ROWS_OPENAPI,
)
def dataset_rows(request: HttpRequest, slug: str, params: Query[RowsParams]):
    user = api_caller(request)

    def load() -> tuple[Dataset, Version]:
        dataset = visible_dataset(user, slug)
        return dataset, current_version(user, dataset)

    target, version = resolve_target(request, user, ("current", slug), load)
    return rows_response(request, target, version, chosen_format=params.format)
