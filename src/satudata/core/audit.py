"""The hash-chained audit log (DESIGN §4).

`hash = sha256(prev_hash + canonical event)`. Services call `record()` inside their transaction,
explicitly, so that every write is visible at its call site (no signals). `verify_chain()` walks
the whole chain and reports the first event whose link does not hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from satudata.core.middleware import current_request_id
from satudata.core.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


def digest(value: Any) -> str:
    """A stable sha256 of any JSON-able value (used for before/after snapshots)."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _canonical_event(event: AuditEvent) -> str:
    return canonical_json(
        {
            "id": event.pk,
            "created_at": event.created_at.isoformat(),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object_label": event.object_label,
            "organisation_id": event.organisation_id,
            "changes": event.changes,
            "before_digest": event.before_digest,
            "after_digest": event.after_digest,
            "request_id": event.request_id,
        }
    )


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + _canonical_event(event)).encode()).hexdigest()


def _object_identity(obj: models.Model | None, object_type: str | None) -> tuple[str, str, str]:
    if obj is None:
        return object_type or "", "", ""
    label = str(obj)[:300]
    return object_type or obj._meta.label_lower, str(obj.pk), label


def _actor_identity(actor) -> tuple[int | None, str]:
    """(id, label) for a Django user, an Actor, or None (the system)."""
    from satudata.core.permissions import Actor

    if actor is None:
        return None, "sistem"
    if isinstance(actor, Actor):
        return actor.user_id, (actor.username or "sistem")[:200]
    if getattr(actor, "is_authenticated", False):
        return actor.pk, actor.get_username()[:200]
    return None, "anonim"


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    organisation_id: int | None = None,
    changes: dict | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction (services use `atomic`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside a transaction")
    kind, pk, label = _object_identity(obj, object_type)
    # Locking the head row serialises appenders on PostgreSQL/MariaDB; SQLite is serialised by
    # its IMMEDIATE transactions.
    head, _ = AuditHead.objects.select_for_update().get_or_create(singleton=1)
    actor_id, actor_label = _actor_identity(actor)
    event = AuditEvent(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=kind,
        object_id=object_id or pk,
        object_label=label,
        organisation_id=organisation_id,
        changes=json.loads(canonical_json(changes or {})),
        before_digest=digest(before) if before is not None else "",
        after_digest=digest(after) if after is not None else "",
        request_id=current_request_id(),
        prev_hash=head.last_hash,
        hash="pending-" + head.last_hash[:50],
    )
    event.save()
    event.hash = compute_hash(head.last_hash, event)
    AuditEvent.objects.filter(pk=event.pk).update(hash=event.hash)
    head.last_event_id = event.pk
    head.last_hash = event.hash
    head.count += 1
    head.save()
    return event


@dataclass
class ChainBreak:
    event_id: int | None
    reason: str


@dataclass
class ChainReport:
    checked: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _iter_events(batch_size: int = 2000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(pk__gt=last_id).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].pk


def verify_chain() -> ChainReport:
    """Walk the chain from the genesis; return the first event whose link is broken."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = 0
    for event in _iter_events():
        if event.prev_hash != prev_hash:
            return ChainReport(
                checked,
                ChainBreak(event.pk, "previous event missing or altered (prev_hash mismatch)"),
            )
        if compute_hash(prev_hash, event) != event.hash:
            return ChainReport(
                checked, ChainBreak(event.pk, "event content altered (hash mismatch)")
            )
        prev_hash = event.hash
        last_id = event.pk
        checked += 1
    head = AuditHead.objects.filter(singleton=1).first()
    if head is not None and (head.last_hash != prev_hash or head.count != checked):
        return ChainReport(
            checked,
            ChainBreak(
                head.last_event_id or None,
                f"newest events missing: chain ends at #{last_id}, head says #{head.last_event_id}",
            ),
        )
    return ChainReport(checked, None)
