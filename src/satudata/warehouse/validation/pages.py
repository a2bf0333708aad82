"""What the validation report page, its JSON and the "rows to fix" downloads read.

The stored report (`Version.report`) gives the counts per type and the first problems of each
type; messages are shown again in the reader's language (vocabulary.render). The rows with
problems come from the version's issues Parquet (issues.py), read by DuckDB with the page's
filters (problem type, column, severity) and one page at a time.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from satudata.core import blobs
from satudata.warehouse import engine
from satudata.warehouse.engine import quote_identifier
from satudata.warehouse.exports.escape import escape_text
from satudata.warehouse.ingest.report import ERROR, WARNING
from satudata.warehouse.models import Version
from satudata.warehouse.validation import vocabulary
from satudata.warehouse.validation.issues import ISSUES_COLUMN, ROW_COLUMN

ROWS_PER_PAGE = 50
DOWNLOAD_BATCH_ROWS = 10_000
XLSX_CELL_MAX_CHARS = 32_767
SEVERITIES = (ERROR, WARNING)


# --- the report itself ----------------------------------------------------------------------


def rendered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Report items with their message in the active language."""
    return [{**item, "message": vocabulary.render(item)} for item in items]


def problem_groups(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Problems grouped by type, errors first: count (all of them), title, explanation and
    the listed problems (the first of their type)."""
    stats = report.get("stats") or {}
    groups = []
    for severity, key, counts_key in (
        (ERROR, "errors", "error_types"),
        (WARNING, "warnings", "warning_types"),
    ):
        items = rendered(report.get(key) or [])
        counts = dict(stats.get(counts_key) or {})
        for item in items:  # reports without counts per type (refusals): count the listed
            counts.setdefault(item["type"], 0)
        for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            listed = [item for item in items if item["type"] == kind]
            groups.append(
                {
                    "type": kind,
                    "severity": severity,
                    "count": max(count, len(listed)),
                    "title": vocabulary.title_of(kind),
                    "explanation": vocabulary.explanation_of(kind),
                    "items": listed,
                    "more": max(0, count - len(listed)),
                }
            )
    return groups


def report_json(version: Version) -> dict[str, Any]:
    """The report as served at `…/laporan.json`: stored counts, messages in the active language."""
    report = version.report or {}
    return {
        "dataset": version.dataset.slug,
        "version": version.number,
        "valid": bool(report.get("valid", version.error_count == 0)),
        "schema": report.get("schema"),
        "stats": report.get("stats", {}),
        "warnings_acknowledged": version.warnings_acknowledged_at is not None,
        "warnings_acknowledged_at": (
            version.warnings_acknowledged_at.isoformat()
            if version.warnings_acknowledged_at
            else None
        ),
        "types": {
            group["type"]: {
                "severity": group["severity"],
                "count": group["count"],
                "title": group["title"],
                "explanation": group["explanation"],
            }
            for group in problem_groups(report)
        },
        "errors": rendered(report.get("errors") or []),
        "warnings": rendered(report.get("warnings") or []),
    }


# --- the rows with problems -----------------------------------------------------------------


@dataclass
class Filters:
    kind: str = ""
    field: str = ""
    severity: str = ""

    @classmethod
    def from_query(cls, query, *, kinds: set[str], fields: set[str]) -> Filters:
        """Only values the version knows are kept (anything else means no filter)."""
        kind = str(query.get("jenis", "") or "")
        field_name = str(query.get("kolom", "") or "")
        severity = str(query.get("tingkat", "") or "")
        return cls(
            kind=kind if kind in kinds else "",
            field=field_name if field_name in fields else "",
            severity=severity if severity in SEVERITIES else "",
        )

    def as_query(self) -> dict[str, str]:
        query = {"jenis": self.kind, "kolom": self.field, "tingkat": self.severity}
        return {key: value for key, value in query.items() if value}

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE condition over the issues file, and its parameters."""
        conditions, params = [], []
        if self.kind or self.field or self.severity:
            tests = []
            for attribute, value in (
                ("type", self.kind),
                ("field", self.field),
                ("severity", self.severity),
            ):
                if value:
                    tests.append(f"x.{attribute} = ?")
                    params.append(value)
            conditions.append(
                f"len(list_filter({ISSUES_COLUMN}, lambda x: {' AND '.join(tests)})) > 0"
            )
        return (" AND ".join(conditions) or "true"), params


def issues_path(version: Version) -> Path | None:
    if not version.issues_sha256 or not blobs.exists(version.issues_sha256):
        return None
    return blobs.blob_path(version.issues_sha256)


def _source(path: Path) -> str:
    return f"read_parquet({engine.quote_literal(str(path))})"


def issue_columns(path: Path) -> list[str]:
    con = engine.connect()
    try:
        names = [
            row[0]
            for row in con.execute(f"DESCRIBE SELECT * FROM {_source(path)}").fetchall()  # noqa: S608
        ]
    finally:
        con.close()
    return [name for name in names if name not in (ROW_COLUMN, ISSUES_COLUMN)]


@dataclass
class IssueRow:
    row: int
    cells: list[dict[str, Any]]
    problems: list[dict[str, Any]] = field(default_factory=list)


def _cells(columns: list[str], values: tuple, issues: list[dict]) -> IssueRow:
    by_field: dict[str, list[dict]] = {}
    for issue in issues:
        by_field.setdefault(issue.get("field") or "", []).append(issue)
    cells = []
    for name, value in zip(columns, values, strict=True):
        marks = by_field.get(name, [])
        severity = (
            ERROR if any(m["severity"] == ERROR for m in marks) else (WARNING if marks else "")
        )
        cells.append(
            {
                "value": value,
                "severity": severity,
                "titles": [vocabulary.title_of(m["type"]) for m in marks],
            }
        )
    problems = [
        {
            "type": issue["type"],
            "severity": issue["severity"],
            "title": vocabulary.title_of(issue["type"]),
            "field": issue.get("field"),
        }
        for issue in issues
    ]
    return IssueRow(row=0, cells=cells, problems=problems)


def issue_page(path: Path, filters: Filters, page: int) -> dict[str, Any]:
    """One page of the rows with problems (filtered), with the cells to highlight."""
    columns = issue_columns(path)
    where, params = filters.sql()
    con = engine.connect()
    try:
        total = con.execute(
            f"SELECT count(*) FROM {_source(path)} WHERE {where}",  # noqa: S608
            params,
        ).fetchall()[0][0]
        pages = max(1, math.ceil(total / ROWS_PER_PAGE))
        page = min(max(1, page), pages)
        selected = ", ".join(quote_identifier(c) for c in columns)
        rows = con.execute(
            f"SELECT {ROW_COLUMN}, {selected}{', ' if selected else ''}{ISSUES_COLUMN} "  # noqa: S608
            f"FROM {_source(path)} WHERE {where} ORDER BY {ROW_COLUMN} "
            f"LIMIT {ROWS_PER_PAGE} OFFSET {(page - 1) * ROWS_PER_PAGE}",
            params,
        ).fetchall()
    finally:
        con.close()
    result = []
    for values in rows:
        item = _cells(columns, values[1:-1], values[-1] or [])
        item.row = values[0]
        result.append(item)
    return {"columns": columns, "rows": result, "total": total, "page": page, "pages": pages}


# --- downloads of the rows to fix -----------------------------------------------------------


def _problem_text(issues: list[dict]) -> str:
    parts = []
    for issue in issues or []:
        title = vocabulary.title_of(issue["type"])
        parts.append(f"{title} ({issue['field']})" if issue.get("field") else title)
    return "; ".join(parts)


def download_rows(path: Path, filters: Filters) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows for the "rows to fix" file: row number, the cells as written, problems."""
    columns = issue_columns(path)
    header = [_("Row"), *columns, _("Problems")]
    where, params = filters.sql()
    selected = ", ".join(quote_identifier(c) for c in columns)

    def rows() -> Iterator[list[Any]]:
        con = engine.connect()
        try:
            result = con.execute(
                f"SELECT {ROW_COLUMN}, {selected}{', ' if selected else ''}{ISSUES_COLUMN} "  # noqa: S608
                f"FROM {_source(path)} WHERE {where} ORDER BY {ROW_COLUMN}",
                params,
            )
            while batch := result.fetchmany(DOWNLOAD_BATCH_ROWS):
                for values in batch:
                    yield [values[0], *values[1:-1], _problem_text(values[-1])]
        finally:
            con.close()

    return header, rows()


# A plain number (`-5`, `+3`, `1.5e3`) cannot hide a formula: it is left as written, so the fixed
# file reads back the same. Anything else starting with = + - @ tab or CR gets an apostrophe.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)*|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


def _escaped(value: Any) -> Any:
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    return escape_text(value)


def write_rows_csv(path: Path, filters: Filters, target: Path) -> None:
    """UTF-8 CSV (with BOM, so Excel reads Indonesian names right), formulas escaped."""
    header, rows = download_rows(path, filters)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_escaped(name) for name in header])
        for values in rows:
            writer.writerow(["" if v is None else _escaped(v) for v in values])


def _xlsx_text(sheet, value: str) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", _escaped(value))[:XLSX_CELL_MAX_CHARS]
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula
    return cell


def write_rows_xlsx(path: Path, filters: Filters, target: Path) -> None:
    """XLSX with every cell as text (as written in the source), formulas escaped."""
    header, rows = download_rows(path, filters)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Rows to fix")[:31])
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = _xlsx_text(sheet, str(name))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for values in rows:
        sheet.append(
            [
                values[0],
                *[_xlsx_text(sheet, v) if isinstance(v, str) else v for v in values[1:]],
            ]
        )
    workbook.save(target)


ROW_WRITERS = {
    "csv": (write_rows_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        write_rows_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
