"""Helpers shared by the validation tests."""

from __future__ import annotations


def as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def found(report: dict, severity: str = "errors") -> list[tuple]:
    """(type, row, field) of the listed problems, in file order."""
    return [(i["type"], i["row"], i["field"]) for i in report[severity]]


def counts(report: dict) -> dict:
    """Problems per type, errors and warnings together (all counted, not only the listed)."""
    stats = report["stats"]
    return {**stats.get("error_types", {}), **stats.get("warning_types", {})}
