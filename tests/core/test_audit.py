"""The hash-chained audit log: appends link up, and `verify_chain` finds altered or missing rows."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from satudata.core.audit import GENESIS_HASH, record, verify_chain
from satudata.core.models import AuditEvent, AuditHead
from satudata.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


def append_events(count: int) -> list[AuditEvent]:
    events = []
    for number in range(count):
        with transaction.atomic():
            events.append(
                record(
                    SYSTEM,
                    "test.event",
                    object_type="test.thing",
                    object_id=str(number),
                    changes={"number": number, "name": f"peristiwa {number}"},
                )
            )
    return events


def tamper_changes(event_id: int, changes_json: str) -> None:
    """Alter one row behind the application's back, as an intruder with SQL access would."""
    table = AuditEvent._meta.db_table
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET changes = %s{cast} WHERE id = %s", [changes_json, event_id]
        )


def delete_row(event_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [event_id])


def test_empty_chain_is_intact():
    report = verify_chain()
    assert report.ok
    assert report.checked == 0


def test_events_link_to_their_predecessor_and_the_head_follows():
    events = append_events(3)
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditHead.objects.get()
    assert (head.last_event_id, head.last_hash, head.count) == (events[2].pk, events[2].hash, 3)
    report = verify_chain()
    assert report.ok and report.checked == 3


def test_an_altered_row_is_reported_with_its_id():
    events = append_events(4)
    tamper_changes(events[1].pk, '{"number": 99, "name": "diubah"}')
    report = verify_chain()
    assert not report.ok
    assert report.broken.event_id == events[1].pk
    assert "altered" in report.broken.reason
    assert report.checked == 1


def test_a_deleted_row_in_the_middle_breaks_the_next_link():
    events = append_events(4)
    delete_row(events[2].pk)
    report = verify_chain()
    assert not report.ok
    assert report.broken.event_id == events[3].pk
    assert "missing" in report.broken.reason


def test_a_deleted_newest_row_is_noticed_through_the_head():
    events = append_events(3)
    delete_row(events[2].pk)
    report = verify_chain()
    assert not report.ok
    assert report.broken.event_id == events[2].pk
    assert "newest events missing" in report.broken.reason
