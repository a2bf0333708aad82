"""Background ingest with Huey (DESIGN §3): uploads and re-reads run as jobs.

- **Queue**: SQLite in the home folder (`SATUDATA_JOBS_DB`) by default; Redis when
  `SATUDATA_REDIS_URL` is set (needs the `redis` package), so workers on other machines share it.
- **Worker**: `satudata worker` runs a consumer; `satudata serve` and `satudata demo` run one
  embedded in the server process (a thread) unless started with `--no-worker`. A running worker
  touches a heartbeat file every few seconds (`BLOB_ROOT/worker.heartbeat`); when no worker has
  been seen for `SATUDATA_WORKER_HEARTBEAT_S`, a job runs at once in the request that made it,
  so nothing ever waits for a worker that does not exist.
- **A job** (models.IngestJob) keeps the uploaded bytes in the spool folder (`BLOB_ROOT/spool`,
  outside the content-addressed store: a refused file stores nothing) until its task has run,
  and records each step (queued → reading → validating → writing → done | failed) for the status
  page. A failed upload keeps its spooled file for `SATUDATA_SPOOL_MAX_AGE_H` hours, so the user
  can retry with another sheet, ZIP member or header rows without uploading again.
- **Never crashes the worker**: every failure ends as a failed job with its message and report.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer

from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound, PermissionDenied, SatuDataError, ValidationFailed
from satudata.core.permissions import actor_for
from satudata.warehouse.ingest.receive import clean_filename, too_large_message, upload_limit_bytes
from satudata.warehouse.ingest.sniff import ReadOptions
from satudata.warehouse.models import IngestJob, JobStatus, Version

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_S = 5
COPY_CHUNK_BYTES = 1024 * 1024


def _make_huey():
    redis_url = os.environ.get("SATUDATA_REDIS_URL", "")
    if redis_url:
        return RedisHuey("satudata", url=redis_url)
    path = Path(getattr(settings, "SATUDATA_JOBS_DB", settings.SATUDATA_HOME / "jobs.sqlite3"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("satudata", filename=str(path))


huey = _make_huey()


# --- the worker's heartbeat -----------------------------------------------------------------


def heartbeat_path() -> Path:
    return Path(settings.BLOB_ROOT) / "worker.heartbeat"


def beat() -> None:
    path = heartbeat_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, None)


def worker_alive() -> bool:
    """Has a worker shown itself within `SATUDATA_WORKER_HEARTBEAT_S`?"""
    limit = float(getattr(settings, "SATUDATA_WORKER_HEARTBEAT_S", 30))
    try:
        return time.time() - heartbeat_path().stat().st_mtime <= limit
    except OSError:
        return False


def _heartbeat_loop(stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError):
            beat()
        stop.wait(HEARTBEAT_INTERVAL_S)


def start_heartbeat() -> threading.Event:
    stop = threading.Event()
    threading.Thread(
        target=_heartbeat_loop, args=(stop,), name="satudata-heartbeat", daemon=True
    ).start()
    return stop


class EmbeddedConsumer(Consumer):
    """A consumer living inside another program (the web server): worker threads only, and the
    host program keeps its own signal handling."""

    def _set_signal_handlers(self) -> None:
        return None


def start_embedded_worker(threads: int | None = None) -> EmbeddedConsumer:
    """Start worker threads in this process (for `satudata serve` / `satudata demo`)."""
    consumer = EmbeddedConsumer(
        huey,
        workers=threads or int(getattr(settings, "SATUDATA_WORKER_THREADS", 1)),
        worker_type="thread",
        # Periodic tasks too (the daily review and Daftar Data reminders, report and connector
        # schedules): started once in the server's parent process, so `--workers N` schedules
        # them once; the daily tasks also skip what they already sent today.
        periodic=True,
        check_worker_health=False,
    )
    consumer.start()
    start_heartbeat()
    return consumer


def run_worker(threads: int | None = None) -> None:
    """Run a consumer in the foreground until interrupted (`satudata worker`)."""
    consumer = huey.create_consumer(
        workers=threads or int(getattr(settings, "SATUDATA_WORKER_THREADS", 1)),
        worker_type="thread",
    )
    stop = start_heartbeat()
    try:
        consumer.run()
    finally:
        stop.set()


# --- the spool ----------------------------------------------------------------------------------


def spool_dir() -> Path:
    folder = Path(settings.BLOB_ROOT) / "spool"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def spool_path(job: IngestJob) -> Path:
    return spool_dir() / job.spool_name


def _chunks(data: bytes | BinaryIO | Path):
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), COPY_CHUNK_BYTES):
            yield bytes(view[start : start + COPY_CHUNK_BYTES])
        return
    if isinstance(data, str | Path):
        with Path(data).open("rb") as handle:
            while chunk := handle.read(COPY_CHUNK_BYTES):
                yield chunk
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        data.seek(0)
    while chunk := data.read(COPY_CHUNK_BYTES):
        yield chunk


def _spool(data: bytes | BinaryIO | Path) -> tuple[str, int]:
    """Write the upload to the spool (bounded by the upload limit); returns (name, size)."""
    name = f"job-{uuid.uuid4().hex}"
    target = spool_dir() / name
    limit = upload_limit_bytes()
    size = 0
    try:
        with target.open("wb") as handle:
            for chunk in _chunks(data):
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(too_large_message(), code="invalid-file")
                handle.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise ValidationFailed(_("The file is empty."), code="invalid-file")
    return name, size


def purge_spool() -> int:
    """Delete spooled files older than `SATUDATA_SPOOL_MAX_AGE_H` (failed jobs' files)."""
    max_age = float(getattr(settings, "SATUDATA_SPOOL_MAX_AGE_H", 24)) * 3600
    removed = 0
    now = time.time()
    for path in spool_dir().glob("job-*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > max_age:
                path.unlink()
                removed += 1
    return removed


# --- making jobs --------------------------------------------------------------------------------


def _editable_dataset(who, dataset: Dataset) -> Dataset:
    from satudata.warehouse.services import _editable_dataset as editable

    return editable(who, dataset)


def _clean_message(message: str) -> str:
    from satudata.warehouse.services import MESSAGE_MAX_CHARS

    return " ".join(str(message or "").split())[:MESSAGE_MAX_CHARS]


def _create_job(who, dataset: Dataset, **fields: Any) -> IngestJob:
    """The job row is a work ticket, not data: it is not audited itself. What it changes is —
    the new version (`version.create`, services.ingest_upload) — and a refused file leaves the
    audit chain untouched."""
    with transaction.atomic():
        return IngestJob.objects.create(dataset=dataset, created_by_id=who.user_id, **fields)


def dispatch(job: IngestJob) -> IngestJob:
    """Queue the job for a worker, or run it now when no worker is running."""
    if worker_alive() or huey.immediate:
        run_ingest_job(job.pk)
    else:
        run_job(job.pk)
    job.refresh_from_db()
    return job


def enqueue_upload(
    actor,
    dataset: Dataset,
    *,
    filename: str,
    data: bytes | BinaryIO | Path,
    message: str = "",
    options: dict | None = None,
) -> IngestJob:
    who = actor_for(actor)
    dataset = _editable_dataset(who, dataset)
    purge_spool()
    name, size = _spool(data)
    try:
        job = _create_job(
            who,
            dataset,
            kind=IngestJob.KIND_UPLOAD,
            filename=clean_filename(filename),
            size=size,
            spool_name=name,
            options=ReadOptions.from_dict(options).to_dict(),
            message=_clean_message(message),
        )
    except BaseException:
        (spool_dir() / name).unlink(missing_ok=True)
        raise
    return dispatch(job)


def retry_upload(actor, job: IngestJob, *, options: dict | None = None) -> IngestJob:
    """A failed upload again, from its spooled file, with other reading choices."""
    who = actor_for(actor)
    found = IngestJob.objects.editable_by(who).filter(pk=job.pk).first()
    if found is None:
        raise NotFound(_("Upload not found."))
    if found.kind != IngestJob.KIND_UPLOAD or not found.spool_name:
        raise ValidationFailed(_("This upload cannot be retried; upload the file again."))
    if not spool_path(found).is_file():
        raise ValidationFailed(
            _("The uploaded file is no longer kept (it is removed after a while); upload it again.")
        )
    dataset = _editable_dataset(who, found.dataset)
    new = _create_job(
        who,
        dataset,
        kind=IngestJob.KIND_UPLOAD,
        filename=found.filename,
        size=found.size,
        spool_name=found.spool_name,
        options=ReadOptions.from_dict(options).to_dict(),
        message=found.message,
    )
    IngestJob.objects.filter(pk=found.pk).update(spool_name="")
    return dispatch(new)


def enqueue_reread(
    actor,
    version: Version,
    *,
    schema: dict | None = None,
    options: dict | None = None,
    message: str = "",
) -> IngestJob:
    who = actor_for(actor)
    found = Version.objects.editable_by(who).filter(pk=version.pk).select_related("dataset").first()
    if found is None:
        _editable_dataset(who, version.dataset)
        raise NotFound(_("Version not found."))
    job = _create_job(
        who,
        found.dataset,
        kind=IngestJob.KIND_REREAD,
        filename=found.source_filename or "data",
        size=found.raw_size,
        source_version=found,
        table_schema=schema,
        options=ReadOptions.from_dict(options).to_dict() if options is not None else {},
        message=_clean_message(message),
    )
    return dispatch(job)


# --- running jobs -------------------------------------------------------------------------------


def _update(job: IngestJob, **fields: Any) -> None:
    IngestJob.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def _stage_recorder(job: IngestJob) -> Callable[[str], None]:
    def record(stage: str) -> None:
        if stage in JobStatus.values:
            _update(job, status=stage)

    return record


def _execute(job: IngestJob):
    from satudata.warehouse import services

    actor = job.created_by
    if actor is None:
        raise PermissionDenied(_("The account that made this upload no longer exists."))
    on_stage = _stage_recorder(job)
    if job.kind == IngestJob.KIND_REREAD:
        if job.source_version is None:
            raise NotFound(_("The version to read again no longer exists."))
        return services.rederive_version(
            actor,
            job.source_version,
            schema=job.table_schema,
            options=job.options or None,
            message=job.message,
            on_stage=on_stage,
        )
    path = spool_path(job)
    if not job.spool_name or not path.is_file():
        raise ValidationFailed(_("The uploaded file is no longer kept; upload it again."))
    return services.ingest_upload(
        actor,
        job.dataset,
        filename=job.filename,
        data=path,
        message=job.message,
        options=job.options,
        on_stage=on_stage,
    )


def _drop_spool(job: IngestJob) -> None:
    if job.spool_name:
        spool_path(job).unlink(missing_ok=True)
        _update(job, spool_name="")


def run_job(job_id: int) -> None:
    """Run one job to its end; every outcome is recorded on the job, nothing is raised."""
    job = (
        IngestJob.objects.select_related("dataset", "source_version", "created_by")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.finished:
        return
    _update(job, status=JobStatus.READING, started_at=timezone.now())
    try:
        result = _execute(job)
    except ValidationFailed as exc:
        _update(
            job,
            status=JobStatus.FAILED,
            error=exc.message,
            report=exc.details.get("report") or {},
            choices=exc.details.get("choices") or {},
            finished_at=timezone.now(),
        )
    except SatuDataError as exc:  # permission, not found: the file cannot be used again
        _update(job, status=JobStatus.FAILED, error=exc.message, finished_at=timezone.now())
        _drop_spool(job)
    except Exception:
        logger.exception("ingest job %s failed", job_id)
        _update(
            job,
            status=JobStatus.FAILED,
            error=_(
                "An unexpected error stopped the import; nothing was stored. The"
                " administrator can find the details in the server log."
            ),
            finished_at=timezone.now(),
        )
    else:
        _update(
            job,
            status=JobStatus.DONE,
            version=result.version,
            created_version=result.created,
            report=result.report or {},
            choices=(result.version.read_options if result.version else {}) or {},
            finished_at=timezone.now(),
        )
        _drop_spool(job)


@huey.task(name="satudata.ingest")
def run_ingest_job(job_id: int) -> None:
    # A worker thread must not reuse a connection the database has dropped; in immediate mode
    # (tests) the task runs inside the caller's transaction, which must be left alone.
    if not huey.immediate:
        close_old_connections()
    try:
        run_job(job_id)
    finally:
        if not huey.immediate:
            close_old_connections()
