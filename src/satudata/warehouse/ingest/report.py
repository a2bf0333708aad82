"""A frictionless-style validation report.

Shape (stable, stored on every version, shown to users and served as JSON):

    {valid, schema: "given"|"inferred", errors: [{type, row, field, cell, message, params}],
     warnings: [...], stats: {errors, warnings, rows, fields, error_types: {type: n},
     warning_types: {type: n}}}

Error types use the frictionless vocabulary (`type-error`, `constraint-error`, `missing-cell`,
`extra-cell`, `blank-row`, `duplicate-row`, `unique-error`, `primary-key`, `foreign-key`,
`encoding-error`, `blank-header`, `duplicate-label`, `source-error`, …) plus Satu Data's domain
warnings (`warehouse/validation/vocabulary.py`). Every problem is counted; only the first
`SATUDATA_VALIDATION_LISTED_PER_TYPE` of each type (and severity) are listed. `params` keep what
a message needs, so pages can show it again in the reader's language (`vocabulary.render`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed

ERROR, WARNING = "error", "warning"
# Used when the settings do not say (and as the documented default).
DEFAULT_LISTED_PER_TYPE = 100


def listed_per_type() -> int:
    return max(1, int(getattr(settings, "SATUDATA_VALIDATION_LISTED_PER_TYPE", 100)))


@dataclass
class Report:
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    rows: int = 0
    fields: int = 0
    error_types: Counter = field(default_factory=Counter)
    warning_types: Counter = field(default_factory=Counter)
    schema_source: str = "inferred"
    listed_cap: int = field(default_factory=listed_per_type)

    @staticmethod
    def _item(kind, message, row, field_name, cell, params) -> dict[str, Any]:
        item = {"type": kind, "row": row, "field": field_name, "cell": cell, "message": message}
        if params is not None:
            item["params"] = params
        return item

    def add(
        self,
        severity: str,
        kind: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        cell: str | None = None,
        count: int = 1,
        params: dict[str, Any] | None = None,
        listed: bool = True,
    ) -> None:
        """Count `count` problems of `kind`; list this one unless its type is already full.

        `listed=False` only counts (the caller lists the first ones itself)."""
        items, types = (
            (self.errors, self.error_types)
            if severity == ERROR
            else (self.warnings, self.warning_types)
        )
        if listed and self.listed_of(severity, kind) < self.listed_cap:
            items.append(self._item(kind, message, row, field, cell, params))
        types[kind] += count
        if severity == ERROR:
            self.error_count += count
        else:
            self.warning_count += count

    def listed_of(self, severity: str, kind: str) -> int:
        items = self.errors if severity == ERROR else self.warnings
        return sum(1 for item in items if item["type"] == kind)

    def error(self, kind: str, message: str, **where: Any) -> None:
        self.add(ERROR, kind, message, **where)

    def warning(self, kind: str, message: str, **where: Any) -> None:
        self.add(WARNING, kind, message, **where)

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def sort(self) -> None:
        """File order (row, then type) so a reader meets the problems as they appear."""

        def key(item: dict[str, Any]):
            return (item["row"] is None, item["row"] or 0, item["type"])

        self.errors.sort(key=key)
        self.warnings.sort(key=key)

    def to_dict(self) -> dict[str, Any]:
        # Counts that readers added without `add` (e.g. `error_count += n`) stay visible.
        error_types = dict(self.error_types)
        untyped = self.error_count - sum(error_types.values())
        if untyped > 0 and self.errors:
            kind = self.errors[-1]["type"]
            error_types[kind] = error_types.get(kind, 0) + untyped
        return {
            "valid": self.valid,
            "stats": {
                "errors": self.error_count,
                "warnings": self.warning_count,
                "rows": self.rows,
                "fields": self.fields,
                "error_types": error_types,
                "warning_types": dict(self.warning_types),
            },
            "schema": self.schema_source,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }

    def reject(self) -> ValidationFailed:
        """The error to raise when the file cannot become a version (first problems listed)."""
        shown = [item["message"] for item in self.errors[:3]]
        message = " ".join(shown)
        hidden = self.error_count - len(shown)
        if hidden > 0:
            message += " " + _("(%(count)d more problems in the report.)") % {"count": hidden}
        return ValidationFailed(message, code="invalid-file", details={"report": self.to_dict()})


def fail(kind: str, message: str, **where: Any) -> ValidationFailed:
    """A single fatal problem (empty file, binary file, …) as a ValidationFailed with its report."""
    report = Report()
    report.error(kind, message, **where)
    return report.reject()
