"""Dashboards fixtures: English msgids in assertions; Klungkung's regions and boundaries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def klungkung(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Kabupaten Klungkung's 64 regions with their boundaries, rolled back after the module."""
    from satudata.regions.loader import load_boundaries, load_regions

    with django_db_blocker.unblock(), transaction.atomic():
        load_regions(within="51.05")
        load_boundaries()
        yield
        transaction.set_rollback(True)
