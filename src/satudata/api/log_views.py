"""The API request log for the walidata: browse, chart and export (/log-api/)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from satudata.accounts.models import Organisation
from satudata.api import requestlog, requestlog_queries
from satudata.core.permissions import actor_for

PAGE_SIZE = 50


def _require_walidata(request: HttpRequest) -> None:
    # Addresses and usernames of callers: only for the walidata (others get a plain 404).
    if not actor_for(request.user).is_walidata:
        raise Http404


@login_required
@require_GET
def request_log(request: HttpRequest) -> HttpResponse:
    _require_walidata(request)
    requestlog.flush()  # what this process still holds, so the page is up to date
    log_filter = requestlog_queries.parse_filter(request.GET)
    qs = requestlog_queries.filtered(request.user, log_filter)
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("halaman")
    )
    organisations = dict(Organisation.objects.values_list("pk", "name"))
    for entry in page.object_list:
        entry.organisation_name = organisations.get(entry.organisation_id, "")
    params = log_filter.as_params()
    return render(
        request,
        "api/request_log.html",
        {
            "filter": log_filter,
            "summary": requestlog_queries.summary(qs),
            "charts": requestlog_queries.chart_specs(qs, log_filter),
            "page": page,
            "query": urlencode(params),
            "params": params,
            "organisations": sorted(organisations.items(), key=lambda item: item[1]),
            "status_classes": requestlog_queries.STATUS_CLASSES,
            "methods": requestlog_queries.METHODS,
            "retention_days": requestlog.retention_days(),
        },
    )


@login_required
@require_GET
def request_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _require_walidata(request)
    requestlog.flush()
    log_filter = requestlog_queries.parse_filter(request.GET)
    qs = requestlog_queries.filtered(request.user, log_filter)
    response = StreamingHttpResponse(
        requestlog_queries.csv_lines(qs), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="log-api-{stamp}.csv"'
    return response
