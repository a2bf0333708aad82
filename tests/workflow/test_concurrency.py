"""Two clicks at the same moment (two threads, two database connections, committed data): the
version row lock lets one submission through; the other gets the clear refusal and changes
nothing. Runs on PostgreSQL (and a file SQLite database)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import translation

from satudata.core.errors import Conflict
from satudata.core.models import AuditEvent
from satudata.workflow import services
from satudata.workflow.models import Transition
from tests.factories import CODE_CSV, make_dataset, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_submissions_let_exactly_one_through():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The in-memory shared-cache test database answers "table is locked" at once instead of
        # waiting (no busy timeout there); a real SQLite file waits (IMMEDIATE transactions).
        pytest.skip("needs a database file or PostgreSQL (the SQLite test database is in memory)")
    world = make_world("serentak")
    dataset = make_dataset(
        world.owner, title="Data Serentak", topic=world.topic, regions=["51.05"], csv=CODE_CSV
    )
    version = dataset.versions.get()
    produsen = world.users["produsen_own"]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        try:
            start.wait(timeout=10)
            with translation.override("en"):
                services.submit(produsen, version)
            outcomes.append("submitted")
        except Conflict as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == sorted(
        [
            "submitted",
            "Version 1 cannot be submitted: it is submitted for review. Nothing was changed.",
        ]
    )
    assert AuditEvent.objects.filter(action="workflow.submit").count() == 1
    assert Transition.objects.filter(version=version, action="submit").count() == 1
