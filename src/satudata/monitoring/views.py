"""Daftar Data pages (/daftar-data/) and the monitoring dashboard (/monitoring/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from satudata.accounts.models import Organisation
from satudata.core.errors import SatuDataError
from satudata.core.permissions import actor_for
from satudata.monitoring import conf, exports, importer, queries, services
from satudata.monitoring.forms import DaftarForm, ImportForm, PromiseForm
from satudata.monitoring.models import DaftarData, DataPromise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("tahun", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _page(request: HttpRequest, items, parameter: str = "halaman"):
    """One page of `items` (`?halaman=N`; out-of-range numbers show the nearest page)."""
    paginator = Paginator(items, conf.promises_page_size())
    return paginator.get_page(request.GET.get(parameter))


def _status_filter(request: HttpRequest) -> str:
    """`?status=overdue` (or on_time, late, not_due) narrows the promise list; unknown → all."""
    status = request.GET.get("status", "")
    return status if status in queries.STATUS_LABELS else ""


def _promise_page(request: HttpRequest, promises):
    """The status-annotated promises, filtered by `?status=` and paged."""
    promises = queries.with_status(promises.select_related("dataset"))
    status = _status_filter(request)
    if status:
        promises = promises.filter(status=status)
    return _page(request, promises.order_by("due_date", "title", "pk")), status


def _require_overseer(request: HttpRequest) -> None:
    """Walidata, pembina and pimpinan (and admins); everyone else gets a 404."""
    if not actor_for(request.user).oversees_all:
        raise Http404


def _require_walidata(request: HttpRequest) -> None:
    if not actor_for(request.user).is_walidata:
        raise Http404


# --- Daftar Data ------------------------------------------------------------------------------


@login_required
@require_GET
def daftar_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    lists = (
        DaftarData.objects.visible_to(request.user)
        .filter(year=year)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    counts = queries.fold_by_organisation(
        queries.grouped_counts(
            year, timezone.now(), promises=DataPromise.objects.visible_to(request.user)
        )
    )
    is_walidata = actor_for(request.user).is_walidata
    context = {
        "year": year,
        "lists": [(daftar, counts.get(daftar.organisation_id, {})) for daftar in lists],
        "is_walidata": is_walidata,
        "import_form": ImportForm(initial={"year": year}) if is_walidata else None,
        "daftar_form": DaftarForm(
            initial={"year": year}, organisations=Organisation.objects.order_by("name")
        )
        if is_walidata
        else None,
    }
    return render(request, "monitoring/daftar_list.html", context)


@login_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    _require_walidata(request)
    year = timezone.localdate().year
    example = [
        ["dinkes", "Jumlah Tenaga Kesehatan", "", "yearly", str(year - 1), ""],
        ["dinkes", "Kunjungan Puskesmas", "", "monthly", f"{year}-01", ""],
    ]
    response = HttpResponse(importer.template_xlsx(example), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="templat-daftar-data.xlsx"'
    return response


@login_required
@require_POST
def daftar_import(request: HttpRequest) -> HttpResponse:
    _require_walidata(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a year and a file to import."))
        return redirect("monitoring:daftar_list")
    upload = form.cleaned_data["file"]
    year = form.cleaned_data["year"]
    try:
        if upload.size > importer.MAX_BYTES:
            raise SatuDataError(_("The file is larger than 5 MB."))
        rows = importer.read_rows(upload.name, upload.read())
        result = services.import_rows(request.user, year, rows, source=upload.name)
    except SatuDataError as error:
        context = {
            "year": year,
            "message": error.message,
            "errors": error.details.get("errors", []),
        }
        return render(request, "monitoring/import_failed.html", context, status=400)
    messages.success(
        request,
        _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect(reverse("monitoring:daftar_list") + f"?tahun={year}")


@login_required
@require_POST
def daftar_create(request: HttpRequest) -> HttpResponse:
    _require_walidata(request)
    form = DaftarForm(request.POST, organisations=Organisation.objects.all())
    if not form.is_valid():
        messages.error(request, _("Choose an agency and a year."))
        return redirect("monitoring:daftar_list")
    daftar = services.ensure_daftar(
        request.user, form.cleaned_data["organisation"], form.cleaned_data["year"]
    )
    return redirect("monitoring:daftar_detail", year=daftar.year, slug=daftar.organisation.slug)


def _visible_daftar(request: HttpRequest, year: int, slug: str) -> DaftarData:
    return get_object_or_404(
        DaftarData.objects.visible_to(request.user).select_related("organisation"),
        year=year,
        organisation__slug=slug,
    )


def _org_datasets(request: HttpRequest, organisation: Organisation):
    from satudata.catalog.models import Dataset

    return Dataset.objects.visible_to(request.user).filter(organisation=organisation)


@login_required
def daftar_detail(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    daftar = _visible_daftar(request, year, slug)
    is_walidata = actor_for(request.user).is_walidata
    datasets = _org_datasets(request, daftar.organisation)
    form = PromiseForm(datasets=datasets)
    status = 200
    if request.method == "POST":
        _require_walidata(request)
        form = PromiseForm(request.POST, datasets=datasets)
        if form.is_valid():
            try:
                services.save_promise(request.user, daftar, **form.cleaned_data)
            except SatuDataError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The promise was added."))
                return redirect("monitoring:daftar_detail", year=year, slug=slug)
        status = 400
    page, shown_status = _promise_page(request, daftar.promises.all())
    context = {
        "daftar": daftar,
        "promises": page,
        "status": shown_status,
        "labels": queries.STATUS_LABELS,
        "form": form if is_walidata else None,
        "is_walidata": is_walidata,
    }
    return render(request, "monitoring/daftar_detail.html", context, status=status)


def _editable_promise(request: HttpRequest, pk: int) -> DataPromise:
    return get_object_or_404(
        DataPromise.objects.editable_by(request.user).select_related("daftar__organisation"), pk=pk
    )


@login_required
def promise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    promise = _editable_promise(request, pk)
    daftar = promise.daftar
    datasets = _org_datasets(request, daftar.organisation)
    initial = {
        "title": promise.title,
        "frequency": promise.frequency,
        "period": promise.period_label,
        "dataset": promise.dataset_id,
        "notes": promise.notes,
    }
    form = PromiseForm(request.POST or None, initial=initial, datasets=datasets)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_promise(request.user, daftar, promise, **form.cleaned_data)
        except SatuDataError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The promise was saved."))
            return redirect(
                "monitoring:daftar_detail", year=daftar.year, slug=daftar.organisation.slug
            )
    status = 400 if request.method == "POST" else 200
    context = {"promise": promise, "daftar": daftar, "form": form}
    return render(request, "monitoring/promise_edit.html", context, status=status)


@login_required
@require_POST
def promise_delete(request: HttpRequest, pk: int) -> HttpResponse:
    promise = _editable_promise(request, pk)
    daftar = promise.daftar
    services.delete_promise(request.user, promise)
    messages.success(request, _("The promise was removed."))
    return redirect("monitoring:daftar_detail", year=daftar.year, slug=daftar.organisation.slug)


# --- Monitoring -------------------------------------------------------------------------------


# The connectors app's summary of sync health, shown on the dashboard when it provides one
# (the dashboard renders without it).
SYNC_HEALTH_TEMPLATE = "connectors/_monitoring_sync_health.html"


def _optional_template(name: str) -> str:
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template(name)
    except TemplateDoesNotExist:
        return ""
    return name


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_overseer(request)
    year = _year(request)
    now = timezone.now()
    grouped = queries.grouped_counts(year, now)
    rows = queries.agency_rows(year, now=now, grouped=grouped)
    totals = {
        key: sum(getattr(row, key) for row in rows)
        for key in ("promised", "delivered", "on_time", "late", "overdue")
    }
    context = {
        "year": year,
        "rows": rows,
        "totals": totals,
        "trend": queries.monthly_trend(year, now=now, grouped=grouped),
        "weights": conf.scorecard_weights(),
        "years": queries.years_with_lists(),
        "sync_health_template": _optional_template(SYNC_HEALTH_TEMPLATE),
    }
    return render(request, "monitoring/dashboard.html", context)


@login_required
@require_GET
def agency_detail(request: HttpRequest, slug: str) -> HttpResponse:
    _require_overseer(request)
    year = _year(request)
    organisation = get_object_or_404(Organisation, slug=slug)
    rows = queries.agency_rows(year, organisation_ids=[organisation.pk])
    page, status = _promise_page(
        request, DataPromise.objects.filter(organisation=organisation, daftar__year=year)
    )
    datasets = _page(
        request,
        _org_datasets(request, organisation)
        .order_by("title", "pk")
        .only("slug", "title", "state", "completeness"),
        "halaman_dataset",
    )
    context = {
        "year": year,
        "organisation": organisation,
        "row": rows[0] if rows else None,
        "promises": page,
        "status": status,
        "datasets": datasets,
        "labels": queries.STATUS_LABELS,
    }
    return render(request, "monitoring/agency_detail.html", context)


@login_required
@require_GET
def scorecard_xlsx(request: HttpRequest) -> HttpResponse:
    _require_overseer(request)
    year = _year(request)
    response = HttpResponse(
        exports.scorecard_xlsx(year, queries.agency_rows(year)), content_type=XLSX
    )
    response["Content-Disposition"] = f'attachment; filename="skor-satu-data-{year}.xlsx"'
    return response


@login_required
@require_GET
def scorecard_pdf(request: HttpRequest) -> HttpResponse:
    _require_overseer(request)
    year = _year(request)
    pdf = exports.scorecard_pdf(request, year, queries.agency_rows(year))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="skor-satu-data-{year}.pdf"'
    return response
