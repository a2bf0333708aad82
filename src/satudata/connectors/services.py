"""Connector writes: create, change, start a run (DESIGN §5: permission, one transaction, audit).

Who may do what: a walidata configures any connector; a produsen only those feeding their own
agency's datasets. Only a walidata may allow automatic publication. Secrets given here are
encrypted before they touch the database and never returned; a blank secret keeps the stored one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from satudata.catalog.models import Dataset
from satudata.connectors import schedule as schedules
from satudata.connectors import types
from satudata.connectors.mapping import parse_mapping
from satudata.connectors.models import Connector, RunStatus, RunTrigger, SyncRun
from satudata.connectors.secrets import decrypt_secrets, encrypt_secrets
from satudata.core import audit
from satudata.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from satudata.core.permissions import ROLE_PRODUSEN, Actor, actor_for

EDITABLE_FIELDS = (
    "title",
    "config",
    "mapping",
    "schedule",
    "cron",
    "auto_publish",
    "enabled",
)
# Path words of connectors/urls.py that a connector's name would hide.
RESERVED_NAMES = frozenset({"kesehatan", "baru", "contoh-api"})
ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RETRYING)


def _check_may_configure(who: Actor, dataset: Dataset) -> Dataset:
    if not who.is_authenticated:
        raise PermissionDenied(_("Please log in."))
    found = Dataset.objects.editable_by(who).filter(pk=dataset.pk).first()
    allowed = found is not None and (
        who.is_walidata or found.organisation_id in who.organisations_with(ROLE_PRODUSEN)
    )
    if not allowed:
        raise PermissionDenied(
            _(
                "Only walidata or the data producers of the dataset's agency may set up its"
                " connectors."
            )
        )
    return found


def _clean_config(type_key: str, config: dict) -> dict:
    connector_type = types.get(type_key)
    form = connector_type.config_form(data=config)
    if not form.is_valid():
        problems = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        text = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in problems.items())
        raise ValidationFailed(
            _("The connector settings are not valid: %(problems)s") % {"problems": text},
            code="config-invalid",
            details={"fields": problems},
        )
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}


def _clean_secrets(type_key: str, given: dict | None, existing: dict) -> dict:
    allowed = types.get(type_key).secret_fields
    merged = dict(existing)
    for name, value in (given or {}).items():
        if name not in allowed:
            raise ValidationFailed(
                _("%(name)s is not a credential of this connector type.") % {"name": name}
            )
        if value not in (None, ""):
            merged[name] = str(value)
    return {name: value for name, value in merged.items() if name in allowed}


def _schedule_fields(values: dict) -> None:
    if values.get("schedule") == "cron":
        values["cron"] = schedules.check_cron(values.get("cron", ""))


def _public_state(connector: Connector) -> dict[str, Any]:
    """What the audit log keeps: never the secrets, only which ones are set."""
    return {
        "name": connector.name,
        "type": connector.type_key,
        "dataset": connector.dataset_id,
        "config": connector.config,
        "secrets_set": sorted(decrypt_secrets(connector.secrets_encrypted)),
        "mapping_version": connector.mapping_version,
        "schedule": connector.schedule,
        "cron": connector.cron,
        "auto_publish": connector.auto_publish,
        "enabled": connector.enabled,
    }


def create_connector(
    actor,
    *,
    name: str,
    type_key: str,
    dataset: Dataset,
    config: dict | None = None,
    secrets: dict | None = None,
    mapping: dict | None = None,
    schedule: str = "daily",
    cron: str = "",
    auto_publish: bool = False,
    enabled: bool = True,
    title: str = "",
) -> Connector:
    who = actor_for(actor)
    dataset = _check_may_configure(who, dataset)
    if auto_publish and not who.is_walidata:
        raise PermissionDenied(_("Only a walidata may allow automatic publication."))
    values = {"schedule": schedule, "cron": cron}
    _schedule_fields(values)
    parse_mapping(mapping)
    clean_config = _clean_config(type_key, config or {})
    if name in RESERVED_NAMES:
        raise ValidationFailed(
            _("%(name)s is a reserved word; choose another name.") % {"name": name},
            code="name-reserved",
        )
    with transaction.atomic():
        if Connector.objects.filter(name=name).exists():
            raise Conflict(_("A connector named %(name)s already exists.") % {"name": name})
        connector = Connector.objects.create(
            name=name,
            title=title,
            type_key=type_key,
            dataset=dataset,
            organisation_id=dataset.organisation_id,
            config=clean_config,
            secrets_encrypted=encrypt_secrets(_clean_secrets(type_key, secrets, {})),
            mapping=mapping or {},
            schedule=values["schedule"],
            cron=values["cron"],
            auto_publish=auto_publish,
            enabled=enabled,
            created_by_id=who.user_id,
        )
        connector.next_run_at = schedules.next_run(connector.schedule, connector.cron, connector.pk)
        connector.save(update_fields=["next_run_at"])
        audit.record(
            who,
            "connector.create",
            connector,
            organisation_id=connector.organisation_id,
            after=_public_state(connector),
        )
    return connector


def editable_connector(actor, connector: Connector, *, lock: bool = False) -> Connector:
    who = actor_for(actor)
    queryset = Connector.objects.editable_by(who).filter(pk=connector.pk)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.first()
    if found is None:
        if not who.is_authenticated:
            raise PermissionDenied(_("Please log in."))
        raise NotFound(_("Connector not found."))
    return found


def update_connector(
    actor, connector: Connector, *, secrets: dict | None = None, **changes
) -> Connector:
    """Change settings; a changed mapping becomes the next mapping version."""
    who = actor_for(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Cannot change %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        current = editable_connector(who, connector, lock=True)
        before = _public_state(current)
        changes_publication = bool(changes.get("auto_publish", current.auto_publish))
        if changes_publication != current.auto_publish and not who.is_walidata:
            raise PermissionDenied(_("Only a walidata may allow automatic publication."))
        if "config" in changes:
            changes["config"] = _clean_config(current.type_key, changes["config"] or {})
        if "mapping" in changes:
            parse_mapping(changes["mapping"])
            changes["mapping"] = changes["mapping"] or {}
            if changes["mapping"] != current.mapping:
                current.mapping_version += 1
        merged = {"schedule": current.schedule, "cron": current.cron}
        merged.update({k: v for k, v in changes.items() if k in ("schedule", "cron")})
        _schedule_fields(merged)
        changes.update(merged)
        for field_name, value in changes.items():
            setattr(current, field_name, value)
        if secrets:
            existing = decrypt_secrets(current.secrets_encrypted)
            current.secrets_encrypted = encrypt_secrets(
                _clean_secrets(current.type_key, secrets, existing)
            )
        current.next_run_at = schedules.next_run(current.schedule, current.cron, current.pk)
        current.save()
        after = _public_state(current)
        audit.record(
            who,
            "connector.update",
            current,
            organisation_id=current.organisation_id,
            changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        )
    return current


def start_run(actor, connector: Connector, *, trigger: str = RunTrigger.MANUAL) -> SyncRun:
    """Record a queued run (the worker, or the caller, executes it); one active run at a time."""
    who = actor_for(actor)
    with transaction.atomic():
        current = editable_connector(who, connector, lock=True)
        active = current.runs.filter(status__in=ACTIVE_STATUSES).first()
        if active is not None:
            raise Conflict(
                _("This connector is already running (run #%(id)d).") % {"id": active.pk},
                code="run-active",
            )
        run = SyncRun.objects.create(
            connector=current,
            trigger=trigger,
            status=RunStatus.QUEUED,
            mapping_version=current.mapping_version,
            cursor_before=current.cursor,
            created_by_id=who.user_id,
        )
        audit.record(
            who,
            "connector.run",
            current,
            organisation_id=current.organisation_id,
            changes={"run": run.pk, "trigger": trigger},
        )
    return run


def reset_cursor(actor, connector: Connector) -> Connector:
    """Forget the incremental position: the next run reads everything again."""
    who = actor_for(actor)
    with transaction.atomic():
        current = editable_connector(who, connector, lock=True)
        before = current.cursor
        current.cursor = ""
        current.save(update_fields=["cursor"])
        audit.record(
            who,
            "connector.reset_cursor",
            current,
            organisation_id=current.organisation_id,
            changes={"cursor": [before, ""]},
        )
    return current


def stored_secret_names(connector: Connector) -> list[str]:
    """Which credentials are set (for the form's "stored, leave blank to keep")."""
    return sorted(decrypt_secrets(connector.secrets_encrypted))


def mark_scheduled(connector: Connector) -> None:
    """Move `next_run_at` past now (the scheduler's bookkeeping, not a user's change)."""
    Connector.objects.filter(pk=connector.pk).update(
        next_run_at=schedules.next_run(connector.schedule, connector.cron, connector.pk)
    )
