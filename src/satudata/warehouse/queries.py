"""Read helpers for the warehouse, always through the permission layer.

Queries run on DuckDB over a version's immutable Parquet file. User input (sort column, page)
never reaches SQL as text: the sort column must be one of the schema's fields and is quoted as an
identifier, the direction is one of two keywords, and numbers are bound as parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.core import blobs
from satudata.core.permissions import actor_for
from satudata.warehouse import engine
from satudata.warehouse.models import Version

PAGE_SIZE_MAX = 100
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


@dataclass
class PreviewPage:
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    total: int
    page: int
    page_size: int
    sort: str | None = None
    descending: bool = False
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.page_size)) if self.page_size else 1

    @property
    def headers(self) -> list[dict[str, Any]]:
        """What the table header needs: name, type label, sort state and the next direction."""
        found = []
        for column in self.columns:
            name = column["name"]
            sorted_here = name == self.sort
            found.append(
                {
                    "name": name,
                    "type": column.get("type", "string"),
                    "type_label": TYPE_LABELS.get(column.get("type", "string"), ""),
                    "code_like": bool(column.get("codeLike")),
                    "sorted": sorted_here,
                    "aria_sort": (
                        ("descending" if self.descending else "ascending") if sorted_here else ""
                    ),
                    # A click on the sorted column flips it; on another column sorts ascending.
                    "next_desc": "1" if sorted_here and not self.descending else "0",
                    "numeric": column.get("type") in NUMERIC_TYPES,
                }
            )
        return found

    @property
    def table_rows(self) -> list[list[dict[str, Any]]]:
        """Cells ready for display: long text (e.g. GeoJSON geometry) is shortened on screen;
        the downloads always carry the full value."""
        numeric = [column.get("type") in NUMERIC_TYPES for column in self.columns]
        return [
            [
                _display_cell(value, is_number)
                for value, is_number in zip(row, numeric, strict=False)
            ]
            for row in self.rows
        ]

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.page * self.page_size)


def _display_cell(value: Any, numeric: bool) -> dict[str, Any]:
    truncated = isinstance(value, str) and len(value) > PREVIEW_CELL_MAX_CHARS
    if truncated:
        value = value[:PREVIEW_CELL_MAX_CHARS] + "…"
    return {
        "value": value,
        "null": value is None,
        "numeric": numeric,
        "boolean": isinstance(value, bool),
        "truncated": truncated,
        "long": isinstance(value, str) and len(value) > PREVIEW_SHORT_CELL_CHARS,
    }


def schema_fields(version: Version) -> list[dict[str, Any]]:
    schema = version.table_schema or {}
    return [f for f in schema.get("fields", []) if isinstance(f, dict) and f.get("name")]


def parquet_path(version: Version):
    return blobs.blob_path(version.parquet_sha256)


def _clamp(value: Any, low: int, high: int, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def preview_page(
    version: Version,
    *,
    page: Any = 1,
    page_size: Any = None,
    sort: str | None = None,
    descending: bool = False,
) -> PreviewPage:
    """One page of a version's rows, optionally sorted by one column."""
    fields = schema_fields(version)
    names = [f["name"] for f in fields]
    default_size = int(settings.SATUDATA_PREVIEW_PAGE_SIZE)
    size = _clamp(page_size, 1, PAGE_SIZE_MAX, default_size)
    total = int(version.row_count)
    pages = max(1, math.ceil(total / size))
    number = _clamp(page, 1, pages, 1)
    sort_name = sort if sort in names else None
    descending = bool(descending) and sort_name is not None
    if not names or not version.parquet_sha256:
        return PreviewPage([], [], 0, 1, size)
    selected = ", ".join(engine.quote_identifier(name) for name in names)
    # The position in the file is the default order and breaks ties when sorting, so paging
    # through equal values is stable (unless a column has that very name).
    position = ROW_POSITION if ROW_POSITION not in names else None
    keys = []
    if sort_name is not None:
        direction = "DESC" if descending else "ASC"
        keys.append(f"{engine.quote_identifier(sort_name)} {direction} NULLS LAST")
    if position:
        keys.append(position)
    order = f"ORDER BY {', '.join(keys)}" if keys else ""
    con = engine.connect()
    try:
        rows = con.execute(
            f"SELECT {selected} FROM read_parquet(?, file_row_number = {bool(position)}) "  # noqa: S608
            f"{order} LIMIT ? OFFSET ?",
            [str(parquet_path(version)), size, (number - 1) * size],
        ).fetchall()
    finally:
        con.close()
    return PreviewPage(
        columns=fields,
        rows=[list(row) for row in rows],
        total=total,
        page=number,
        page_size=size,
        sort=sort_name,
        descending=descending,
    )


def versions_for(user, dataset) -> list[Version]:
    """The dataset's versions this user may see, newest first."""
    return list(Version.objects.visible_to(user).filter(dataset_id=dataset.pk).order_by("-number"))


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


def data_panel(request: HttpRequest, dataset) -> dict[str, Any]:
    """Context for `{% include "warehouse/_data_panel.html" %}` on the dataset page."""
    from satudata.catalog.models import Dataset

    user = request.user
    actor = actor_for(user)
    version = version_to_show(user, dataset)
    can_upload = Dataset.objects.editable_by(actor).filter(pk=dataset.pk).exists()
    preview = None
    if version is not None:
        preview = preview_page(
            version,
            page=request.GET.get("page", 1),
            sort=request.GET.get("sort"),
            descending=request.GET.get("desc") == "1",
        )
    versions = versions_for(user, dataset) if (can_upload or actor.oversees_all) else []
    panel = {
        "dataset": dataset,
        "version": version,
        "is_draft": version is not None and version.pk != dataset.published_version_id,
        "public_version": public_version(user, dataset),
        "preview": preview,
        "preview_url": reverse("warehouse:preview", args=[dataset.slug]),
        "versions": versions,
        "can_upload": can_upload,
        "can_publish": actor.is_walidata,
        "upload_url": reverse("warehouse:upload", args=[dataset.slug]),
    }
    return {"panel": panel}
