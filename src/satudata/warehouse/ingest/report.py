"""A frictionless-style validation report.

Shape (stable, stored on every version and shown to users):
`{valid, stats: {errors, warnings, rows, fields}, errors: [{type, row, field, cell, message}],
warnings: [...]}`. Error types use the frictionless vocabulary (`encoding-error`, `extra-cell`,
`missing-cell`, `blank-header`, `duplicate-label`, `blank-row`, `source-error`, …) so that users and
tools can rely on the names. Issue 4 adds the full validation checks on top of this builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed

# Only the first problems of each kind are listed; the counts stay exact.
MAX_LISTED_ITEMS = 100


@dataclass
class Report:
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    rows: int = 0
    fields: int = 0

    @staticmethod
    def _item(kind: str, message: str, row, field_name, cell) -> dict[str, Any]:
        return {"type": kind, "row": row, "field": field_name, "cell": cell, "message": message}

    def error(
        self,
        kind: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        cell: str | None = None,
        count: int = 1,
    ) -> None:
        self.error_count += count
        if len(self.errors) < MAX_LISTED_ITEMS:
            self.errors.append(self._item(kind, message, row, field, cell))

    def warning(
        self,
        kind: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        cell: str | None = None,
        count: int = 1,
    ) -> None:
        self.warning_count += count
        if len(self.warnings) < MAX_LISTED_ITEMS:
            self.warnings.append(self._item(kind, message, row, field, cell))

    @property
    def valid(self) -> bool:
        return self.error_count == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "stats": {
                "errors": self.error_count,
                "warnings": self.warning_count,
                "rows": self.rows,
                "fields": self.fields,
            },
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
