"""Validation fixtures: the region list of the provinces the tests use, and helpers that run a
file through the real pipeline (stored as a version, or only validated)."""

from __future__ import annotations

import gzip

import pytest

from satudata.core.permissions import SYSTEM
from satudata.warehouse.services import ingest_upload
from satudata.warehouse.validation.files import validate_file
from satudata.warehouse.validation.references import PACKAGED_REGIONS
from tests.warehouse.validation.helpers import as_bytes

# Bali (the reference deployment) and Jawa Barat (the shared sample files).
PROVINCES = ("51", "32")


def _packaged_rows(prefixes: tuple[str, ...]) -> list[dict]:
    import csv

    with gzip.open(PACKAGED_REGIONS, "rt", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["kode"].split(".")[0] in prefixes]


@pytest.fixture
def regions(db):
    """The Kemendagri regions of Bali and Jawa Barat, as the loader would store them."""
    from satudata.regions.models import Region

    rows = _packaged_rows(PROVINCES)
    Region.objects.bulk_create(
        [
            Region(
                code=row["kode"],
                name=row["nama"],
                level=row["level"],
                depth=row["kode"].count(".") + 1,
                parent_id=row["parent_kode"] or None,
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )
    return {row["kode"]: row["nama"] for row in rows}


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
