"""Validation fixtures: the region list of the provinces the tests use, and helpers that run a
file through the real pipeline (stored as a version, or only validated)."""

from __future__ import annotations

import pytest

from satudata.core.permissions import SYSTEM
from satudata.warehouse.services import ingest_upload
from satudata.warehouse.validation.files import validate_file
from tests.warehouse.validation.helpers import as_bytes, load_regions


@pytest.fixture
def regions(db):
    """The Kemendagri regions of Bali and Jawa Barat, as the loader would store them."""
    return load_regions()


@pytest.fixture
def check(db):
    """Validate CSV text (no storage); returns the report."""

    def _check(data: str | bytes, schema: dict | None = None, filename: str = "data.csv"):
        return validate_file(as_bytes(data), filename=filename, schema=schema).report

    return _check


@pytest.fixture
def upload(dataset):
    """Import CSV text as a new version of the test dataset; returns the version."""

    def _upload(data: str | bytes, schema: dict | None = None, filename: str = "data.csv"):
        result = ingest_upload(
            SYSTEM, dataset, filename=filename, data=as_bytes(data), schema=schema
        )
        return result.version

    return _upload
