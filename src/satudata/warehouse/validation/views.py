"""The validation report of a version: page, JSON, "rows to fix" downloads, acknowledgement.

Visible to whoever may see the version (`Version.objects.visible_to`): the public for published
versions, the agency and walidata for drafts. Hidden → 404, never 403.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from satudata.catalog.models import Dataset
from satudata.core import blobs
from satudata.core.errors import NotFound, PermissionDenied
from satudata.core.permissions import actor_for
from satudata.warehouse.models import Version
from satudata.warehouse.validation import pages


def _version(request: HttpRequest, slug: str, number: int) -> Version:
    dataset = Dataset.objects.visible_to(request.user).filter(slug=slug).first()
    if dataset is None:
        raise Http404(_("Dataset not found."))
    version = (
        Version.objects.visible_to(request.user)
        .select_related("dataset", "dataset__organisation", "warnings_acknowledged_by")
        .filter(dataset=dataset, number=number)
        .first()
    )
    if version is None:
        raise Http404(_("Version not found."))
    return version


def _filters(request: HttpRequest, version: Version, path: Path | None) -> pages.Filters:
    stats = (version.report or {}).get("stats", {})
    kinds = set(stats.get("error_types", {})) | set(stats.get("warning_types", {}))
    fields = set(pages.issue_columns(path)) if path else set()
    return pages.Filters.from_query(request.GET, kinds=kinds, fields=fields)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("halaman", 1)))
    except (TypeError, ValueError):
        return 1


def _review_url(version: Version) -> str | None:
    try:
        return reverse("workflow:review", args=[version.dataset.slug, version.number])
    except NoReverseMatch:
        return None


@require_GET
def report(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(request, slug, number)
    path = pages.issues_path(version)
    filters = _filters(request, version, path)
    table = pages.issue_page(path, filters, _page_number(request)) if path else None
    base = reverse("warehouse:report", args=[slug, number])
    query = filters.as_query()

    def page_link(page: int) -> str:
        return f"{base}?{urlencode({**query, 'halaman': page})}"

    who = actor_for(request.user)
    groups = pages.problem_groups(version.report or {})
    context = {
        "dataset": version.dataset,
        "version": version,
        "report": version.report or {},
        "groups": groups,
        "error_groups": [g for g in groups if g["severity"] == pages.ERROR],
        "warning_groups": [g for g in groups if g["severity"] == pages.WARNING],
        "header_problems": [item for g in groups for item in g["items"] if item.get("row") is None],
        "table": table,
        "filters": filters,
        "filter_query": urlencode(query),
        "kinds": [(g["type"], g["title"]) for g in groups],
        "fields": pages.issue_columns(path) if path else [],
        "previous_link": page_link(table["page"] - 1) if table and table["page"] > 1 else None,
        "next_link": (
            page_link(table["page"] + 1) if table and table["page"] < table["pages"] else None
        ),
        # Acknowledging only makes sense for a version that could be published.
        "can_acknowledge": (
            who.is_walidata
            and version.error_count == 0
            and version.warning_count > 0
            and version.warnings_acknowledged_at is None
        ),
        "review_url": _review_url(version) if who.is_authenticated else None,
        "json_url": reverse("warehouse:report_json", args=[slug, number]),
    }
    return render(request, "warehouse/report.html", context)


@require_GET
def report_json(request: HttpRequest, slug: str, number: int) -> JsonResponse:
    version = _version(request, slug, number)
    return JsonResponse(pages.report_json(version), json_dumps_params={"ensure_ascii": False})


@require_GET
def report_rows(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """The rows with problems as CSV or XLSX, to fix in a spreadsheet and upload again."""
    if fmt not in pages.ROW_WRITERS:
        raise Http404(_("Unknown download format."))
    version = _version(request, slug, number)
    path = pages.issues_path(version)
    if path is None:
        raise Http404(_("This version has no rows with problems."))
    writer, content_type = pages.ROW_WRITERS[fmt]
    fd, name = tempfile.mkstemp(
        prefix="issues-", suffix=f".{fmt}", dir=blobs.default_store().tmp_dir
    )
    os.close(fd)
    target = Path(name)
    try:
        writer(path, _filters(request, version, path), target)
        handle = target.open("rb")
    finally:
        target.unlink(missing_ok=True)  # the open handle keeps the bytes while they stream
    filename = f"{version.dataset.slug}-v{version.number}-{_('rows-to-fix')}.{fmt}"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@login_required
@require_POST
def acknowledge(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    from satudata.warehouse import services

    version = _version(request, slug, number)
    try:
        services.acknowledge_warnings(request.user, version)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound:
        raise Http404(_("Version not found.")) from None
    messages.success(
        request,
        _("The warnings of version %(number)d are acknowledged; it may be published.")
        % {"number": version.number},
    )
    return redirect(reverse("warehouse:report", args=[slug, number]))
