"""A subset of CKAN's Action API over the public catalogue (issue 6 point 5).

Only public, published data is ever served: every dataset comes from
`Dataset.objects.visible_to(AnonymousUser())`, whoever asks (logged-in users included), so the
CKAN surface can never show more than an anonymous visitor sees on the web.

Identifiers. CKAN clients and harvesters need UUIDs. Ours are *derived* (no extra column): a
version-8 ("custom") UUID whose high half is a fixed Satu Data tag plus a kind (dataset,
resource, organisation, group) and whose low half holds the row's primary key (and, for a
resource, the export format). They are stable, unique per object, valid for CKAN's
`uuid_validator`, reversible without a lookup table, and in `id asc` order they sort exactly as
the primary keys do (the harvester pages by `sort=id asc`). A resource is one download format of
the dataset's current public version; `datastore_search` on any of them reads that version's
Parquet file.

`package_search` understands a Solr subset in `q` and `fq`: `field:value`, `-field:value`,
quoted values, `OR` between terms, `field:[FROM TO *]` ranges on `metadata_modified` /
`metadata_created`; bare words are a text search over the catalogue index.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import duckdb
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from satudata.catalog.models import LICENCE_URLS, Dataset, Licence, Topic
from satudata.warehouse import engine
from satudata.warehouse.models import Version
from satudata.warehouse.queries import parquet_path, schema_fields

CKAN_VERSION = "2.10.4"  # the Action API contract we emulate (reference/ckan-api.md §2.7)
ROWS_DEFAULT, ROWS_MAX = 10, 1000
FACET_LIMIT_DEFAULT = 50
DATASTORE_LIMIT_DEFAULT, DATASTORE_LIMIT_MAX = 100, 32000
LIST_LIMIT_MAX = 1000
QUERY_MAX_CHARS = 2000

# Derived identifiers (see the module docstring).
_TAG = 0x5A7DA7A0_0000_8000  # "5a7da7a0-0000-8k00-…": version nibble 8 in the high half
KIND_DATASET, KIND_RESOURCE, KIND_ORGANISATION, KIND_GROUP = 1, 2, 3, 4
_VARIANT = 0b10 << 62
_PK_BITS = 48


class CkanError(Exception):
    """An error answered in CKAN's shape: `{"__type": kind, "message": ...}` (or field errors)."""

    def __init__(self, status: int, kind: str, message: str = "", fields: dict | None = None):
        super().__init__(message)
        self.status, self.kind, self.message, self.fields = status, kind, message, fields

    def error_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(self.fields or {})
        if self.message or not self.fields:
            body["message"] = self.message
        body["__type"] = self.kind
        return body


def not_found(detail: str) -> CkanError:
    return CkanError(404, "Not Found Error", f"Not found: {detail}")


def not_authorized(detail: str) -> CkanError:
    return CkanError(403, "Authorization Error", f"Access denied: {detail}")


def validation_error(field: str, message: str) -> CkanError:
    return CkanError(409, "Validation Error", "", {field: [message]})


def search_query_error(message: str) -> CkanError:
    return CkanError(400, "Search Query Error", f"Search Query Error: {message}")


# --- identifiers -------------------------------------------------------------------------------


def make_id(kind: int, pk: int, sub: int = 0) -> str:
    return str(uuid.UUID(int=((_TAG | kind) << 64) | _VARIANT | (sub << _PK_BITS) | int(pk)))


def parse_id(value: Any, kind: int) -> tuple[int, int] | None:
    """(pk, sub) of a derived id of this kind, or None for anything else."""
    try:
        number = uuid.UUID(str(value)).int
    except (ValueError, AttributeError, TypeError):
        return None
    if number >> 64 != _TAG | kind or (number >> 62) & 0b11 != 0b10:
        return None
    low = number & ((1 << 62) - 1)
    return low & ((1 << _PK_BITS) - 1), low >> _PK_BITS


def tag_id(name: str) -> str:
    """Tags have no row id CKAN would know; a name-based UUID is stable."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "satudata:tag:" + name))


def _formats() -> list[tuple[str, str, str]]:
    """(key, label, media type) of every download format, in a fixed order (ids depend on it)."""
    from satudata.warehouse.exports import export_formats

    return [(f.key, f.label, f.content_type.split(";")[0]) for f in export_formats().values()]


# --- scoped reads ------------------------------------------------------------------------------


def public_datasets() -> QuerySet:
    """The only datasets this API serves: what an anonymous visitor may see (published, publik)."""
    return Dataset.objects.visible_to(AnonymousUser())


def _with_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("organisation", "topic", "published_version").prefetch_related(
        "tags", "regions"
    )


def dataset_by_name_or_id(value: Any) -> Dataset:
    """A public dataset by slug or derived id; 404 when there is none, 403 when it exists but
    is not public (as CKAN answers for a private dataset; nothing about it is revealed)."""
    text = str(value or "").strip()
    if not text:
        raise validation_error("id", "Missing value")
    parsed = parse_id(text, KIND_DATASET)
    lookup = Q(pk=parsed[0]) if parsed else Q(slug=text[:200])
    found = _with_relations(public_datasets()).filter(lookup).first()
    if found is not None:
        return found
    # Existence only (no field of the row is read): a hidden dataset answers 403 like CKAN.
    if Dataset.objects.filter(lookup).exists():
        raise not_authorized("User not authorized to read package")
    raise not_found("Dataset not found")


# --- dictization -------------------------------------------------------------------------------


def ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN's timestamps: naive UTC ISO strings with microseconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def organisation_dict(org, package_count: int | None = None) -> dict[str, Any]:
    result = {
        "id": make_id(KIND_ORGANISATION, org.pk),
        "name": org.slug,
        "title": org.name,
        "display_name": org.name,
        "description": org.description,
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(org.created_at),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def group_dict(topic: Topic, package_count: int | None = None) -> dict[str, Any]:
    result = {
        "id": make_id(KIND_GROUP, topic.pk),
        "name": topic.slug,
        "title": topic.name,
        "display_name": topic.name,
        "description": topic.description,
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "is_organization": False,
        "approval_status": "approved",
        "capacity": "public",
        "state": "active",
        "type": "group",
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def _extras(ds: Dataset) -> list[dict[str, str]]:
    """Our metadata beyond CKAN's core fields, as string-valued extras (keys never collide with
    CKAN's root schema)."""
    values = {
        "satudata_classification": ds.classification,
        "frequency": ds.frequency,
        "data_source": ds.data_source,
        "collection_method": ds.collection_method,
        "collection_method_detail": ds.collection_method_detail,
        "reference_codes": ds.reference_codes,
        "release_date": ds.release_date.isoformat() if ds.release_date else "",
        "unit": ds.unit,
        "presentation_level": ds.presentation_level,
        "temporal_start": str(ds.temporal_start or ""),
        "temporal_end": str(ds.temporal_end or ""),
        "spatial_region_codes": ",".join(r.code for r in ds.regions.all()),
        "contact_name": ds.contact_name,
        "contact_email": ds.contact_email,
        "is_statistical": "true" if ds.is_statistical else "false",
        "is_spatial": "true" if ds.is_spatial else "false",
        "is_synthetic": "true" if ds.is_synthetic else "false",
        "guid": make_id(KIND_DATASET, ds.pk),
    }
    return [{"key": k, "value": v} for k, v in values.items() if v not in ("", None)]


def resources_for(ds: Dataset, base_url: str) -> list[dict[str, Any]]:
    version: Version | None = ds.published_version
    if version is None:
        return []
    from satudata.warehouse.exports import export_formats

    available = export_formats()
    package_id = make_id(KIND_DATASET, ds.pk)
    created = ckan_time(version.published_at or version.created_at)
    resources = []
    for index, (key, label, media_type) in enumerate(_formats()):
        if not available[key].available_for(version):
            continue
        url = base_url + reverse("warehouse:download", args=[ds.slug, key])
        resources.append(
            {
                "id": make_id(KIND_RESOURCE, ds.pk, index),
                "package_id": package_id,
                "url": url,
                "name": f"{ds.title} ({label})",
                "description": f"Versi {version.number}",
                "format": label,
                "mimetype": media_type,
                "mimetype_inner": None,
                "size": version.parquet_size if key == "parquet" else None,
                "hash": "",
                "position": len(resources),
                "resource_type": None,
                "url_type": None,
                "state": "active",
                "created": created,
                "last_modified": created,
                "metadata_modified": created,
                "cache_url": None,
                "cache_last_updated": None,
                "datastore_active": True,
                "satudata_version": str(version.number),
                "row_count": str(version.row_count),
            }
        )
    return resources


def package_dict(ds: Dataset, base_url: str) -> dict[str, Any]:
    """A full CKAN package dict (package_show and every package_search result)."""
    licence_url = LICENCE_URLS.get(ds.licence, "")
    tags = [
        {
            "id": tag_id(t.name),
            "name": t.name,
            "display_name": t.name,
            "state": "active",
            "vocabulary_id": None,
        }
        for t in ds.tags.all()
    ]
    resources = resources_for(ds, base_url)
    return {
        "id": make_id(KIND_DATASET, ds.pk),
        "name": ds.slug,
        "title": ds.title,
        "type": "dataset",
        "state": "active",
        "private": False,
        "notes": ds.description,
        "url": base_url + reverse("catalog:dataset_detail", args=[ds.slug]),
        "version": str(ds.published_version.number) if ds.published_version else None,
        "author": ds.organisation.name,
        "author_email": ds.organisation.email or None,
        "maintainer": ds.contact_name or None,
        "maintainer_email": ds.contact_email or None,
        "license_id": ds.licence,
        "license_title": Licence(ds.licence).label if ds.licence in Licence.values else ds.licence,
        "license_url": licence_url,
        "isopen": bool(licence_url),
        "metadata_created": ckan_time(ds.created_at),
        "metadata_modified": ckan_time(ds.modified_at),
        "creator_user_id": None,
        "owner_org": make_id(KIND_ORGANISATION, ds.organisation_id),
        "organization": organisation_dict(ds.organisation),
        "groups": [group_dict(ds.topic)] if ds.topic else [],
        "tags": tags,
        "extras": _extras(ds),
        "resources": resources,
        "num_resources": len(resources),
        "num_tags": len(tags),
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }


# --- parameters --------------------------------------------------------------------------------


def natural(params: Mapping, name: str, default: int, maximum: int | None = None) -> int:
    """A natural-number parameter (CKAN answers a bad one with a Validation Error); values over
    `maximum` are capped silently, as CKAN caps `rows`."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise validation_error(name, "Invalid integer") from None
    if value < 0:
        raise validation_error(name, "Must be a natural number")
    return min(value, maximum) if maximum is not None else value


def _json_param(params: Mapping, name: str, default: Any) -> Any:
    raw = params.get(name, default)
    if isinstance(raw, str) and raw.strip()[:1] in ("[", "{"):
        try:
            return json.loads(raw)
        except ValueError:
            raise validation_error(name, "Invalid JSON") from None
    return raw


def _text(params: Mapping, name: str) -> str:
    raw = params.get(name)
    if raw is None:
        return ""
    if isinstance(raw, list):
        raw = " ".join(str(v) for v in raw)
    return str(raw)[:QUERY_MAX_CHARS]


# --- package_search: a Solr subset ---------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""\s*(?:
      \+?(?P<neg>[-!])?(?P<field>[A-Za-z_][\w.]*):
        (?:"(?P<quoted>[^"]*)"|\[(?P<range>[^\]]*)\]|\((?P<group>[^)]*)\)|(?P<bare>[^\s()]+))
      | (?P<op>OR|AND|NOT|\|\||&&)(?=\s|$)
      | (?P<paren>[()])
      | "(?P<phrase>[^"]*)"
      | (?P<word>[^\s()]+)
    )""",
    re.VERBOSE,
)


def _parse_time(text: str) -> dt.datetime | None:
    text = text.strip()
    if text in ("*", ""):
        return None
    if text.upper().startswith("NOW"):
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise search_query_error(f"cannot read the date {text[:40]!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _range_condition(column: str, text: str) -> Q:
    parts = text.split(" TO ")
    if len(parts) != 2:
        raise search_query_error("a range is written [FROM TO UNTIL]")
    low, high = _parse_time(parts[0]), _parse_time(parts[1])
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{column}__gte": low})
    if high is not None:
        condition &= Q(**{f"{column}__lte": high})
    return condition


def _format_condition(value: str) -> Q:
    wanted = value.strip().lower()
    labels = {key: label.lower() for key, label, _media in _formats()}
    for key, label in labels.items():
        if wanted in (key, label):
            # Every published version offers every format but GeoJSON (spatial ones only).
            return Q(is_spatial=True) if key == "geojson" else Q(published_version__isnull=False)
    return Q(pk__in=[])


def _field_condition(field: str, value: str) -> Q:
    """One `field:value` term as a condition on the public datasets."""
    field = field.lower()
    if field in ("organization", "organization_name"):
        return Q(organisation__slug=value)
    if field == "owner_org":
        parsed = parse_id(value, KIND_ORGANISATION)
        return Q(organisation_id=parsed[0]) if parsed else Q(organisation__slug=value)
    if field in ("groups", "group"):
        return Q(topic__slug=value)
    if field in ("tags", "tag"):
        return Q(tags__name=value)
    if field == "res_format":
        return _format_condition(value)
    if field == "license_id":
        return Q(licence=value)
    if field == "name":
        return Q(slug=value)
    if field == "id":
        parsed = parse_id(value, KIND_DATASET)
        return Q(pk=parsed[0]) if parsed else Q(pk__in=[])
    if field in ("type", "dataset_type"):
        return Q() if value == "dataset" else Q(pk__in=[])
    if field in ("title", "text", "notes"):
        return _words_condition(value)
    if field == "extras_satudata_classification":
        return Q(classification=value)
    if field in ("metadata_modified", "metadata_created", "capacity", "state", "site_id"):
        # Everything served is public and active; a plain value on a date field matches nothing.
        return Q() if value in ("public", "active", "*") else Q(pk__in=[])
    raise search_query_error(f"unknown field {field[:40]!r}")


def _words_condition(text: str) -> Q:
    from satudata.catalog.search import query_terms, text_filter

    terms = query_terms(text)
    return text_filter(terms) if terms else Q()


def _term(match: re.Match) -> tuple[bool, Q]:
    """(negated, condition) of one token that is a term."""
    field = match.group("field")
    if field:
        if match.group("range") is not None:
            column = {"metadata_modified": "modified_at", "metadata_created": "created_at"}.get(
                field.lower()
            )
            if column is None:
                raise search_query_error(f"ranges work on metadata_modified, not {field[:40]!r}")
            return bool(match.group("neg")), _range_condition(column, match.group("range"))
        if match.group("group") is not None:
            values = [v.strip('"') for v in match.group("group").split() if v not in ("OR",)]
            condition = Q(pk__in=[])
            for value in values:
                condition |= _field_condition(field, value)
            return bool(match.group("neg")), condition
        value = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
        if value == "*":
            return bool(match.group("neg")), Q()
        return bool(match.group("neg")), _field_condition(field, value)
    text = match.group("phrase") if match.group("phrase") is not None else match.group("word")
    if text in ("*:*", "*"):
        return False, Q()
    return False, _words_condition(text)


def solr_condition(expression: str) -> Q:
    """A condition from a Solr-like `q`/`fq`: terms are ANDed, `OR` joins its neighbours."""
    expression = expression.strip()
    if not expression or expression == "*:*":
        return Q()
    groups: list[Q] = []
    pending_or = False
    negate_next = False
    position = 0
    while position < len(expression):
        match = _TOKEN_RE.match(expression, position)
        if match is None or match.end() == position:
            raise search_query_error("cannot read the query")
        position = match.end()
        op = match.group("op")
        if op in ("OR", "||"):
            pending_or = True
            continue
        if op in ("AND", "&&") or match.group("paren"):
            continue
        if op == "NOT":
            negate_next = True
            continue
        negated, condition = _term(match)
        if negated or negate_next:
            condition = ~condition
            negate_next = False
        if pending_or and groups:
            groups[-1] = groups[-1] | condition
        else:
            groups.append(condition)
        pending_or = False
    result = Q()
    for condition in groups:
        result &= condition
    return result


_SORT_FIELDS = {
    "id": "pk",
    "name": "slug",
    "title_string": "title",
    "title": "title",
    "metadata_modified": "modified_at",
    "metadata_created": "created_at",
}


def sort_order(text: str) -> list[str]:
    order: list[str] = []
    for part in (text or "").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise search_query_error(f"cannot sort by {part.strip()[:60]!r}")
        name = words[0].lower()
        if name == "score":
            continue
        if name not in _SORT_FIELDS:
            raise search_query_error(f"cannot sort by {name[:40]!r}")
        descending = len(words) == 2 and words[1].lower() == "desc"
        order.append(("-" if descending else "") + _SORT_FIELDS[name])
    if not order:
        order = ["-modified_at"]
    # A unique last key keeps pages stable (the harvester pages with start/rows).
    return [*order, "-pk" if order[-1].startswith("-") else "pk"]


_FACET_COLUMNS = {
    "organization": ("organisation__slug", "organisation__name"),
    "groups": ("topic__slug", "topic__name"),
    "tags": ("tags__name", "tags__name"),
    "license_id": ("licence", "licence"),
}


def _facet_counts(qs: QuerySet, field: str, limit: int) -> dict[str, tuple[str, int]]:
    """name -> (display name, count) for one facet field over the result set."""
    base = Dataset.objects.filter(pk__in=qs.values("pk"))
    if field == "res_format":
        published = base.filter(published_version__isnull=False)
        total, spatial = published.count(), published.filter(is_spatial=True).count()
        found = {label: (label, total) for key, label, _m in _formats() if key != "geojson"}
        if spatial:
            found["GeoJSON"] = ("GeoJSON", spatial)
        return dict(list(found.items())[:limit]) if total else {}
    if field not in _FACET_COLUMNS:
        return {}
    key, label = _FACET_COLUMNS[field]
    columns = [key] if key == label else [key, label]
    grouped = (
        base.filter(**{f"{key}__isnull": False})
        .values(*columns)
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", key)
    )
    return {row[key]: (row[label], row["n"]) for row in grouped[:limit]}


def package_search(params: Mapping, base_url: str) -> dict[str, Any]:
    rows = natural(params, "rows", ROWS_DEFAULT, ROWS_MAX)
    start = natural(params, "start", 0)
    condition = solr_condition(_text(params, "q"))
    fq = params.get("fq_list") or []
    fq = [fq] if isinstance(fq, str) else list(fq)
    for item in [params.get("fq") or "", *fq]:
        condition &= solr_condition(str(item)[:QUERY_MAX_CHARS])
    order = sort_order(_text(params, "sort"))
    matching = public_datasets().filter(condition).distinct()
    count = matching.count()
    page = list(_with_relations(matching.order_by(*order))[start : start + rows]) if rows else []
    facet_fields = _json_param(params, "facet.field", [])
    if isinstance(facet_fields, str):
        facet_fields = [facet_fields]
    if not isinstance(facet_fields, list):
        raise validation_error("facet.field", "Must be a list of field names")
    limit = natural(params, "facet.limit", FACET_LIMIT_DEFAULT, LIST_LIMIT_MAX)
    facets, search_facets = {}, {}
    for field in [str(f) for f in facet_fields][:10]:
        counts = _facet_counts(matching, field, limit)
        facets[field] = {name: n for name, (_label, n) in counts.items()}
        search_facets[field] = {
            "title": field,
            "items": [
                {"name": name, "display_name": label, "count": n}
                for name, (label, n) in counts.items()
            ],
        }
    return {
        "count": count,
        "results": [package_dict(ds, base_url) for ds in page],
        "facets": facets,
        "search_facets": search_facets,
        "sort": _text(params, "sort") or "score desc, metadata_modified desc",
    }


# --- the other catalogue actions ---------------------------------------------------------------


def status_show(params: Mapping, base_url: str) -> dict[str, Any]:
    return {
        "site_title": settings.SATUDATA_SITE_NAME,
        "site_description": "Satu Data",
        "site_url": base_url,
        "error_emails_to": None,
        "locale_default": settings.LANGUAGE_CODE,
        "extensions": ["datastore", "dcat"],
        "ckan_version": CKAN_VERSION,
    }


def package_list(params: Mapping, base_url: str) -> list[str]:
    limit = natural(params, "limit", LIST_LIMIT_MAX * 100)
    offset = natural(params, "offset", 0)
    names = public_datasets().order_by("slug").values_list("slug", flat=True)
    return list(names[offset : offset + limit])


def package_show(params: Mapping, base_url: str) -> dict[str, Any]:
    ds = dataset_by_name_or_id(params.get("id") or params.get("name_or_id"))
    return package_dict(ds, base_url)


def current_package_list_with_resources(params: Mapping, base_url: str) -> list[dict]:
    limit = natural(params, "limit", ROWS_DEFAULT, ROWS_MAX)
    offset = natural(params, "offset", 0)
    page = natural(params, "page", 0)
    if page:
        offset = (page - 1) * limit
    result = package_search(
        {"rows": limit, "start": offset, "sort": "metadata_modified desc"}, base_url
    )
    return result["results"]


def _organisations() -> QuerySet:
    from satudata.accounts.models import Organisation

    return Organisation.objects.visible_to(AnonymousUser())


def _public_counts(field: str) -> dict[Any, int]:
    rows = public_datasets().values(field).annotate(n=Count("pk")).order_by()
    return {row[field]: row["n"] for row in rows}


def _owner_list(params: Mapping, qs: QuerySet, dictize: Callable, counts_field: str) -> list:
    all_fields = str(params.get("all_fields", "")).lower() in ("true", "1", "yes")
    limit = natural(params, "limit", 25 if all_fields else LIST_LIMIT_MAX, LIST_LIMIT_MAX)
    offset = natural(params, "offset", 0)
    q = _text(params, "q").strip()
    if q:
        qs = qs.filter(Q(slug__icontains=q) | Q(name__icontains=q))
    sort = _text(params, "sort").strip().lower() or "title asc"
    counts = _public_counts(counts_field)
    items = list(qs)
    key, _sep, direction = sort.partition(" ")
    reverse_order = direction == "desc"
    if key == "package_count":
        items.sort(key=lambda o: counts.get(o.pk, 0), reverse=reverse_order)
    elif key == "name":
        items.sort(key=lambda o: o.slug, reverse=reverse_order)
    else:
        items.sort(key=lambda o: o.name.lower(), reverse=reverse_order)
    items = items[offset : offset + limit]
    if all_fields:
        return [dictize(o, counts.get(o.pk, 0)) for o in items]
    return [o.slug for o in items]


def organization_list(params: Mapping, base_url: str) -> list:
    return _owner_list(params, _organisations(), organisation_dict, "organisation_id")


def group_list(params: Mapping, base_url: str) -> list:
    return _owner_list(params, Topic.objects.visible_to(AnonymousUser()), group_dict, "topic_id")


def _owner_show(
    params: Mapping, base_url: str, qs: QuerySet, kind: int, dictize: Callable, field: str, what
):
    value = str(params.get("id") or "").strip()
    if not value:
        raise validation_error("id", "Missing value")
    parsed = parse_id(value, kind)
    found = qs.filter(Q(pk=parsed[0]) if parsed else Q(slug=value[:200])).first()
    if found is None:
        raise not_found(f"{what} was not found")
    datasets = public_datasets().filter(**{field: found.pk})
    result = dictize(found, datasets.count())
    result["extras"], result["users"], result["groups"] = [], [], []
    if str(params.get("include_datasets", "")).lower() in ("true", "1"):
        page = _with_relations(datasets.order_by("-modified_at"))[:ROWS_MAX]
        result["packages"] = [package_dict(ds, base_url) for ds in page]
    return result


def organization_show(params: Mapping, base_url: str) -> dict:
    qs = _organisations()
    return _owner_show(
        params,
        base_url,
        qs,
        KIND_ORGANISATION,
        organisation_dict,
        "organisation_id",
        "Organization",
    )


def group_show(params: Mapping, base_url: str) -> dict:
    qs = Topic.objects.visible_to(AnonymousUser())
    return _owner_show(params, base_url, qs, KIND_GROUP, group_dict, "topic_id", "Group")


def tag_list(params: Mapping, base_url: str) -> list:
    from satudata.catalog.models import Tag

    tags = Tag.objects.filter(datasets__in=public_datasets().values("pk")).distinct()
    query = _text(params, "query").strip() or _text(params, "q").strip()
    if query:
        tags = tags.filter(name__icontains=query)
    names = list(tags.order_by("name").values_list("name", flat=True))
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [{"id": tag_id(n), "name": n, "vocabulary_id": None} for n in names]
    return names


def _resource_dataset(params: Mapping, name: str = "id") -> tuple[Dataset, int]:
    value = params.get(name) or params.get("id")
    if not value:
        raise validation_error(name, "Missing value")
    parsed = parse_id(value, KIND_RESOURCE)
    if parsed is None:
        raise not_found("Resource was not found.")
    pk, index = parsed
    found = _with_relations(public_datasets()).filter(pk=pk).first()
    if found is None:
        if Dataset.objects.filter(pk=pk).exists():
            raise not_authorized("User not authorized to read resource")
        raise not_found("Resource was not found.")
    return found, index


def resource_show(params: Mapping, base_url: str) -> dict:
    ds, index = _resource_dataset(params)
    wanted = make_id(KIND_RESOURCE, ds.pk, index)
    for resource in resources_for(ds, base_url):
        if resource["id"] == wanted:
            return resource
    raise not_found("Resource was not found.")


# --- datastore_search over the published version's Parquet -----------------------------------

_DATASTORE_TYPES = {
    "integer": "int",
    "year": "int",
    "number": "numeric",
    "date": "date",
    "datetime": "timestamp",
    "boolean": "bool",
}
_CASTS = {
    "int": "BIGINT",
    "numeric": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _list_param(value: Any, name: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = _json_param({name: value}, name, value)
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise validation_error(name, "Must be a list of column names")


class _Datastore:
    """SQL over one version's Parquet: identifiers checked against the Table Schema, values
    bound as parameters."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.fields = schema_fields(version)
        self.types = {
            f["name"]: _DATASTORE_TYPES.get(f.get("type", ""), "text") for f in self.fields
        }
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def column(self, name: Any, param: str) -> str:
        if not isinstance(name, str) or name not in self.types:
            raise validation_error(param, f"field {str(name)[:60]!r} not in resource")
        return engine.quote_identifier(name)

    def value_sql(self, name: str) -> str:
        cast = _CASTS.get(self.types[name])
        return f"TRY_CAST(? AS {cast})" if cast else "CAST(? AS VARCHAR)"

    def add_filters(self, filters: Any) -> None:
        if filters in (None, ""):
            return
        if not isinstance(filters, dict):
            raise validation_error("filters", "Must be a JSON object")
        for name, wanted in filters.items():
            column = self.column(name, "filters")
            values = wanted if isinstance(wanted, list) else [wanted]
            if not values or any(isinstance(v, dict | list) for v in values):
                raise validation_error("filters", f"bad value for {name[:60]!r}")
            alternatives = []
            for value in values[:1000]:
                alternatives.append(f"{column} = {self.value_sql(name)}")
                self.params.append(None if value is None else str(value))
            self.conditions.append("(" + " OR ".join(alternatives) + ")")

    def add_text(self, q: Any) -> None:
        if q in (None, ""):
            return
        if isinstance(q, dict):
            pairs = [(self.column(k, "q"), str(v)) for k, v in q.items()]
            for column, text in pairs:
                self.conditions.append(f"CAST({column} AS VARCHAR) ILIKE ? ESCAPE '\\'")
                self.params.append(_like(text[:200]))
            return
        columns = [engine.quote_identifier(n) for n in self.types]
        if not columns:
            return
        for word in str(q).split()[:10]:
            self.conditions.append(
                "("
                + " OR ".join(f"CAST({c} AS VARCHAR) ILIKE ? ESCAPE '\\'" for c in columns)
                + ")"
            )
            self.params.extend([_like(word[:200])] * len(columns))

    def order(self, sort: Any) -> str:
        parts = []
        for part in str(sort or "").split(",")[:10]:
            words = part.split()
            if not words:
                continue
            if len(words) > 4:
                raise validation_error("sort", "cannot read the sort")
            name = words[0].strip('"')
            column = "_id" if name == "_id" else self.column(name, "sort")
            direction = " ".join(words[1:]).lower()
            if direction not in (
                "",
                "asc",
                "desc",
                "asc nulls last",
                "desc nulls last",
                "asc nulls first",
                "desc nulls first",
            ):
                raise validation_error("sort", f"cannot sort {direction[:40]!r}")
            parts.append(f"{column} {direction.upper()}".strip())
        parts.append("_id")
        return ", ".join(parts)

    def where(self) -> str:
        return " WHERE " + " AND ".join(self.conditions) if self.conditions else ""


def _published_version(ds: Dataset) -> Version:
    version = Version.objects.visible_to(AnonymousUser()).filter(pk=ds.published_version_id).first()
    if version is None or not version.parquet_sha256:
        raise not_found("Resource was not found.")
    return version


def _cell(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def datastore_search(params: Mapping, base_url: str) -> dict[str, Any]:
    ds, _index = _resource_dataset(params, "resource_id")
    version = _published_version(ds)
    store = _Datastore(version)
    limit = natural(params, "limit", DATASTORE_LIMIT_DEFAULT, DATASTORE_LIMIT_MAX)
    offset = natural(params, "offset", 0)
    store.add_filters(_json_param(params, "filters", None))
    q = _json_param(params, "q", None)
    store.add_text(q)
    names = _list_param(params.get("fields"), "fields") or list(store.types)
    columns = [store.column(n, "fields") for n in names if n != "_id"]
    order = store.order(params.get("sort"))
    path = str(parquet_path(version))
    # Only quoted, schema-checked identifiers and fixed keywords are written into the SQL text;
    # every value (the file path included) is a bound parameter.
    inner = (
        "SELECT file_row_number + 1 AS _id, * EXCLUDE (file_row_number) "
        "FROM read_parquet(?, file_row_number = true)"
    )
    where = store.where()
    con = engine.connect()
    try:
        total = con.execute(
            f"SELECT count(*) FROM ({inner}){where}",  # noqa: S608 (see above)
            [path, *store.params],
        ).fetchone()[0]
        records: list[dict] = []
        if limit:
            select = ", ".join(["_id", *columns])
            sql = f"SELECT {select} FROM ({inner}){where} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608
            cursor = con.execute(sql, [path, *store.params, limit, offset])
            keys = ["_id", *[n for n in names if n != "_id"]]
            records = [dict(zip(keys, map(_cell, row), strict=True)) for row in cursor.fetchall()]
    except duckdb.Error as error:
        raise validation_error("query", str(error).splitlines()[0][:200]) from None
    finally:
        con.close()
    fields = [{"id": "_id", "type": "int"}] + [
        {
            "id": f["name"],
            "type": store.types[f["name"]],
            "info": {"label": f.get("title", ""), "notes": f.get("description", "")},
        }
        for f in store.fields
        if f["name"] in names
    ]
    resource_id = make_id(KIND_RESOURCE, ds.pk, _index)
    action = "/api/3/action/datastore_search"
    result: dict[str, Any] = {
        "resource_id": resource_id,
        "fields": fields,
        "records": records,
        "total": total,
        "limit": limit,
        "offset": offset,
        "include_total": True,
        "records_format": "objects",
        "_links": {
            "start": f"{action}?resource_id={resource_id}&limit={limit}",
            "next": f"{action}?resource_id={resource_id}&limit={limit}&offset={offset + limit}",
        },
    }
    if params.get("filters"):
        result["filters"] = _json_param(params, "filters", None)
    if q:
        result["q"] = q
    if params.get("sort"):
        result["sort"] = str(params.get("sort"))
    return result


ACTIONS: dict[str, Callable[[Mapping, str], Any]] = {
    "status_show": status_show,
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "current_package_list_with_resources": current_package_list_with_resources,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
}
