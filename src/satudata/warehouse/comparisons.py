"""Comparing two large versions in the background (Huey, like ingest jobs).

Working out a comparison reads both versions whole: a few seconds at 10 million rows, longer on a
busy machine — too long for a request. When both versions together have more rows than
`SATUDATA_COMPARE_INLINE_MAX_ROWS`, the compare page starts a job and polls (htmx) until the
stored comparison exists (versions.work_out_comparison); every page after that is read from the
stored result in milliseconds, by the web server or any worker.

The job's state is two small marker files next to the stored comparisons, named by the
comparison id (a digest of both Parquet hashes, the key and the schemas): `<id>.running` while a
worker works on it (with the start time and the step), `<id>.failed` with the message when it
failed. Nothing else is stored: the comparison is derived data of two immutable versions, the
page checks permissions on every request, and the same comparison asked by two users runs once.
A running marker older than `SATUDATA_COMPARE_STALE_S` (a worker that died) is started again.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from satudata.core.errors import SatuDataError
from satudata.warehouse import tasks
from satudata.warehouse.models import Version
from satudata.warehouse.versions import comparison_id, comparisons_dir, work_out_comparison

logger = logging.getLogger(__name__)


@dataclass
class ComparisonState:
    comparison_id: str
    running: bool
    started: float | None = None
    error: str = ""

    @property
    def seconds(self) -> int:
        return max(0, int(time.time() - self.started)) if self.started else 0


def _marker(cid: str, kind: str) -> Path:
    return comparisons_dir() / f"{cid}.{kind}"


def _read_marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def stale_after_s() -> float:
    return float(getattr(settings, "SATUDATA_COMPARE_STALE_S", 1800))


def state_of(cid: str) -> ComparisonState | None:
    """The job's state, or None when no job runs or failed for this comparison."""
    failed = _read_marker(_marker(cid, "failed"))
    if failed is not None:
        return ComparisonState(cid, running=False, error=str(failed.get("error", "")))
    running = _read_marker(_marker(cid, "running"))
    if running is not None:
        started = float(running.get("started", 0))
        if time.time() - started <= stale_after_s():
            return ComparisonState(cid, running=True, started=started)
    return None


def start(old: Version, new: Version, key: list[str], *, retry: bool = False) -> ComparisonState:
    """Start working out the comparison (both versions already permission-checked by the caller)
    unless a job runs for it already. With no worker running, it runs now, in this request."""
    cid = comparison_id(old, new, key)
    if retry:
        _marker(cid, "failed").unlink(missing_ok=True)
    state = state_of(cid)
    if state is not None:
        return state
    started = time.time()
    _marker(cid, "running").write_text(json.dumps({"started": started}))
    if tasks.worker_alive() or tasks.huey.immediate:
        compare_task(old.pk, new.pk, key)
    else:
        run_comparison(old.pk, new.pk, key)
    return state_of(cid) or ComparisonState(cid, running=False, started=started)


def run_comparison(old_id: int, new_id: int, key: list[str]) -> None:
    """Work the comparison out; a failure is kept as the job's message, never raised."""
    old = Version.objects.filter(pk=old_id).first()
    new = Version.objects.filter(pk=new_id).first()
    if old is None or new is None:
        return
    cid = comparison_id(old, new, key)
    try:
        work_out_comparison(old, new, key)
    except SatuDataError as exc:
        _marker(cid, "failed").write_text(json.dumps({"error": exc.message}))
    except Exception:
        logger.exception("comparison of versions %s and %s failed", old_id, new_id)
        message = _(
            "The comparison could not be worked out. The administrator can find the details "
            "in the server log."
        )
        _marker(cid, "failed").write_text(json.dumps({"error": message}))
    finally:
        _marker(cid, "running").unlink(missing_ok=True)


@tasks.huey.task(name="satudata.compare")
def compare_task(old_id: int, new_id: int, key: list[str]) -> None:
    if not tasks.huey.immediate:
        close_old_connections()
    try:
        run_comparison(old_id, new_id, key)
    finally:
        if not tasks.huey.immediate:
            close_old_connections()
