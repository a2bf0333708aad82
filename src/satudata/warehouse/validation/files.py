"""Validating a file without storing anything (the `satudata dataset validate` command, tests).

The file goes through the same pipeline as an import (`ingest/pipeline.process`) inside a
scratch folder that is removed afterwards; only the report (and the schema used) come back. A
file the pipeline refuses gives its refusal report, so a script always gets a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from satudata.core import blobs
from satudata.core.errors import ValidationFailed
from satudata.warehouse.ingest.pipeline import process
from satudata.warehouse.ingest.receive import receive


@dataclass
class FileValidation:
    report: dict[str, Any]
    table_schema: dict[str, Any] | None = None
    row_count: int = 0
    refused: bool = False
    # The rows with problems (as in issues.py), only when asked for.
    issue_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return bool(self.report.get("valid"))


def _read_issue_rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def validate_file(
    data: Path | bytes,
    *,
    filename: str | None = None,
    schema: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    with_issue_rows: bool = False,
) -> FileValidation:
    """The validation report of a file, as an import would make it; nothing is stored."""
    if filename is None:
        filename = data.name if isinstance(data, Path) else "data.csv"
    try:
        with receive(data, filename) as received, blobs.workspace() as workdir:
            outcome = process(received, workdir, options=options, schema=schema)
            rows = []
            if with_issue_rows and outcome.issues_path is not None:
                rows = _read_issue_rows(outcome.issues_path)
            return FileValidation(
                report=outcome.report,
                table_schema=outcome.table_schema,
                row_count=outcome.row_count,
                issue_rows=rows,
            )
    except ValidationFailed as exc:
        return FileValidation(report=refusal_report(exc), refused=True)


def refusal_report(exc: ValidationFailed) -> dict[str, Any]:
    """The report of a refused file (a bare one when the refusal came without a report)."""
    report = exc.details.get("report") if isinstance(exc.details, dict) else None
    if report:
        return report
    item = {"type": exc.code, "row": None, "field": None, "cell": None, "message": exc.message}
    return {
        "valid": False,
        "stats": {
            "errors": 1,
            "warnings": 0,
            "rows": 0,
            "fields": 0,
            "error_types": {exc.code: 1},
            "warning_types": {},
        },
        "errors": [item],
        "warnings": [],
    }
