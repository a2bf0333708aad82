"""Region fixtures: the packaged data loaded once per module, rolled back at the end.

Loading happens inside an outer transaction opened with `django_db_blocker`; each test then runs
in its own savepoint (the usual `db` fixture), so tests may write and leave nothing behind, and
the next module starts from an empty Region table.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import translation

from satudata.regions.loader import load_all, load_boundaries, load_bps_bridge, load_regions


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions read the English msgids; tests that check Indonesian override this."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def klungkung(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Kabupaten Klungkung (51.05): its 64 regions, Bali, the boundaries and the BPS bridge."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = {
            "regions": load_regions(within="51.05"),
            "boundaries": load_boundaries(),
            "bps_bridge": load_bps_bridge(),
        }
        yield counts
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def whole_country(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """The whole packaged Kemendagri list (91,599 codes) with boundaries and bridge, timed."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.perf_counter()
        counts = load_all()
        counts["seconds"] = time.perf_counter() - started
        yield counts
        transaction.set_rollback(True)
