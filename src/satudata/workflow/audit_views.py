"""The audit trail viewer (/audit/, walidata and admins): filtered, paged events, the CSV export
and the chain verification status."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from satudata.core import audit
from satudata.workflow import auditlog, conf


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _require_reader(request: HttpRequest) -> None:
    if not auditlog.may_read(request.user):
        raise DjangoPermissionDenied(_("Only walidata and administrators may read the audit log."))


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    form = auditlog.AuditFilterForm(request.GET or None)
    status = 200
    page = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.cleaned_data if form.is_bound else {}
        events = auditlog.filtered_events(filters)
        page = Paginator(events, conf.audit_page_size()).get_page(request.GET.get("halaman"))
        names = auditlog.organisation_names({event.organisation_id for event in page})
        for event in page:
            event.organisation_name = names.get(event.organisation_id, "")
    query = request.GET.copy()
    query.pop("halaman", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "chain": auditlog.chain_status(),
    }
    return render(request, "workflow/audit.html", context, status=status)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV (cells that would run as spreadsheet formulas escaped)."""
    _require_reader(request)
    form = auditlog.AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    filters = form.cleaned_data if form.is_bound else {}
    events = auditlog.filtered_events(filters)
    # Reading the whole trail out is itself worth a line in the trail.
    with transaction.atomic():
        audit.record(
            request.user,
            "audit.export",
            object_type="core.auditevent",
            changes={"filters": {k: v for k, v in request.GET.items() if v}},
        )
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in auditlog.csv_rows(events))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def _with_bom(lines):
    """A UTF-8 byte-order mark first, so spreadsheet programs read the text as UTF-8."""
    yield "\ufeff"
    yield from lines
