"""Helpers shared by the validation tests."""

from __future__ import annotations

import csv
import gzip

from satudata.warehouse.validation.references import PACKAGED_REGIONS

# Bali (the reference deployment) and Jawa Barat (the shared sample files).
PROVINCES = ("51", "32")


def load_regions(prefixes: tuple[str, ...] = PROVINCES) -> dict[str, str]:
    """Store the Kemendagri regions of these provinces as the loader would (code → name)."""
    from satudata.regions.models import Region

    with gzip.open(PACKAGED_REGIONS, "rt", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["kode"].split(".")[0] in prefixes]
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


def as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def found(report: dict, severity: str = "errors") -> list[tuple]:
    """(type, row, field) of the listed problems, in file order."""
    return [(i["type"], i["row"], i["field"]) for i in report[severity]]


def counts(report: dict) -> dict:
    """Problems per type, errors and warnings together (all counted, not only the listed)."""
    stats = report["stats"]
    return {**stats.get("error_types", {}), **stats.get("warning_types", {})}
