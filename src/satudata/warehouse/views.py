"""Warehouse pages: the paged/sorted preview (htmx partial or full page), downloads and
publishing (uploads are in job_views.py). Every lookup goes through `visible_to(request.user)`;
hidden → 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.warehouse import queries, services, version_views
from satudata.warehouse.exports.http import download_response
from satudata.warehouse.models import Version


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


def _visible_version(request: HttpRequest, dataset: Dataset, number: int) -> Version:
    if not 0 < number < 2**31:  # beyond any version number (and PostgreSQL's integer)
        raise Http404(_("Version not found."))
    version = (
        Version.objects.visible_to(request.user).filter(dataset=dataset, number=number).first()
    )
    if version is None:
        raise Http404(_("Version not found."))
    return version


def _dataset_url(dataset: Dataset) -> str:
    return reverse("catalog:dataset_detail", args=[dataset.slug])


# --- preview --------------------------------------------------------------------------------


@require_GET
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _visible_dataset(request, slug)
    number = request.GET.get("v")
    if number:
        try:
            version = _visible_version(request, dataset, int(number))
        except ValueError:
            raise Http404(_("Version not found.")) from None
    else:
        version = queries.version_to_show(request.user, dataset)
        if version is None:
            raise Http404(_("This dataset has no data yet."))
    # The data view: filters, sort and page from the query string (dataview.py); bad filters
    # answer 400 with the message above the unfiltered table.
    return version_views.render_data_view(request, dataset, version)


# --- downloads ------------------------------------------------------------------------------


def _file_response(request, version: Version, dataset: Dataset, fmt: str) -> HttpResponse:
    # Streamed (or the Parquet blob itself), with a strong ETag and 304 (exports/http.py).
    return download_response(request, dataset, version, fmt)


@require_GET
def download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The dataset's current public version."""
    dataset = _visible_dataset(request, slug)
    version = queries.public_version(request.user, dataset)
    if version is None:
        raise Http404(_("This dataset has no published data yet."))
    return _file_response(request, version, dataset, fmt)


@require_GET
def version_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    dataset = _visible_dataset(request, slug)
    return _file_response(request, _visible_version(request, dataset, number), dataset, fmt)


# --- publish --------------------------------------------------------------------------------


@login_required
@require_POST
def publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset = _visible_dataset(request, slug)
    version = _visible_version(request, dataset, number)
    try:
        services.publish_version(
            request.user,
            version,
            acknowledge_warnings=request.POST.get("acknowledge_warnings") == "1",
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound:
        raise Http404(_("Version not found.")) from None
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect(_dataset_url(dataset))
    messages.success(
        request, _("Version %(number)d is now the public version.") % {"number": version.number}
    )
    return redirect(_dataset_url(dataset))
