"""The Daftar Data template (download) and reading a filled one (CSV or XLSX) into rows."""

from __future__ import annotations

import contextlib
import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from satudata.core.errors import ValidationFailed

COLUMNS = ["organisation", "title", "dataset", "frequency", "period", "notes"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


def template_xlsx(example_rows: list[list[str]] | None = None) -> bytes:
    """An XLSX with the header row, one explained example row per kind, and a help sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "daftar_data"
    sheet.append(COLUMNS)
    for row in example_rows or []:
        sheet.append(row)
    help_sheet = book.create_sheet("petunjuk")
    help_sheet.append([_("column"), _("meaning")])
    help_sheet.append(["organisation", _("Agency slug, name or short name")])
    help_sheet.append(["title", _("Title of the promised dataset")])
    help_sheet.append(["dataset", _("Slug of an existing dataset of that agency (optional)")])
    help_sheet.append(["frequency", _("yearly, semester, quarterly or monthly (or tahunan, …)")])
    help_sheet.append(["period", _("2025 (yearly), 2026-03 (monthly), 2026-T1 (quarter), 2026-S1")])
    help_sheet.append(["notes", _("Optional notes")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _table(filename: str, data: bytes) -> list[list[str]]:
    name = filename.lower()
    if name.endswith((".xlsx", ".xls", ".ods")):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return [[_cell(v) for v in row] for row in book.get_sheet_by_index(0).to_python()]
        except Exception:  # calamine raises its own error types for broken workbooks
            raise ValidationFailed(_("The workbook could not be read.")) from None
    if name.endswith((".csv", ".txt")):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(_("The CSV file is not UTF-8 text.")) from None
        dialect = csv.excel
        with contextlib.suppress(csv.Error):
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    raise ValidationFailed(_("Upload the template as .xlsx or .csv."))


def read_rows(filename: str, data: bytes) -> list[dict]:
    """Rows as dicts keyed by COLUMNS (with `_line`, the 1-based line in the file); raises
    ValidationFailed for an unreadable file or a header without the required columns."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 5 MB."))
    table = [row for row in _table(filename, data)]
    if not table:
        raise ValidationFailed(_("The file is empty."))
    header = [value.strip().lower() for value in table[0]]
    required = ("organisation", "title", "frequency", "period")
    missing = [name for name in required if name not in header]
    if missing:
        raise ValidationFailed(
            _("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    if len(table) > MAX_ROWS + 1:
        raise ValidationFailed(_("The file has more than %(count)s rows.") % {"count": MAX_ROWS})
    rows = []
    for line, values in enumerate(table[1:], start=2):
        if not any(values):
            continue
        row = {name: values[i] if i < len(values) else "" for i, name in enumerate(header)}
        row["_line"] = line
        rows.append(row)
    return rows
