"""Pages about a version's data: the data view (filters, sort, paging — an htmx partial or a
full page), column statistics, the comparison of two versions and restoring an old version.

Every lookup goes through `visible_to(request.user)`; a hidden dataset or version answers 404.
Bad query parameters (unknown columns, values that do not fit a column) answer 400 with the
message shown above the unfiltered table, never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.warehouse import comparisons, queries, services
from satudata.warehouse.dataview import DataQuery, column_stats, data_page, parse_query
from satudata.warehouse.models import Version
from satudata.warehouse.versions import (
    DIFF_KINDS,
    ComparisonPending,
    choose_key,
    compare_versions,
    inline_row_limit,
)

VERSION_NUMBER_MAX = 2**31 - 1


def _visible_dataset(request: HttpRequest, slug: str) -> Dataset:
    dataset = (
        Dataset.objects.visible_to(request.user)
        .select_related("organisation")
        .filter(slug=slug)
        .first()
    )
    if dataset is None:
        raise Http404(_("Dataset not found."))
    return dataset


def _number(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= VERSION_NUMBER_MAX else None


def _visible_version(request: HttpRequest, dataset: Dataset, value) -> Version:
    number = _number(value)
    version = None
    if number is not None:
        version = (
            Version.objects.visible_to(request.user)
            .filter(dataset=dataset, number=number)
            .select_related("created_by")
            .first()
        )
    if version is None:
        raise Http404(_("Version not found."))
    return version


def _version_from_request(request: HttpRequest, dataset: Dataset) -> Version:
    """`?v=<number>`, or the version the dataset page shows this user."""
    if request.GET.get("v"):
        return _visible_version(request, dataset, request.GET["v"])
    version = queries.version_to_show(request.user, dataset)
    if version is None:
        raise Http404(_("This dataset has no data yet."))
    return version


# --- data view ------------------------------------------------------------------------------


def render_data_view(request: HttpRequest, dataset: Dataset, version: Version) -> HttpResponse:
    """The data view of `version` (already permission-checked) under the request's query."""
    status, error = 200, ""
    try:
        query = parse_query(version, request.GET)
    except ValidationFailed as exc:
        status, error = 400, exc.message
        query = DataQuery(page_size=int(settings.SATUDATA_PREVIEW_PAGE_SIZE))
    context = {
        "dataset": dataset,
        "version": version,
        "view": data_page(version, query),
        "view_error": error,
        "preview_url": reverse("warehouse:preview", args=[dataset.slug]),
        "stats_url": reverse("warehouse:data_stats", args=[dataset.slug]),
    }
    template = "warehouse/_preview.html" if request.htmx else "warehouse/preview_page.html"
    return render(request, template, context, status=status)


@require_GET
def data_stats(request: HttpRequest, slug: str) -> HttpResponse:
    """Column statistics of a version (htmx partial, or a full page without JavaScript)."""
    dataset = _visible_dataset(request, slug)
    version = _version_from_request(request, dataset)
    context = {"dataset": dataset, "version": version, "stats": column_stats(version)}
    if request.htmx:
        return render(request, "warehouse/_data_view_stats.html", context)
    return render(request, "warehouse/version_stats.html", context)


# --- compare --------------------------------------------------------------------------------


def _default_pair(versions: list[Version]) -> tuple[Version | None, Version | None]:
    """The newest version and the one before it (versions are newest first)."""
    if len(versions) < 2:
        return None, versions[0] if versions else None
    return versions[1], versions[0]


COMPARE_POLL_MS = 1000


@require_GET
def version_compare(request: HttpRequest, slug: str) -> HttpResponse:
    """`?a=<older>&b=<newer>[&key=<column>][&show=changed|added|removed][&page=N]`.

    Large versions are compared in the background (comparisons.py): the page then shows the
    job's progress and polls (htmx, or a refresh without JavaScript) until the result is there.
    An htmx request gets only the result part of the page."""
    dataset = _visible_dataset(request, slug)
    versions = queries.versions_for(request.user, dataset)
    old, new = _default_pair(versions)
    if request.GET.get("a"):
        old = _visible_version(request, dataset, request.GET["a"])
    if request.GET.get("b"):
        new = _visible_version(request, dataset, request.GET["b"])
    key = [name for name in request.GET.getlist("key") if name]
    show = request.GET.get("show")
    context = {
        "dataset": dataset,
        "versions": versions,
        "old": old,
        "new": new,
        "key": key,
        "kinds": DIFF_KINDS,
        "diff": None,
        "pending": None,
        "poll_ms": COMPARE_POLL_MS,
        "error": "",
    }
    status = 200
    if old is not None and new is not None:
        try:
            context["diff"], context["pending"] = _compare(request, old, new, key, show)
        except ValidationFailed as exc:
            context["error"], status = exc.message, 400
    if context["pending"] is not None:
        params = request.GET.copy()
        params.pop("retry", None)  # polling must not start a failed comparison again
        context["poll_url"] = f"{request.path}?{params.urlencode()}"
        context["retry_url"] = f"{context['poll_url']}&retry=1"
    template = "warehouse/version_compare.html"
    if request.htmx:
        template = "warehouse/_compare_result.html"
    return render(request, template, context, status=status)


def _compare(request: HttpRequest, old: Version, new: Version, key: list[str], show):
    """(the comparison, None) when it is ready or small enough to work out now; otherwise
    (None, the background job's state)."""
    arguments = {
        "key": key,
        "kind": show if show in DIFF_KINDS else None,
        "page": request.GET.get("page", 1),
    }
    small = (old.row_count or 0) + (new.row_count or 0) <= inline_row_limit()
    try:
        return compare_versions(old, new, compute=small, **arguments), None
    except ComparisonPending:
        chosen, _source = choose_key(old, new, key)
        state = comparisons.start(old, new, chosen, retry=request.GET.get("retry") == "1")
    try:  # done already (no worker: it ran in this request)
        return compare_versions(old, new, compute=False, **arguments), None
    except ComparisonPending:
        return None, state


# --- restore --------------------------------------------------------------------------------


@login_required
@require_POST
def version_restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset = _visible_dataset(request, slug)
    version = _visible_version(request, dataset, number)
    newest_before = queries.versions_for(request.user, dataset)[0].number
    try:
        restored = services.restore_version(
            request.user, version, message=request.POST.get("message", "")
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound:
        raise Http404(_("Version not found.")) from None
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect(reverse("catalog:dataset_detail", args=[dataset.slug]))
    if restored.number > newest_before:
        messages.success(
            request,
            _("Version %(old)d was restored as the new draft version %(new)d.")
            % {"old": version.number, "new": restored.number},
        )
    else:
        messages.info(
            request,
            _(
                "Version %(old)d has the same content as the newest version %(new)d; "
                "no new version was made."
            )
            % {"old": version.number, "new": restored.number},
        )
    return redirect(reverse("catalog:dataset_detail", args=[dataset.slug]))
