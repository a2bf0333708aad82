"""Connector pages: list, create/edit, detail with runs, run now, try it, sync health, upload.

Only walidata and produsen of the owning agency see them (Connector.scope_visible); every write
goes through connectors.services.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from satudata.connectors import queries, services, sync, types
from satudata.connectors.forms import ConnectorForm, config_initial, secrets_form_class
from satudata.connectors.models import Connector, SyncRun
from satudata.core.errors import PermissionDenied, SatuDataError
from satudata.core.permissions import actor_for


def _require_member(request: HttpRequest) -> None:
    who = actor_for(request.user)
    if not (who.is_walidata or who.organisations_with("produsen")):
        raise Http404


def _visible(request: HttpRequest, name: str) -> Connector:
    return get_object_or_404(
        Connector.objects.visible_to(request.user).select_related("dataset", "organisation"),
        name=name,
    )


@login_required
def connector_list(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    connectors = (
        Connector.objects.visible_to(request.user)
        .select_related("dataset", "organisation")
        .order_by("name")
    )
    return render(
        request,
        "connectors/list.html",
        {"connectors": connectors, "types": types.all_types()},
    )


def _forms(request, connector_type, *, connector=None):
    stored = services.stored_secret_names(connector) if connector else []
    secrets_class = secrets_form_class(connector_type, stored)
    data = request.POST if request.method == "POST" else None
    initial = {}
    if connector is not None:
        initial = {
            "name": connector.name,
            "title": connector.title,
            "dataset": connector.dataset_id,
            "schedule": connector.schedule,
            "cron": connector.cron,
            "mapping": json.dumps(connector.mapping, indent=2, ensure_ascii=False)
            if connector.mapping
            else "",
            "enabled": connector.enabled,
            "auto_publish": connector.auto_publish,
        }
    main = ConnectorForm(data, user=request.user, editing=connector, initial=initial)
    config = connector_type.config_form(
        data,
        prefix="cfg",
        initial=config_initial(connector_type, connector.config if connector else {}),
    )
    secrets = secrets_class(data, prefix="secret")
    return main, config, secrets


def _save(request, connector_type, main, config, secrets, connector=None):
    cleaned = main.cleaned_data
    given_secrets = {k: v for k, v in secrets.cleaned_data.items() if v}
    if connector is None:
        return services.create_connector(
            request.user,
            name=cleaned["name"],
            title=cleaned["title"],
            type_key=connector_type.key,
            dataset=cleaned["dataset"],
            config=config.cleaned_data,
            secrets=given_secrets,
            mapping=cleaned["mapping"],
            schedule=cleaned["schedule"],
            cron=cleaned["cron"],
            auto_publish=cleaned["auto_publish"],
            enabled=cleaned["enabled"],
        )
    changes = {
        "title": cleaned["title"],
        "config": config.cleaned_data,
        "mapping": cleaned["mapping"],
        "schedule": cleaned["schedule"],
        "cron": cleaned["cron"],
        "enabled": cleaned["enabled"],
    }
    if "auto_publish" in main.changed_data:
        changes["auto_publish"] = cleaned["auto_publish"]
    return services.update_connector(request.user, connector, secrets=given_secrets, **changes)


def _edit_page(request, connector_type, connector=None) -> HttpResponse:
    main, config, secrets = _forms(request, connector_type, connector=connector)
    if request.method == "POST" and main.is_valid() and config.is_valid() and secrets.is_valid():
        try:
            saved = _save(request, connector_type, main, config, secrets, connector)
        except SatuDataError as error:
            main.add_error(None, error.message)
        else:
            messages.success(request, _("Connector saved."))
            return redirect("connectors:detail", name=saved.name)
    return render(
        request,
        "connectors/edit.html",
        {
            "form": main,
            "config_form": config,
            "secrets_form": secrets,
            "connector_type": connector_type,
            "connector": connector,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def connector_create(request: HttpRequest, type_key: str) -> HttpResponse:
    _require_member(request)
    try:
        connector_type = types.get(type_key)
    except SatuDataError:
        raise Http404 from None
    return _edit_page(request, connector_type)


@login_required
def connector_edit(request: HttpRequest, name: str) -> HttpResponse:
    connector = _visible(request, name)
    return _edit_page(request, types.get(connector.type_key), connector)


@login_required
def connector_detail(request: HttpRequest, name: str) -> HttpResponse:
    connector = _visible(request, name)
    runs = connector.runs.select_related("version").order_by("-pk")[:50]
    try:
        type_label = types.get(connector.type_key).label
    except SatuDataError:
        type_label = connector.type_key
    upload_url = None
    if connector.type_key == "filedrop":
        upload_url = request.build_absolute_uri(f"/konektor/{connector.name}/unggah/")
    return render(
        request,
        "connectors/detail.html",
        {
            "connector": connector,
            "runs": runs,
            "type_label": type_label,
            "secret_names": services.stored_secret_names(connector),
            "upload_url": upload_url,
        },
    )


@login_required
def run_detail(request: HttpRequest, name: str, run_id: int) -> HttpResponse:
    connector = _visible(request, name)
    run = get_object_or_404(
        SyncRun.objects.visible_to(request.user), pk=run_id, connector=connector
    )
    return render(request, "connectors/run.html", {"connector": connector, "run": run})


@login_required
@require_POST
def run_now(request: HttpRequest, name: str) -> HttpResponse:
    connector = _visible(request, name)
    from satudata.connectors.tasks import dispatch

    try:
        run = services.start_run(request.user, connector)
    except SatuDataError as error:
        messages.error(request, error.message)
        return redirect("connectors:detail", name=connector.name)
    run = dispatch(run)
    messages.info(
        request, _("Run #%(id)d: %(status)s.") % {"id": run.pk, "status": run.get_status_display()}
    )
    return redirect("connectors:detail", name=connector.name)


@login_required
@require_POST
def reset_cursor(request: HttpRequest, name: str) -> HttpResponse:
    connector = _visible(request, name)
    try:
        services.reset_cursor(request.user, connector)
    except SatuDataError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The next run reads everything again."))
    return redirect("connectors:detail", name=connector.name)


@login_required
@require_POST
def try_it(request: HttpRequest, name: str) -> HttpResponse:
    connector = _visible(request, name)
    try:
        services.editable_connector(request.user, connector)
        shown = sync.preview(connector)
        error = None
    except SatuDataError as failure:
        shown, error = None, failure
    return render(
        request,
        "connectors/_preview.html",
        {
            "preview": shown,
            "error": error,
            "connector": connector,
            "tables": _source_tables(connector),
        },
    )


def _source_tables(connector: Connector) -> dict[str, list[str]] | None:
    """For SQL connectors: the source's tables and columns, to choose from (table picker)."""
    if connector.type_key != "sql":
        return None
    from satudata.connectors.secrets import decrypt_secrets
    from satudata.connectors.types.sql import describe_source

    try:
        return describe_source(connector.config, decrypt_secrets(connector.secrets_encrypted))
    except SatuDataError:
        return None


@login_required
def health(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    rows = queries.health_rows(request.user)
    return render(
        request,
        "connectors/health.html",
        {"rows": rows, "chart_values": queries.health_chart_values(rows)},
    )


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@csrf_exempt  # a machine-to-machine endpoint, authenticated by an API key (no cookies)
@require_POST
def upload_file(request: HttpRequest, name: str) -> HttpResponse:
    """Other systems POST a file (multipart field `file`) for a file-drop connector."""
    from satudata.connectors.types.filedrop import drop_folder, matches

    try:
        user = _api_user(request)
        connector = Connector.objects.filter(name=name, type_key="filedrop").first()
        if connector is not None:
            _require_write(request, connector)
    except SatuDataError as error:
        return _json_error(error.code, error.message, error.status)
    editable = connector is not None and (
        Connector.objects.editable_by(user).filter(pk=connector.pk).exists()
    )
    if not editable:
        return _json_error("not-found", _("Connector not found."), 404)
    upload = request.FILES.get("file")
    filename = SAFE_NAME.sub("_", Path(upload.name).name) if upload else ""
    if upload is None or not matches(connector.config, filename):
        return JsonResponse(
            {
                "code": "validation-failed",
                "message": _('Send one file in the field "file" whose name matches %(pattern)s.')
                % {"pattern": connector.config.get("pattern")},
                "details": {},
            },
            status=400,
        )
    folder = drop_folder(connector.config)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / filename, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    from satudata.connectors.tasks import dispatch

    try:
        run = dispatch(services.start_run(user, connector, trigger="upload"))
    except SatuDataError as error:
        return JsonResponse(
            {"code": error.code, "message": error.message, "details": {}}, status=409
        )
    return JsonResponse(
        {
            "run": run.pk,
            "status": run.status,
            "version": run.version.number if run.version else None,
            "error": run.error,
        },
        status=202,
    )


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def _require_write(request: HttpRequest, connector: Connector) -> None:
    """With an API key: a key with write scope for the connector's agency."""
    try:
        from satudata.api.auth import api_token, require_write
    except ImportError:
        return
    if api_token(request) is not None:
        require_write(request, connector.organisation_id)


def _api_user(request: HttpRequest):
    try:
        from satudata.api.auth import api_user
    except ImportError:  # the API-key module not there yet: session only
        return request.user
    try:
        return api_user(request)
    except SatuDataError:
        raise PermissionDenied(_("Invalid API key.")) from None
