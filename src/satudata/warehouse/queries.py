"""Read helpers for the warehouse, always through the permission layer.

Queries run on DuckDB over a version's immutable Parquet file (the data view's query builder is
in dataview.py, version comparison in versions.py); their answers are cached by the Parquet
sha256 (`cached_query`). This module also assembles the dataset page's data panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.core import blobs
from satudata.core.permissions import actor_for
from satudata.warehouse.models import Version

# Longer text cells are shortened in the on-screen table (not in downloads).
PREVIEW_CELL_MAX_CHARS = 200
# Text up to this length stays on one line in the table; longer text wraps in a bounded column.
PREVIEW_SHORT_CELL_CHARS = 40
NUMERIC_TYPES = frozenset({"integer", "number", "year"})
TYPE_LABELS = {
    "string": _("text"),
    "integer": _("integer"),
    "number": _("number"),
    "year": _("year"),
    "date": _("date"),
    "boolean": _("yes/no"),
}
ROW_POSITION = "file_row_number"  # the column DuckDB's read_parquet adds on request
# Query results over immutable versions may be kept for a long time; the bound only keeps the
# cache from holding answers for versions nobody looks at any more.
QUERY_CACHE_TIMEOUT_S = 7 * 24 * 3600
QUERY_CACHE_PREFIX = "satudata:wh:1:"
T = TypeVar("T")


def _cache_key(parts: tuple) -> str:
    return QUERY_CACHE_PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


def cache_get(parts: tuple) -> Any:
    """A cached query answer, or None."""
    return cache.get(_cache_key(parts))


def cache_set(parts: tuple, value: Any) -> None:
    cache.set(_cache_key(parts), value, QUERY_CACHE_TIMEOUT_S)


def cached_query(parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, cached under `parts` — which must start with what identifies the data (the
    Parquet sha256 of the version(s)): versions are immutable, so an answer never goes stale."""
    found = cache_get(parts)
    if found is not None:
        return found
    value = compute()
    cache_set(parts, value)
    return value


def schema_fields(version: Version) -> list[dict[str, Any]]:
    schema = version.table_schema or {}
    return [f for f in schema.get("fields", []) if isinstance(f, dict) and f.get("name")]


def parquet_path(version: Version):
    return blobs.blob_path(version.parquet_sha256)


def versions_for(user, dataset) -> list[Version]:
    """The dataset's versions this user may see, newest first."""
    return list(
        Version.objects.visible_to(user)
        .filter(dataset_id=dataset.pk)
        .select_related("created_by")
        .order_by("-number")
    )


def version_to_show(user, dataset) -> Version | None:
    """The public version for the public; the newest version (maybe a draft) for those who may
    see drafts (the dataset's editors, walidata, pembina, pimpinan)."""
    if _sees_drafts(user, dataset):
        visible = Version.objects.visible_to(user).filter(dataset_id=dataset.pk)
        return visible.order_by("-number").first()
    return public_version(user, dataset)


def _sees_drafts(user, dataset) -> bool:
    from satudata.catalog.models import Dataset

    actor = actor_for(user)
    if actor.oversees_all:
        return True
    return Dataset.objects.editable_by(actor).filter(pk=dataset.pk).exists()


def public_version(user, dataset) -> Version | None:
    """The dataset's current public version, if this user may see it."""
    if not dataset.published_version_id:
        return None
    return Version.objects.visible_to(user).filter(pk=dataset.published_version_id).first()


def _data_view(request: HttpRequest, version: Version | None) -> tuple[Any, str]:
    """The data view page for the panel, and the message when the filters were not usable (the
    unfiltered first page is shown then)."""
    from satudata.core.errors import ValidationFailed
    from satudata.warehouse.dataview import DataQuery, data_page, parse_query

    if version is None:
        return None, ""
    try:
        query = parse_query(version, request.GET)
    except ValidationFailed as exc:
        return data_page(version, DataQuery(page_size=_default_page_size())), exc.message
    return data_page(version, query), ""


def _default_page_size() -> int:
    return int(settings.SATUDATA_PREVIEW_PAGE_SIZE)


def data_panel(request: HttpRequest, dataset) -> dict[str, Any]:
    """Context for `{% include "warehouse/_data_panel.html" %}` on the dataset page."""
    from satudata.catalog.models import Dataset
    from satudata.warehouse.exports import formats_for, formats_withheld
    from satudata.warehouse.exports.xlsx import xlsx_max_rows
    from satudata.workflow.queries import workflow_panel

    user = request.user
    actor = actor_for(user)
    version = version_to_show(user, dataset)
    can_upload = Dataset.objects.editable_by(actor).filter(pk=dataset.pk).exists()
    view, view_error = _data_view(request, version)
    versions = versions_for(user, dataset)
    published = public_version(user, dataset)
    panel = {
        "dataset": dataset,
        "version": version,
        "is_draft": version is not None and version.pk != dataset.published_version_id,
        "public_version": published,
        "view": view,
        "view_error": view_error,
        "preview_url": reverse("warehouse:preview", args=[dataset.slug]),
        "stats_url": reverse("warehouse:data_stats", args=[dataset.slug]),
        "compare_url": reverse("warehouse:version_compare", args=[dataset.slug]),
        "formats": formats_for(version) if version is not None else [],
        "formats_withheld": formats_withheld(version) if version is not None else [],
        "xlsx_max_rows": xlsx_max_rows(),
        "versions": versions,
        "newest_number": versions[0].number if versions else None,
        # Who made a version is shown to those who see the drafts; the public sees the agency.
        "show_authors": can_upload or actor.oversees_all,
        "can_upload": can_upload,
        "can_restore": can_upload,
        "can_publish": actor.is_walidata,
        "upload_url": reverse("warehouse:upload", args=[dataset.slug]),
        # Review state, submit/review buttons, review links (workflow app, issue 5).
        "workflow": workflow_panel(user, dataset, versions),
    }
    return {"panel": panel}
