"""XLSX download: typed cells (numbers stay numbers, dates are dates), text cells formula-escaped
and always stored as text, plus a sheet with the dataset's metadata and column list.

openpyxl's write-only mode keeps memory flat; rows come from DuckDB in batches. An XLSX file is a
ZIP that openpyxl must finish before it can be sent, so it is built in a temporary file (the one
download that is not streamed while it is made). Excel holds at most 1,048,576 rows per sheet:
longer versions continue on "Data 2", "Data 3", … The file is the same bytes every time for the
same version, metadata and language (no download time inside; document dates are the version's),
which is what lets the download carry a strong ETag.

Versions longer than `SATUDATA_XLSX_MAX_ROWS` (default: one Excel sheet, 1,048,575 data rows) are
not offered as XLSX at all — the page says why and points to CSV and Parquet, which stream. Building
a workbook costs about 20 µs per cell, so the limit also bounds how long one download request runs.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from satudata.warehouse import engine
from satudata.warehouse.exports.escape import escape_text
from satudata.warehouse.models import Version
from satudata.warehouse.queries import parquet_path, schema_fields

BATCH_ROWS = 10_000
# Excel's limit, minus the header row each data sheet repeats.
XLSX_SHEET_MAX_ROWS = 1_048_576 - 1


def xlsx_max_rows() -> int:
    """The most rows a version may have to be offered as XLSX (`SATUDATA_XLSX_MAX_ROWS`)."""
    return int(getattr(settings, "SATUDATA_XLSX_MAX_ROWS", XLSX_SHEET_MAX_ROWS))


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


def _data_sheet(workbook: Workbook, names: list[str], number: int):
    title = _("Data") if number == 1 else f"{_('Data')} {number}"
    sheet = workbook.create_sheet(title)
    sheet.append(_header(sheet, names))
    return sheet


def _write_data(workbook: Workbook, version: Version, *, sheet_max_rows: int) -> None:
    fields = schema_fields(version)
    names = [f["name"] for f in fields]
    sheets = 1
    sheet = _data_sheet(workbook, names, sheets)
    if not names:
        return
    selected = ", ".join(engine.quote_identifier(name) for name in names)
    con = engine.connect()
    written = 0
    try:
        result = con.execute(
            f"SELECT {selected} FROM read_parquet(?)",  # noqa: S608 - quoted identifiers
            [str(parquet_path(version))],
        )
        while batch := result.fetchmany(BATCH_ROWS):
            for row in batch:
                if written == sheet_max_rows:
                    sheets += 1
                    sheet, written = _data_sheet(workbook, names, sheets), 0
                sheet.append([_cell(sheet, value) for value in row])
                written += 1
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


class _FixedTimeZip(zipfile.ZipFile):
    """A ZIP whose members all carry one fixed date (openpyxl would stamp the save time)."""

    def __init__(self, target: Path, date_time: tuple[int, ...]) -> None:
        super().__init__(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.fixed_date_time = date_time

    def _info(self, arcname: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(arcname, date_time=self.fixed_date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:
        name = arcname or Path(filename).name
        with (
            open(filename, "rb") as source,
            self.open(self._info(name), "w", force_zip64=True) as out,
        ):
            shutil.copyfileobj(source, out, 1024 * 1024)


def export_xlsx(
    version: Version, target: Path, *, sheet_max_rows: int = XLSX_SHEET_MAX_ROWS
) -> None:
    workbook = Workbook(write_only=True)
    # Fixed document dates, so the same version gives the same bytes (strong ETag).
    stamp = timezone.localtime(version.created_at).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = settings.SATUDATA_SITE_NAME
    _write_data(workbook, version, sheet_max_rows=sheet_max_rows)
    _write_metadata(workbook.create_sheet(_("Metadata")), version)
    with _FixedTimeZip(target, stamp.timetuple()[:6]) as archive:
        ExcelWriter(workbook, archive).save()
