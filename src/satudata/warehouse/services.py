"""Warehouse writes: new versions from uploaded bytes, and publishing a version.

Every entry point (web upload, CLI, demo, later the API and connectors) calls `ingest_upload`;
there is one parser/validator/publisher (DESIGN §2). The slow part (parsing, typing, Parquet)
runs before the database transaction, in a scratch folder; the transaction only numbers the
version, stores its row and appends the audit event. A failure anywhere stores nothing in the
database and leaves the previous versions untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.catalog.models import Dataset, DatasetState
from satudata.core import audit, blobs
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.core.permissions import Actor, actor_for
from satudata.warehouse.ingest.pipeline import IngestOutcome, process
from satudata.warehouse.ingest.receive import receive
from satudata.warehouse.ingest.sniff import ReadOptions
from satudata.warehouse.models import Version, VersionStatus
from satudata.warehouse.validation.context import PreviousVersion

MESSAGE_MAX_CHARS = 500


@dataclass
class IngestResult:
    """`version` is the new version, or the unchanged latest one when `created` is False."""

    version: Version | None
    created: bool
    report: dict[str, Any]


def _editable_dataset(who: Actor, dataset: Dataset, *, lock: bool = False) -> Dataset:
    """The dataset, re-read through the permission layer (hidden → NotFound)."""
    queryset = Dataset.objects.editable_by(who).filter(pk=dataset.pk)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.first()
    if found is None:
        if not who.is_authenticated:
            raise PermissionDenied(_("Please log in to upload data."))
        if Dataset.objects.visible_to(who).filter(pk=dataset.pk).exists():
            raise PermissionDenied(
                _("Only data producers of the dataset's agency (or walidata) may upload data.")
            )
        raise NotFound(_("Dataset not found."))
    return found


def _latest_version(dataset: Dataset) -> Version | None:
    return Version.objects.filter(dataset_id=dataset.pk).order_by("-number").first()


def comparison_version(dataset: Dataset) -> PreviousVersion | None:
    """What new data is compared with (validation's zero-value check): the public version, else
    the newest one."""
    version = dataset.published_version or _latest_version(dataset)
    if version is None or not version.parquet_sha256:
        return None
    return PreviousVersion(
        number=version.number,
        parquet_path=blobs.blob_path(version.parquet_sha256),
        table_schema=version.table_schema,
    )


def _refresh_catalogue(dataset: Dataset) -> None:
    """Let the catalogue recompute search text, formats and completeness (if it offers it)."""
    try:
        from satudata.catalog.services import refresh_dataset_index
    except ImportError:  # the catalogue app without the hook: nothing to refresh
        return
    refresh_dataset_index(dataset)


def _create_version(
    who: Actor,
    dataset: Dataset,
    outcome: IngestOutcome,
    raw: blobs.BlobRef,
    parquet: blobs.BlobRef,
    filename: str,
    message: str,
    issues: blobs.BlobRef | None = None,
) -> Version:
    number = (Version.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"] or 0) + 1
    stats = outcome.report.get("stats", {})
    return Version.objects.create(
        dataset=dataset,
        number=number,
        status=VersionStatus.DRAFT,
        message=message,
        source_filename=filename,
        source_format=outcome.source_format,
        source_encoding=outcome.encoding_label,
        raw_sha256=raw.sha256,
        raw_size=raw.size,
        parquet_sha256=parquet.sha256,
        parquet_size=parquet.size,
        issues_sha256=issues.sha256 if issues else "",
        table_schema=outcome.table_schema,
        report=outcome.report,
        row_count=outcome.row_count,
        column_count=outcome.column_count,
        error_count=int(stats.get("errors", 0)),
        warning_count=int(stats.get("warnings", 0)),
        created_by_id=who.user_id,
        read_options=_json_safe(outcome.choices),
    )


def _json_safe(choices: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in choices.items() if value not in (None, "", [])}


def _unchanged(latest: Version | None, sha256: str, options: dict, schema: dict | None) -> bool:
    """Same bytes, read the same way, with the same schema as the latest version."""
    if latest is None or latest.raw_sha256 != sha256:
        return False
    if schema is not None and schema != latest.table_schema:
        return False
    chosen = latest.read_options or {}
    return all(str(chosen.get(key, "")) == str(value) for key, value in options.items())


def ingest_upload(
    actor,
    dataset: Dataset,
    *,
    filename: str,
    data: bytes | BinaryIO | Path,
    message: str = "",
    options: dict | None = None,
    schema: dict | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> IngestResult:
    """Turn uploaded bytes into a new draft version of `dataset`.

    Same bytes as the dataset's latest version (read with the same `options` and `schema`) → no
    new version (`created=False`, the latest version returned). A file that cannot become a
    version raises `ValidationFailed` with a clear message (and the report in
    `details["report"]`); nothing is stored then. `options` impose reading choices
    (ingest/sniff.py `ReadOptions`), `schema` a Table Schema instead of inference (otherwise the
    previous version's schema is reused when the columns are the same); `on_stage` hears the
    steps ("reading", "validating", "writing").
    """
    who = actor_for(actor)
    dataset = _editable_dataset(who, dataset)
    message = " ".join(str(message or "").split())[:MESSAGE_MAX_CHARS]
    options = ReadOptions.from_dict(options).to_dict()
    with receive(data, filename) as received, blobs.workspace() as workdir:
        latest = _latest_version(dataset)
        if _unchanged(latest, received.sha256, options, schema):
            return IngestResult(version=latest, created=False, report=latest.report)
        outcome = process(
            received,
            workdir,
            previous=comparison_version(dataset),
            options=options,
            schema=schema,
            # An imposed decimal mark asks for a fresh look at the numbers: infer again.
            reuse_schema=latest.table_schema if latest and "decimal" not in options else None,
            on_stage=on_stage,
        )
        # Blobs first: if the transaction then fails, an unreferenced blob is harmless
        # (content-addressed, collectable); a version row never points at a missing file.
        raw_ref = received.blob.commit()
        parquet_ref = blobs.put_file(outcome.parquet_path, move=True)
        issues_ref = blobs.put_file(outcome.issues_path, move=True) if outcome.issues_path else None
        with transaction.atomic():
            locked = _editable_dataset(who, dataset, lock=True)
            latest = _latest_version(locked)
            if _unchanged(latest, raw_ref.sha256, options, schema):
                return IngestResult(version=latest, created=False, report=latest.report)
            version = _create_version(
                who, locked, outcome, raw_ref, parquet_ref, received.filename, message, issues_ref
            )
            changes: dict[str, Any] = {
                "number": version.number,
                "file": received.filename,
                "raw_sha256": raw_ref.sha256,
                "rows": version.row_count,
                "columns": version.column_count,
            }
            if outcome.is_spatial and not locked.is_spatial:
                locked.is_spatial = True
                locked.save(update_fields=["is_spatial"])
                changes["is_spatial"] = [False, True]
            audit.record(
                who,
                "version.create",
                version,
                organisation_id=locked.organisation_id,
                changes=changes,
                after={"raw_sha256": raw_ref.sha256, "parquet_sha256": parquet_ref.sha256},
            )
            _refresh_catalogue(locked)
    return IngestResult(version=version, created=True, report=outcome.report)


def _record_acknowledgement(who, version: Version, dataset: Dataset) -> None:
    version.warnings_acknowledged_by_id = who.user_id
    version.warnings_acknowledged_at = timezone.now()
    version.save(update_fields=["warnings_acknowledged_by", "warnings_acknowledged_at"])
    audit.record(
        who,
        "version.acknowledge_warnings",
        version,
        organisation_id=dataset.organisation_id,
        changes={
            "warnings": version.warning_count,
            "types": dict(version.report.get("stats", {}).get("warning_types", {})),
        },
    )


def acknowledge_warnings(actor, version: Version) -> Version:
    """Record that a walidata has read the version's validation warnings (needed to publish).

    Acknowledging again, or a version without warnings, changes nothing."""
    who = actor_for(actor)
    with transaction.atomic():
        current = Version.objects.visible_to(who).select_for_update().filter(pk=version.pk).first()
        if current is None:
            raise NotFound(_("Version not found."))
        if not who.is_walidata:
            raise PermissionDenied(_("Only walidata may acknowledge validation warnings."))
        if current.warning_count and current.warnings_acknowledged_at is None:
            dataset = Dataset.objects.get(pk=current.dataset_id)
            _record_acknowledgement(who, current, dataset)
    return current


def publish_version(actor, version: Version, *, acknowledge_warnings: bool = False) -> Version:
    """Make `version` the dataset's current public version (walidata/admin only).

    Moves `dataset.published_version` in one transaction; publishing the current public version
    again changes nothing. A version with validation errors cannot be published; one with
    warnings only once they are acknowledged — before (`acknowledge_warnings()`), or in the same
    action (`acknowledge_warnings=True`, audited as its own event).
    """
    who = actor_for(actor)
    with transaction.atomic():
        current = Version.objects.visible_to(who).select_for_update().filter(pk=version.pk).first()
        if current is None:
            raise NotFound(_("Version not found."))
        if not who.is_walidata:
            raise PermissionDenied(_("Only walidata may publish a version."))
        if current.error_count:
            raise ValidationFailed(
                _("Version %(number)d has validation errors; fix the file and upload it again.")
                % {"number": current.number}
            )
        unacknowledged = current.warning_count and current.warnings_acknowledged_at is None
        if unacknowledged and not acknowledge_warnings:
            raise ValidationFailed(
                _(
                    "Version %(number)d has %(count)d validation warnings; read the report and"
                    " acknowledge them to publish."
                )
                % {"number": current.number, "count": current.warning_count},
                code="warnings-not-acknowledged",
            )
        dataset = Dataset.objects.select_for_update().get(pk=current.dataset_id)
        if dataset.published_version_id == current.pk and current.status == VersionStatus.TERBIT:
            return current
        # The review workflow's rules (verified first, publisher role, complete metadata).
        from satudata.workflow import services as workflow

        workflow.check_publication(who, current, dataset)
        previous_status = current.status
        if unacknowledged:
            _record_acknowledgement(who, current, dataset)
        now = timezone.now()
        previous = dataset.published_version
        current.status = VersionStatus.TERBIT
        current.published_at = current.published_at or now
        current.save(update_fields=["status", "published_at"])
        before_state = dataset.state
        dataset.published_version = current
        dataset.state = DatasetState.PUBLISHED
        dataset.published_at = now
        dataset.save(update_fields=["published_version", "state", "published_at", "modified_at"])
        audit.record(
            who,
            "version.publish",
            current,
            organisation_id=dataset.organisation_id,
            changes={
                "published_version": [previous.number if previous else None, current.number],
                "state": [before_state, dataset.state],
            },
        )
        workflow.record_publication(who, current, dataset, previous_status=previous_status)
        _refresh_catalogue(dataset)
    return current


def restore_version(actor, version: Version, *, message: str = "") -> Version:
    """A new draft with the content and schema of an older `version` (versions.py has the
    logic): the next version number, audit `version.restore`, history untouched. Same content as
    the newest version → that version, nothing new."""
    from satudata.warehouse.versions import restore_version as restore

    return restore(actor, version, message=message)


# --- background ingest and re-reading (warehouse/tasks.py has the logic) -------------------


def enqueue_upload(
    actor,
    dataset: Dataset,
    *,
    filename: str,
    data: bytes | BinaryIO | Path,
    message: str = "",
    options: dict | None = None,
):
    """Keep the uploaded bytes and run the ingest as a job (in the background when a worker
    runs); returns the IngestJob, whose page shows progress and then the version or report."""
    from satudata.warehouse.tasks import enqueue_upload as enqueue

    return enqueue(actor, dataset, filename=filename, data=data, message=message, options=options)


def enqueue_reread(
    actor,
    version: Version,
    *,
    schema: dict | None = None,
    options: dict | None = None,
    message: str = "",
):
    """Read `version`'s kept raw file again — with an edited or imported `schema`, or other
    reading `options` — into a new draft version, as a job; returns the IngestJob."""
    from satudata.warehouse.tasks import enqueue_reread as enqueue

    return enqueue(actor, version, schema=schema, options=options, message=message)


def rederive_version(
    actor,
    version: Version,
    *,
    schema: dict | None = None,
    options: dict | None = None,
    message: str = "",
    on_stage: Callable[[str], None] | None = None,
) -> IngestResult:
    """A new draft version from `version`'s kept raw bytes, with `schema` (or the version's own)
    and `options` (or the choices the version was read with). Never changes `version` itself."""
    who = actor_for(actor)
    found = Version.objects.editable_by(who).filter(pk=version.pk).select_related("dataset").first()
    if found is None:
        _editable_dataset(who, version.dataset)  # the precise refusal (login, agency, not found)
        raise NotFound(_("Version not found."))
    if options is None:
        options = ReadOptions.from_dict(found.read_options).to_dict()
    return ingest_upload(
        who,
        found.dataset,
        filename=found.source_filename or "data",
        data=blobs.blob_path(found.raw_sha256),
        message=message,
        options=options,
        schema=schema if schema is not None else found.table_schema,
        on_stage=on_stage,
    )
