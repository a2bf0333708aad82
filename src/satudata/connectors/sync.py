"""Running a connector: pull → map → ingest as a draft version → publish if allowed (DESIGN §2).

The data takes the same path as a web upload: the mapped rows become a CSV file that
`warehouse.services.ingest_upload` reads, types and validates, so a sync can never store what an
upload could not. Unchanged content makes no new version (the ingest service compares hashes).
Every outcome is recorded on the SyncRun; a failure stores nothing and leaves the last good
version as it was.

Retries: `TransientSourceError` (timeout, 5xx, refused) is retried with exponential backoff,
`SATUDATA_CONNECTOR_RETRY_ATTEMPTS` times — in the worker by re-scheduling the Huey task with a
delay (the worker is free in between), on the command line by waiting in-process.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.connectors import conf, notify, types
from satudata.connectors.mapping import apply_mapping, parse_mapping
from satudata.connectors.models import GOOD_STATUSES, Connector, RunStatus, SyncRun
from satudata.connectors.secrets import decrypt_secrets, redact
from satudata.connectors.types.base import SourceError, TransientSourceError
from satudata.connectors.types.records import as_text
from satudata.core import blobs
from satudata.core.errors import SatuDataError, ValidationFailed
from satudata.core.permissions import SYSTEM
from satudata.warehouse import services as warehouse
from satudata.warehouse.models import Version

logger = logging.getLogger(__name__)

LOG_MAX_CHARS = 20_000


@dataclass
class Preview:
    columns: list[str]
    rows: list[list[str | None]]
    rows_read: int
    log: list[str]


class _RunLog:
    """Timestamped lines for the run's log, with every secret value blotted out."""

    def __init__(self, run: SyncRun, secrets: dict[str, str]) -> None:
        self.run = run
        self.secrets = secrets
        self.lines: list[str] = [run.log] if run.log else []

    def add(self, line: str) -> None:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        self.lines.append(f"{stamp} {redact(str(line), self.secrets)}")

    def text(self) -> str:
        text = "\n".join(self.lines)
        return text[-LOG_MAX_CHARS:]


# --- preview ("try it") ----------------------------------------------------------------------


def preview(connector: Connector, *, rows: int | None = None) -> Preview:
    """The first rows the connector would import (pulled and mapped, nothing stored)."""
    limit = rows or conf.preview_rows()
    connector_type = types.get(connector.type_key)()
    secrets = decrypt_secrets(connector.secrets_encrypted)
    log: list[str] = []
    try:
        pulled = connector_type.pull(connector.config, secrets, since=None, limit=limit)
        table = apply_mapping(pulled.table.slice(0, limit), parse_mapping(connector.mapping), log)
    except SatuDataError as error:
        error.message = redact(error.message, secrets)
        raise
    rows_text = [[as_text(value) for value in row.values()] for row in table.to_pylist()]
    return Preview(
        columns=table.column_names,
        rows=rows_text,
        rows_read=pulled.table.num_rows,
        log=[redact(line, secrets) for line in pulled.log + log],
    )


# --- one run ---------------------------------------------------------------------------------


def run_now(
    connector: Connector,
    *,
    run: SyncRun | None = None,
    trigger: str = "cli",
    sleep: Callable[[float], None] = time.sleep,
) -> SyncRun:
    """Start (or continue) a run and finish it here, waiting between retries (CLI, tests)."""
    from satudata.connectors.services import start_run

    run = run or start_run(SYSTEM, connector, trigger=trigger)
    while True:
        delay = execute(run)
        if delay is None:
            return run
        sleep(delay)


def backoff_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: base, 2 x base, 4 x base ..."""
    return conf.retry_base_delay_s() * (2 ** (attempt - 1))


def execute(run: SyncRun) -> float | None:
    """One attempt of `run`. Returns the delay before the next attempt when a transient fault
    should be retried (the run is then "retrying"), otherwise None (the run is finished)."""
    connector = Connector.objects.select_related("dataset").get(pk=run.connector_id)
    secrets: dict[str, str] = {}
    log = _RunLog(run, secrets)
    _mark(run, status=RunStatus.RUNNING, started_at=run.started_at or timezone.now())
    log.add(_("Attempt %(n)d started.") % {"n": run.attempt})
    try:
        secrets.update(decrypt_secrets(connector.secrets_encrypted))
        _pull_map_ingest(connector, run, log)
    except TransientSourceError as error:
        log.add(f"{error.code}: {error.message}")
        if run.attempt < conf.retry_attempts():
            delay = backoff_delay(run.attempt)
            log.add(
                _("Temporary fault; attempt %(next)d of %(total)d in %(delay)s s.")
                % {"next": run.attempt + 1, "total": conf.retry_attempts(), "delay": f"{delay:g}"}
            )
            _mark(run, status=RunStatus.RETRYING, attempt=run.attempt + 1, log=log.text())
            return delay
        _fail(connector, run, log, error, secrets, gave_up=True)
    except SatuDataError as error:
        _fail(connector, run, log, error, secrets)
    except Exception as error:  # a bug or an unforeseen library error: record it, never crash
        logger.exception("connector %s run %s crashed", connector.name, run.pk)
        wrapped = SourceError(
            _("Unexpected error: %(error)s") % {"error": f"{type(error).__name__}: {error}"[:300]},
            code="internal-error",
        )
        _fail(connector, run, log, wrapped, secrets)
    return None


def _mark(run: SyncRun, **fields) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    SyncRun.objects.filter(pk=run.pk).update(**fields)


def _pull_map_ingest(connector: Connector, run: SyncRun, log: _RunLog) -> None:
    connector_type = types.get(connector.type_key)()
    mapping = parse_mapping(connector.mapping)
    since = connector.cursor or None if connector_type.supports_incremental else None
    if since:
        log.add(_("Incremental pull since %(since)s.") % {"since": since})
    pulled = connector_type.pull(connector.config, log.secrets, since=since, limit=None)
    for line in pulled.log:
        log.add(line)
    run.rows_read = pulled.table.num_rows
    if since and pulled.table.num_rows == 0:
        log.add(_("No new rows since the last run."))
        _succeed(connector, run, log, status=RunStatus.UNCHANGED, cursor=connector.cursor)
        return
    notes: list[str] = []
    table = apply_mapping(pulled.table, mapping, notes)
    for line in notes:
        log.add(line)
    previous = _previous_version(connector)
    if since and previous is not None:
        table = _merge_incremental(previous, table, mapping.key, log)
    _check_fields_unchanged(connector, table)
    data = table_to_csv(table)
    latest = Version.objects.filter(dataset_id=connector.dataset_id).order_by("-number").first()
    if latest is not None and latest.raw_sha256 == hashlib.sha256(data).hexdigest():
        # The ingest service would also see it, but a given schema is compared in its
        # normalised form there; the bytes alone decide for a connector.
        version, created = latest, False
    else:
        result = _ingest(connector, run, data, mapping.table_schema())
        version, created = result.version, result.created
    if not created:
        log.add(_("Same content as version %(n)d: no new version.") % {"n": version.number})
        _succeed(
            connector, run, log, status=RunStatus.UNCHANGED, cursor=pulled.cursor, version=version
        )
        return
    log.add(
        _("Version %(n)d created: %(rows)d rows, %(errors)d errors, %(warnings)d warnings.")
        % {
            "n": version.number,
            "rows": version.row_count,
            "errors": version.error_count,
            "warnings": version.warning_count,
        }
    )
    published = _maybe_publish(connector, version, log)
    _succeed(
        connector,
        run,
        log,
        status=RunStatus.SUCCEEDED,
        cursor=pulled.cursor,
        version=version,
        published=published,
    )


def _ingest(connector: Connector, run: SyncRun, data: bytes, schema: dict | None):
    message = _("Sync of connector %(name)s (run #%(run)d)") % {
        "name": connector.name,
        "run": run.pk,
    }
    try:
        return warehouse.ingest_upload(
            SYSTEM,
            connector.dataset,
            filename=f"{connector.name}.csv",
            data=data,
            message=message,
            schema=schema,
            options={"delimiter": ",", "encoding": "utf-8", "header_rows": "1"},
        )
    except ValidationFailed as error:
        report = (error.details or {}).get("report") or {}
        run.report = _report_summary(report)
        raise


def _maybe_publish(connector: Connector, version: Version, log: _RunLog) -> bool:
    if not connector.auto_publish:
        log.add(_("Left as a draft for review (automatic publication is not allowed)."))
        return False
    if version.error_count or version.warning_count:
        log.add(_("Not published automatically: the version has validation problems to review."))
        return False
    try:
        warehouse.publish_version(SYSTEM, version)
    except SatuDataError as error:
        log.add(_("Not published automatically: %(reason)s") % {"reason": error.message})
        return False
    log.add(_("Published automatically (allowed by the walidata)."))
    return True


def _report_summary(report: dict) -> dict:
    """The report's figures and its first problems (the full report stays on the version)."""
    summary = {key: report[key] for key in ("stats", "valid", "schema_source") if key in report}
    for key in ("errors", "warnings", "problems"):
        if isinstance(report.get(key), list):
            summary[key] = report[key][:20]
    return summary


def _succeed(connector, run, log, *, status, cursor, version=None, published=False) -> None:
    log.add(_("Finished: %(status)s.") % {"status": RunStatus(status).label})
    with transaction.atomic():
        _mark(
            run,
            status=status,
            finished_at=timezone.now(),
            rows_read=run.rows_read,
            rows_imported=version.row_count
            if version is not None and status == RunStatus.SUCCEEDED
            else 0,
            version=version,
            published=published,
            report=_report_summary(version.report) if version is not None else {},
            cursor_after=cursor or "",
            log=log.text(),
        )
        Connector.objects.filter(pk=connector.pk).update(
            cursor=cursor or connector.cursor,
            consecutive_failures=0,
            failure_notified_at=None,
        )


def _fail(connector, run, log, error: SatuDataError, secrets, *, gave_up: bool = False) -> None:
    message = redact(error.message, secrets)
    cause = _cause_text(error, secrets)
    if gave_up:
        log.add(_("Gave up after %(n)d attempts.") % {"n": run.attempt})
    log.add(_("Failed: %(message)s") % {"message": message})
    with transaction.atomic():
        _mark(
            run,
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            rows_read=run.rows_read,
            error_code=error.code[:60],
            error=message,
            error_cause=cause,
            report=run.report or {},
            log=log.text(),
        )
        failures = connector.consecutive_failures + 1
        Connector.objects.filter(pk=connector.pk).update(consecutive_failures=failures)
    connector.consecutive_failures = failures
    notify.after_failure(connector, run)


def _cause_text(error: SatuDataError, secrets: dict) -> str:
    parts = [error.code]
    details = {k: v for k, v in (error.details or {}).items() if k != "report"}
    if details:
        parts.append(str(details)[:1000])
    return redact(" — ".join(parts), secrets)


# --- helpers ---------------------------------------------------------------------------------


def table_to_csv(table: pa.Table) -> bytes:
    """Deterministic CSV (same rows → same bytes → the warehouse sees "unchanged")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    columns = [table.column(name).to_pylist() for name in table.column_names]
    for row in zip(*columns, strict=True):
        writer.writerow(["" if value is None else as_text(value) for value in row])
    return out.getvalue().encode("utf-8")


def _previous_version(connector: Connector) -> Version | None:
    last_good = (
        connector.runs.filter(status__in=GOOD_STATUSES, version__isnull=False)
        .select_related("version")
        .order_by("-pk")
        .first()
    )
    return last_good.version if last_good else None


def _version_table(version: Version) -> pa.Table:
    table = pq.read_table(blobs.blob_path(version.parquet_sha256))
    return pa.table(
        {
            name: pa.array([as_text(v) for v in table.column(name).to_pylist()], pa.string())
            for name in table.column_names
            if not name.startswith("_")
        }
    )


def _merge_incremental(previous: Version, new: pa.Table, key: list[str], log: _RunLog) -> pa.Table:
    """Previous rows plus the new ones; with a key, a new row replaces the old row with its key."""
    old = _version_table(previous)
    new_text = pa.table(
        {
            name: pa.array([as_text(v) for v in new.column(name).to_pylist()], pa.string())
            for name in new.column_names
        }
    )
    if old.column_names != new_text.column_names:
        old = old.select([name for name in new_text.column_names if name in old.column_names])
        if old.column_names != new_text.column_names:
            raise SourceError(
                _("The new rows have other fields (%(new)s) than the last version (%(old)s).")
                % {"new": ", ".join(new_text.column_names), "old": ", ".join(old.column_names)},
                code="source-fields-changed",
            )
    if key:
        new_keys = {tuple(row[k] for k in key) for row in new_text.select(key).to_pylist()}
        kept = [row for row in old.to_pylist() if tuple(row[k] for k in key) not in new_keys]
        replaced = old.num_rows - len(kept)
        old = pa.Table.from_pylist(kept, schema=old.schema)
        log.add(
            _("%(new)d new or changed rows merged (%(replaced)d replaced).")
            % {"new": new_text.num_rows, "replaced": replaced}
        )
    else:
        log.add(_("%(new)d new rows appended.") % {"new": new_text.num_rows})
    return pa.concat_tables([old, new_text])


def _check_fields_unchanged(connector: Connector, table: pa.Table) -> None:
    """Same mapping as the last good run but other columns: the source changed its fields."""
    last_good = (
        connector.runs.filter(
            status__in=GOOD_STATUSES,
            version__isnull=False,
            mapping_version=connector.mapping_version,
        )
        .select_related("version")
        .order_by("-pk")
        .first()
    )
    if last_good is None:
        return
    before = [f.get("name") for f in (last_good.version.table_schema or {}).get("fields", [])]
    now = table.column_names
    if before and before != now:
        missing = [name for name in before if name not in now]
        extra = [name for name in now if name not in before]
        raise SourceError(
            _(
                "The source's fields changed since the last good run: missing %(missing)s, new"
                " %(extra)s. Check the source and update the mapping."
            )
            % {"missing": ", ".join(missing) or "—", "extra": ", ".join(extra) or "—"},
            code="source-fields-changed",
            details={"missing": missing, "new": extra},
        )
