"""Upload pages with background jobs, the job status page (htmx polling), and the schema editor.

- Upload: the file is spooled and an IngestJob made (tasks.py). With a worker running, the page
  goes to the job's status page, which polls with htmx (every `POLL_MS`) until the job is done
  or failed — the user may leave and come back (the dataset page lists the jobs to editors).
  Without a worker the job has already run: a file that cannot be read is shown in the form
  again (400), a good one goes to the status page with its result.
- The status page shows every reading choice (format, encoding, delimiter, sheet, header rows,
  decimal mark, record path, row element, ZIP member) and a form to read the file again with
  other choices.
- Schema: edit in a form, download as Table Schema JSON, or upload a JSON schema; each makes a
  new draft version from the kept raw file (a job too).

Every lookup goes through `visible_to` / `editable_by`; what one may not see answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.warehouse import services, tasks, uploads
from satudata.warehouse.forms import UploadForm
from satudata.warehouse.ingest.header import parse_header_rows
from satudata.warehouse.ingest.receive import too_large_message
from satudata.warehouse.ingest.sniff import ENCODING_CHOICES, ENCODING_LABELS, describe_choices
from satudata.warehouse.models import IngestJob, Version
from satudata.warehouse.schema import SchemaForm, SchemaUploadForm, schema_from_upload, schema_json

REPORT_ITEMS_SHOWN = 20
POLL_MS = 1000
JOBS_LISTED = 10


class ReadOptionsForm(forms.Form):
    """Reading choices the user may impose (empty = detect)."""

    sheet = forms.CharField(label=gettext_lazy("Sheet"), required=False, max_length=200)
    header_rows = forms.CharField(
        label=gettext_lazy("Header rows"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("A row or a range, e.g. 1 or 3-4."),
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Delimiter"),
        required=False,
        choices=[
            ("", gettext_lazy("detect")),
            (",", gettext_lazy("comma (,)")),
            (";", gettext_lazy("semicolon (;)")),
            ("tab", gettext_lazy("tab")),
            ("|", gettext_lazy("pipe (|)")),
        ],
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"),
        required=False,
        choices=[
            ("", gettext_lazy("detect")),
            *((e, ENCODING_LABELS[e]) for e in ENCODING_CHOICES),
        ],
    )
    decimal = forms.ChoiceField(
        label=gettext_lazy("Decimal mark"),
        required=False,
        choices=[
            ("", gettext_lazy("detect")),
            (",", gettext_lazy("comma (12,5)")),
            (".", gettext_lazy("point (12.5)")),
        ],
    )
    record_path = forms.CharField(
        label=gettext_lazy("JSON records at"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("A path such as data.items."),
    )
    row_element = forms.CharField(
        label=gettext_lazy("XML row element"), required=False, max_length=200
    )
    member = forms.CharField(label=gettext_lazy("File in the ZIP"), required=False, max_length=300)

    def clean_header_rows(self) -> str:
        value = (self.cleaned_data.get("header_rows") or "").strip()
        if value:
            try:
                parse_header_rows(value)
            except ValidationFailed as exc:
                raise forms.ValidationError(exc.message) from None
        return value

    def options(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if value}


def _visible_dataset(request: HttpRequest, slug: str) -> Dataset:
    dataset = Dataset.objects.visible_to(request.user).filter(slug=slug).first()
    if dataset is None:
        raise Http404(_("Dataset not found."))
    return dataset


def _editable_dataset(request: HttpRequest, slug: str) -> Dataset:
    dataset = _visible_dataset(request, slug)
    if not Dataset.objects.editable_by(request.user).filter(pk=dataset.pk).exists():
        raise DjangoPermissionDenied(_("You may not upload data to this dataset."))
    return dataset


def _job(request: HttpRequest, dataset: Dataset, job_id: int) -> IngestJob:
    job = (
        IngestJob.objects.visible_to(request.user)
        .filter(dataset=dataset, pk=job_id)
        .select_related("version", "source_version")
        .first()
    )
    if job is None:
        raise Http404(_("Upload not found."))
    return job


def _version(request: HttpRequest, dataset: Dataset, number: int) -> Version:
    version = (
        Version.objects.visible_to(request.user).filter(dataset=dataset, number=number).first()
    )
    if version is None:
        raise Http404(_("Version not found."))
    return version


def job_url(job: IngestJob) -> str:
    return reverse("warehouse:job", args=[job.dataset.slug, job.pk])


def _report_context(report: dict | None) -> dict:
    report = report or {}
    return {
        "report_errors": report.get("errors", [])[:REPORT_ITEMS_SHOWN],
        "report_warnings": report.get("warnings", [])[:REPORT_ITEMS_SHOWN],
        "report_more": max(0, report.get("stats", {}).get("errors", 0) - REPORT_ITEMS_SHOWN),
    }


# --- upload ---------------------------------------------------------------------------------


def _render_upload(request, dataset, form, options_form, report=None, job=None, status=200):
    context = {
        "dataset": dataset,
        "form": form,
        "options_form": options_form,
        "failed_job": job,
        **_report_context(report),
    }
    return render(request, "warehouse/job_upload.html", context, status=status)


@csrf_exempt  # the size guard must be installed before the CSRF check reads the body
@login_required
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    uploads.install(request)
    return _upload(request, slug)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = _editable_dataset(request, slug)
    if request.method == "GET":
        return _render_upload(request, dataset, UploadForm(), ReadOptionsForm())
    form = UploadForm(request.POST, request.FILES)
    options_form = ReadOptionsForm(request.POST)
    if getattr(request, "satudata_upload_too_large", False):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", too_large_message())
        return _render_upload(request, dataset, form, options_form, status=400)
    if not (form.is_valid() and options_form.is_valid()):
        return _render_upload(request, dataset, form, options_form, status=400)
    uploaded = form.cleaned_data["file"]
    try:
        job = services.enqueue_upload(
            request.user,
            dataset,
            filename=uploaded.name,
            data=uploaded,
            message=form.cleaned_data["message"],
            options=options_form.options(),
        )
    except ValidationFailed as exc:
        form.add_error("file", exc.message)
        return _render_upload(request, dataset, form, options_form, status=400)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound:
        raise Http404(_("Dataset not found.")) from None
    if job.status == "failed":
        # No worker: the job ran at once. Show the problem where the file was chosen.
        form.add_error("file", job.error)
        return _render_upload(request, dataset, form, options_form, job.report, job, status=400)
    return redirect(job_url(job))


# --- job status -------------------------------------------------------------------------------


def _job_context(job: IngestJob) -> dict:
    choices = job.choices or {}
    initial = {key: value for key, value in (job.options or {}).items()}
    return {
        "job": job,
        "dataset": job.dataset,
        "poll_ms": POLL_MS,
        "choices": describe_choices(choices),
        "sheets": choices.get("sheets") or [],
        "members": choices.get("members") or [],
        "row_elements": choices.get("row_elements") or [],
        "titles": choices.get("titles") or [],
        "schema_source": choices.get("schema", ""),
        "options_form": ReadOptionsForm(initial=initial),
        "can_retry": job.finished
        and (job.kind == IngestJob.KIND_REREAD or bool(job.spool_name) or job.version_id),
        **_report_context(job.report),
    }


@login_required
@require_GET
def job_status(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    dataset = _visible_dataset(request, slug)
    job = _job(request, dataset, job_id)
    context = _job_context(job)
    if getattr(request, "htmx", False):
        return render(request, "warehouse/job_status_panel.html", context)
    return render(request, "warehouse/job_status.html", context)


@login_required
@require_POST
def job_retry(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """Read the same file again with the reading choices of the form."""
    dataset = _visible_dataset(request, slug)
    job = _job(request, dataset, job_id)
    form = ReadOptionsForm(request.POST)
    if not form.is_valid():
        context = _job_context(job)
        context["options_form"] = form
        return render(request, "warehouse/job_status.html", context, status=400)
    try:
        if job.kind == IngestJob.KIND_UPLOAD and job.spool_name:
            new = tasks.retry_upload(request.user, job, options=form.options())
        else:
            version = job.version or job.source_version
            if version is None:
                raise ValidationFailed(_("This upload cannot be retried; upload the file again."))
            new = services.enqueue_reread(request.user, version, options=form.options())
    except ValidationFailed as exc:
        context = _job_context(job)
        context["retry_error"] = exc.message
        return render(request, "warehouse/job_status.html", context, status=400)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except NotFound:
        raise Http404(_("Upload not found.")) from None
    return redirect(job_url(new))


@login_required
@require_GET
def job_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The latest jobs of a dataset (editors only), as a partial for the dataset page."""
    dataset = _visible_dataset(request, slug)
    if not Dataset.objects.editable_by(request.user).filter(pk=dataset.pk).exists():
        raise Http404(_("Upload not found."))
    jobs = list(IngestJob.objects.visible_to(request.user).filter(dataset=dataset)[:JOBS_LISTED])
    return render(request, "warehouse/job_list.html", {"dataset": dataset, "jobs": jobs})


# --- schema -----------------------------------------------------------------------------------


@require_GET
def schema_download(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset = _visible_dataset(request, slug)
    version = _version(request, dataset, number)
    response = HttpResponse(schema_json(version.table_schema), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="{dataset.slug}-v{version.number}-schema.json"'
    )
    return response


def _render_schema(request, dataset, version, form, upload_form, error=None, status=200):
    context = {
        "dataset": dataset,
        "version": version,
        "form": form,
        "upload_form": upload_form,
        "error": error,
        "field_rows": form.field_rows(),
    }
    return render(request, "warehouse/schema_edit.html", context, status=status)


def _editable_version(request: HttpRequest, slug: str, number: int) -> tuple[Dataset, Version]:
    dataset = _editable_dataset(request, slug)
    return dataset, _version(request, dataset, number)


def _start_reread(request, version: Version, schema: dict, message: str) -> HttpResponse:
    job = services.enqueue_reread(request.user, version, schema=schema, message=message)
    return redirect(job_url(job))


@login_required
@require_http_methods(["GET", "POST"])
def schema_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset, version = _editable_version(request, slug, number)
    if request.method == "GET":
        form = SchemaForm(version.table_schema)
        return _render_schema(request, dataset, version, form, SchemaUploadForm())
    form = SchemaForm(version.table_schema, request.POST)
    if not form.is_valid():
        return _render_schema(request, dataset, version, form, SchemaUploadForm(), status=400)
    try:
        schema = form.to_schema()
        return _start_reread(request, version, schema, request.POST.get("message", ""))
    except ValidationFailed as exc:
        return _render_schema(
            request, dataset, version, form, SchemaUploadForm(), exc.message, status=400
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None


@login_required
@require_POST
def schema_import(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset, version = _editable_version(request, slug, number)
    upload_form = SchemaUploadForm(request.POST, request.FILES)
    form = SchemaForm(version.table_schema)
    if not upload_form.is_valid():
        return _render_schema(request, dataset, version, form, upload_form, status=400)
    try:
        data = upload_form.cleaned_data["schema_file"].read(2 * 1024 * 1024)
        schema = schema_from_upload(data)
        return _start_reread(request, version, schema, upload_form.cleaned_data["message"])
    except ValidationFailed as exc:
        return _render_schema(request, dataset, version, form, upload_form, exc.message, 400)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
