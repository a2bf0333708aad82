"""XLSX download: typed cells (numbers stay numbers, dates are dates), text cells formula-escaped
and always stored as text, plus a second sheet with the dataset's metadata and column list.

openpyxl's write-only mode keeps memory flat; rows come from DuckDB in batches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from satudata.warehouse import engine
from satudata.warehouse.exports.escape import escape_text
from satudata.warehouse.models import Version
from satudata.warehouse.queries import parquet_path, schema_fields

BATCH_ROWS = 10_000
# Excel refuses cells longer than this; longer text is cut with a marker (the CSV keeps it whole).
XLSX_CELL_MAX_CHARS = 32_767
TRUNCATION_MARK = "…"


def _text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", escape_text(value))
    if len(value) > XLSX_CELL_MAX_CHARS:
        value = value[: XLSX_CELL_MAX_CHARS - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return value


def _cell(sheet, value: Any) -> Any:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=_text(value))
        cell.data_type = "s"  # never a formula, whatever the text
        return cell
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return value


def _header(sheet, values: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = _cell(sheet, value)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _write_data(sheet, version: Version) -> None:
    fields = schema_fields(version)
    names = [f["name"] for f in fields]
    sheet.append(_header(sheet, names))
    if not names:
        return
    selected = ", ".join(engine.quote_identifier(name) for name in names)
    con = engine.connect()
    try:
        result = con.execute(
            f"SELECT {selected} FROM read_parquet(?)",  # noqa: S608 - quoted identifiers
            [str(parquet_path(version))],
        )
        while batch := result.fetchmany(BATCH_ROWS):
            for row in batch:
                sheet.append([_cell(sheet, value) for value in row])
    finally:
        con.close()


def metadata_rows(version: Version) -> list[tuple[str, Any]]:
    dataset = version.dataset
    organisation = dataset.organisation
    return [
        (_("Dataset"), dataset.title),
        (_("Agency (OPD)"), organisation.name),
        (_("Version"), version.number),
        (_("Status"), version.get_status_display()),
        (_("Rows"), version.row_count),
        (_("Columns"), version.column_count),
        (_("Licence"), dataset.get_licence_display()),
        (_("Classification"), dataset.get_classification_display()),
        (_("Source file"), version.source_filename),
        (_("SHA-256 of the source file"), version.raw_sha256),
        (_("Version created"), timezone.localtime(version.created_at).replace(tzinfo=None)),
        (
            _("Published"),
            timezone.localtime(version.published_at).replace(tzinfo=None)
            if version.published_at
            else "",
        ),
        (_("Downloaded from"), settings.SATUDATA_SITE_NAME),
        (_("Downloaded at"), timezone.localtime().replace(tzinfo=None)),
    ]


def _write_metadata(sheet, version: Version) -> None:
    for label, value in metadata_rows(version):
        sheet.append([_header(sheet, [label])[0], _cell(sheet, value)])
    sheet.append([])
    sheet.append(_header(sheet, [_("Column"), _("Type"), _("Kept as text because it is a code")]))
    for field in schema_fields(version):
        sheet.append(
            [
                _cell(sheet, field["name"]),
                _cell(sheet, field.get("type", "string")),
                _cell(sheet, _("yes") if field.get("codeLike") else ""),
            ]
        )


def export_xlsx(version: Version, target: Path) -> None:
    workbook = Workbook(write_only=True)
    _write_data(workbook.create_sheet(_("Data")), version)
    _write_metadata(workbook.create_sheet(_("Metadata")), version)
    workbook.save(target)
