"""Report pages: the public list (/laporan/), a report's page with its editions and the
subscription form, downloads, subscription links, and the walidata's editing pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satudata.core import blobs
from satudata.core.errors import SatuDataError
from satudata.core.permissions import actor_for
from satudata.reports import content, services, tasks
from satudata.reports import render as report_render
from satudata.reports.forms import ReportForm, SectionForm, SubscribeForm
from satudata.reports.models import Edition, Report, Section
from satudata.reports.periods import last_complete_period
from satudata.warehouse.tasks import worker_alive

PDF = "application/pdf"


def _visible_report(request: HttpRequest, slug: str) -> Report:
    report = (
        Report.objects.visible_to(request.user).select_related("organisation").filter(slug=slug)
    ).first()
    if report is None:
        raise Http404
    return report


def _editable_report(request: HttpRequest, slug: str) -> Report:
    report = Report.objects.editable_by(request.user).filter(slug=slug).first()
    if report is None:
        raise Http404
    return report


# --- public -----------------------------------------------------------------------------------


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    reports = list(
        Report.objects.visible_to(request.user).select_related("organisation").order_by("title")
    )
    latest: dict[int, Edition] = {}
    for edition in Edition.objects.filter(report__in=reports).order_by("report_id", "-period_key"):
        latest.setdefault(edition.report_id, edition)
    return render(
        request,
        "reports/list.html",
        {
            "rows": [(report, latest.get(report.pk)) for report in reports],
            "is_walidata": actor_for(request.user).is_walidata,
        },
    )


@require_GET
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    report = _visible_report(request, slug)
    is_walidata = actor_for(request.user).is_walidata
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "editions": report.editions.order_by("-period_key"),
            "sections": report.sections.order_by("position", "id"),
            "subscribe_form": SubscribeForm(),
            "is_walidata": is_walidata,
            "next_period": last_complete_period(report.schedule, timezone.localdate()),
        },
    )


@require_GET
def edition_download(request: HttpRequest, slug: str, period: str, fmt: str) -> HttpResponse:
    report = _visible_report(request, slug)
    edition = report.editions.filter(period_key=period).first()
    if edition is None:
        raise Http404
    sha256 = edition.pdf_sha256 if fmt == "pdf" else edition.xlsx_sha256
    if not blobs.exists(sha256):
        raise Http404
    response = FileResponse(
        blobs.open_blob(sha256),
        content_type=PDF if fmt == "pdf" else report_render.XLSX_CONTENT_TYPE,
        as_attachment=fmt == "xlsx",
        filename=f"{edition.file_stem}.{fmt}",
    )
    # Editions of a period can be regenerated; the file name stays, so only a short cache.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_POST
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    report = _visible_report(request, slug)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid e-mail address."))
        return redirect(report.get_absolute_url() + "#langganan")
    try:
        subscription = services.subscribe(request.user, report, form.cleaned_data["email"])
    except SatuDataError as error:
        messages.error(request, error.message)
        return redirect(report.get_absolute_url() + "#langganan")
    if subscription.is_active:
        messages.success(request, _("Subscribed: you will get an e-mail for each new edition."))
    else:
        # Same answer whether or not the address was known: the form tells nobody who subscribed.
        messages.success(request, _("Almost done: open the link in the e-mail we sent to confirm."))
    return redirect(report.get_absolute_url() + "#langganan")


@require_http_methods(["GET", "POST"])
def subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open links confirm nothing."""
    try:
        if request.method == "POST":
            subscription = services.confirm_subscription(token)
            messages.success(request, _("Subscription confirmed."))
            return redirect(subscription.report.get_absolute_url())
        subscription = services.subscription_by_token(token)
    except SatuDataError as error:
        return render(request, "reports/link_invalid.html", {"message": error.message}, status=404)
    return render(
        request,
        "reports/subscription_action.html",
        {"subscription": subscription, "action": "confirm"},
    )


@require_http_methods(["GET", "POST"])
def subscription_cancel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            report = services.unsubscribe(token)
            messages.success(request, _("Unsubscribed: your address has been removed."))
            return redirect(report.get_absolute_url())
        subscription = services.subscription_by_token(token)
    except SatuDataError as error:
        return render(request, "reports/link_invalid.html", {"message": error.message}, status=404)
    return render(
        request,
        "reports/subscription_action.html",
        {"subscription": subscription, "action": "cancel"},
    )


# --- walidata ---------------------------------------------------------------------------------


def _require_walidata(request: HttpRequest) -> None:
    if not actor_for(request.user).is_walidata:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    _require_walidata(request)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.create_report(request.user, **form.cleaned_data)
        except SatuDataError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Report created. Now add its sections."))
            return redirect(f"/laporan/{report.slug}/ubah")
    return render(request, "reports/report_form.html", {"form": form, "report": None})


def _edit_page(request, report, form, section_form, status=200) -> HttpResponse:
    return render(
        request,
        "reports/report_edit.html",
        {
            "report": report,
            "form": form,
            "section_form": section_form,
            "sections": report.sections.select_related("dataset").order_by("position", "id"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, slug: str) -> HttpResponse:
    report = _editable_report(request, slug)
    initial = {
        "title": report.title,
        "subtitle": report.subtitle,
        "introduction": report.introduction,
        "organisation": report.organisation_id,
        "schedule": report.schedule,
        "is_public": report.is_public,
    }
    form = ReportForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_report(request.user, report, **form.cleaned_data)
            except SatuDataError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Report saved."))
                return redirect(f"/laporan/{report.slug}/ubah")
        return _edit_page(request, report, form, SectionForm(), status=400)
    return _edit_page(request, report, form, SectionForm())


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    report = _editable_report(request, slug)
    section = None
    if pk is not None:
        section = Section.objects.editable_by(request.user).filter(pk=pk, report=report).first()
        if section is None:
            raise Http404
    initial = SectionForm.initial_for(section) if section else None
    form = SectionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_section(request.user, report, section, **form.section_values())
            except SatuDataError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Section saved."))
                return redirect(f"/laporan/{report.slug}/ubah#bagian")
        return render(
            request,
            "reports/section_form.html",
            {"report": report, "section": section, "form": form},
            status=400,
        )
    return render(
        request, "reports/section_form.html", {"report": report, "section": section, "form": form}
    )


@login_required
@require_POST
def section_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = _editable_report(request, slug)
    section = Section.objects.editable_by(request.user).filter(pk=pk, report=report).first()
    if section is None:
        raise Http404
    services.delete_section(request.user, section)
    messages.success(request, _("Section deleted."))
    return redirect(f"/laporan/{report.slug}/ubah#bagian")


@login_required
@require_POST
def section_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = _editable_report(request, slug)
    section = Section.objects.editable_by(request.user).filter(pk=pk, report=report).first()
    if section is None:
        raise Http404
    services.move_section(request.user, section, -1 if request.POST.get("arah") == "naik" else 1)
    return redirect(f"/laporan/{report.slug}/ubah#bagian")


@login_required
@require_POST
def report_generate(request: HttpRequest, slug: str) -> HttpResponse:
    report = _editable_report(request, slug)
    if worker_alive():
        tasks.generate_report_by_hand(report.pk, request.user.pk)
        messages.success(
            request,
            _("The edition is being generated; it appears in the list below within a minute."),
        )
        return redirect(report.get_absolute_url())
    try:  # no worker running: generate here, the page waits a few seconds
        edition = services.generate_edition(request.user, report)
    except SatuDataError as error:
        messages.error(request, error.message)
        return redirect(report.get_absolute_url())
    messages.success(
        request,
        _("Edition %(period)s generated (%(pages)d pages).")
        % {"period": edition.period_label, "pages": edition.page_count},
    )
    for note in edition.notes:
        messages.warning(request, f"{note['section']}. {note['title']}: {note['problem']}")
    return redirect(report.get_absolute_url())


@login_required
@require_GET
def report_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The PDF as it would be generated now, not stored and not announced."""
    report = _editable_report(request, slug)
    period = services.edition_period(report)
    pdf, _pages = report_render.render_pdf(report, period, content.build_report(report))
    response = HttpResponse(pdf, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{report.slug}-pratinjau.pdf"'
    return response
