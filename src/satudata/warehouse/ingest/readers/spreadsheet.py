"""Workbook reader (XLSX, XLS, ODS) with python-calamine.

- **Safety first.** An XLSX/ODS is a ZIP: it is checked within the ZIP limits (archive.py)
  before calamine inflates it. Workbooks that carry macros (a VBA project, ODS Basic/Scripts) or
  links to other files (external links) are refused with what to do; nothing in them runs.
- **Formulas are never evaluated.** A formula cell keeps the value Excel saved with it (what the
  produsen saw). When the file holds no saved value (written by a program, never opened in
  Excel), the formula text itself (`=HYPERLINK(…)`) is kept as a text value; downloads escape it.
  Either way a warning says how many formula cells there were.
- **Sheet choice.** The first visible worksheet with data, unless the user names one; all sheet
  names are listed on the result so another can be chosen.
- **Header rows** are found as for CSV (header.py), with Excel's merged ranges telling which
  sub-columns a group label covers. Row numbers in the report are the sheet's own row numbers.
- **Chunked.** Rows go to DuckDB in batches (`BATCH_ROWS`) as text cells; typing happens later.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import duckdb
import python_calamine as calamine
from defusedxml import ElementTree
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from satudata.warehouse.ingest.header import (
    HEADER_SCAN_ROWS,
    detect_header,
    format_header_rows,
    parse_header_rows,
)
from satudata.warehouse.ingest.readers import (
    BATCH_ROWS,
    RAW_TABLE,
    TableRead,
    append_rows,
    cell_column,
    check_cell_lengths,
    create_cell_table,
    register,
)
from satudata.warehouse.ingest.readers.archive import check_container
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import Sniffed

EXACT_INTEGER_LIMIT = 2**53
# Formula cells without a saved value remembered per sheet (their text becomes the value).
MAX_FORMULA_TEXTS = 100_000
OLE_VBA_MARKERS = (
    "_VBA_PROJECT_CUR".encode("utf-16-le"),
    "VBA_PROJECT".encode("utf-16-le"),
)
SCAN_CHUNK_BYTES = 1024 * 1024
_CELL_REF_RE = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


# --- refusing active content ----------------------------------------------------------------


def _macro_refusal(filename: str):
    return fail(
        "format-error",
        _(
            "The workbook “%(name)s” contains macros (VBA code). Macros are never opened here."
            " In Excel choose File → Save As → “Excel Workbook (.xlsx)” (which removes the"
            " macros) and upload that file."
        )
        % {"name": filename},
    )


def _refuse_active_content(path: Path, fmt: str, filename: str) -> None:
    if fmt == "xls":
        tail = b""
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_CHUNK_BYTES):
                block = tail + chunk
                if any(marker in block for marker in OLE_VBA_MARKERS):
                    raise _macro_refusal(filename)
                tail = block[-64:]
        return
    check_container(path, filename)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        lowered = [name.lower() for name in names]
        if fmt == "ods":
            if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                raise _macro_refusal(filename)
            return
        if any("vbaproject" in name for name in lowered):
            raise _macro_refusal(filename)
        content_types = ""
        if "[Content_Types].xml" in names:
            content_types = archive.read("[Content_Types].xml")[:200_000].decode("utf-8", "ignore")
        if "macroenabled" in content_types.lower():
            raise _macro_refusal(filename)
        links = [name for name in names if name.lower().startswith("xl/externallinks/")]
        links = [name for name in links if name.lower().endswith(".xml")]
        if links:
            raise fail(
                "format-error",
                ngettext(
                    "The workbook “%(name)s” links to %(count)d other file (an external link),"
                    " so its values may depend on a file that is not here. In Excel choose"
                    " Data → Edit Links → Break Link, save, and upload the workbook again.",
                    "The workbook “%(name)s” links to %(count)d other files (external links),"
                    " so its values may depend on files that are not here. In Excel choose"
                    " Data → Edit Links → Break Link, save, and upload the workbook again.",
                    len(links),
                )
                % {"name": filename, "count": len(links)},
            )


# --- formulas (XLSX) ------------------------------------------------------------------------


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The ZIP member holding a sheet's cells, from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, ValueError):
        return None
    rel_id = None
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{NS_REL}id")
    for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def formula_cells(path: Path, sheet_name: str) -> tuple[int, dict[tuple[int, int], str]]:
    """(number of formula cells, {(row, column): "=formula"} for those without a saved value).

    Streams the sheet XML; positions are 0-based sheet coordinates like calamine's.
    """
    count = 0
    unsaved: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None or part not in archive.namelist():
                return 0, {}
            with archive.open(part) as handle:
                for _event, element in ElementTree.iterparse(handle, events=("end",)):
                    if element.tag != f"{NS_MAIN}c":
                        if element.tag == f"{NS_MAIN}row":
                            element.clear()
                        continue
                    formula = element.find(f"{NS_MAIN}f")
                    if formula is not None:
                        count += 1
                        value = element.find(f"{NS_MAIN}v")
                        saved = value is not None and (value.text or "") != ""
                        match = _CELL_REF_RE.match(element.get("r", ""))
                        if (
                            not saved
                            and formula.text
                            and match
                            and len(unsaved) < MAX_FORMULA_TEXTS
                        ):
                            position = (int(match.group(2)) - 1, _column_index(match.group(1)))
                            unsaved[position] = "=" + formula.text
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError):
        return count, unsaved
    return count, unsaved


# --- cells ------------------------------------------------------------------------------------


def cell_text(value) -> str | None:
    """A workbook value as the text it would have in a CSV (typed again by inference)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < EXACT_INTEGER_LIMIT:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    text = str(value)
    return text if text != "" else None


# --- sheets -----------------------------------------------------------------------------------


def _open_workbook(path: Path, filename: str) -> calamine.CalamineWorkbook:
    try:
        with path.open("rb") as handle:
            return calamine.CalamineWorkbook.from_filelike(handle)
    except calamine.PasswordError:
        raise fail(
            "source-error",
            _(
                "The workbook “%(name)s” is protected with a password; save it without a"
                " password and upload it again."
            )
            % {"name": filename},
        ) from None
    except (calamine.CalamineError, ValueError, OSError) as exc:
        raise fail(
            "format-error",
            _(
                "The workbook “%(name)s” cannot be read: it is damaged or not a workbook"
                " (%(error)s)."
            )
            % {"name": filename, "error": str(exc)[:200]},
        ) from None


def _worksheets(workbook: calamine.CalamineWorkbook) -> list[tuple[str, bool]]:
    """(name, visible) of the worksheets (chart and macro sheets are not data)."""
    sheets = []
    for meta in workbook.sheets_metadata:
        if meta.typ != calamine.SheetTypeEnum.WorkSheet:
            continue
        sheets.append((meta.name, meta.visible == calamine.SheetVisibleEnum.Visible))
    return sheets


def _has_data(workbook: calamine.CalamineWorkbook, name: str) -> bool:
    try:
        sheet = workbook.get_sheet_by_name(name)
    except calamine.CalamineError:
        return False
    return sheet.height > 0 and sheet.start is not None


def _choose_sheet(workbook: calamine.CalamineWorkbook, wanted: str | None, filename: str) -> str:
    sheets = _worksheets(workbook)
    names = [name for name, _visible in sheets]
    if wanted:
        for name in names:
            if name == wanted or name.casefold() == wanted.strip().casefold():
                return name
        if wanted.strip().isdigit() and 1 <= int(wanted) <= len(names):
            return names[int(wanted) - 1]
        error = fail(
            "source-error",
            _("The workbook “%(name)s” has no sheet “%(sheet)s”. Its sheets are: %(names)s.")
            % {"name": filename, "sheet": wanted, "names": ", ".join(names) or "—"},
        )
        error.details["choices"] = {"sheets": names}
        raise error
    for name, _visible in sorted(sheets, key=lambda item: not item[1]):
        if _has_data(workbook, name):
            return name
    raise fail(
        "source-error",
        _("The workbook “%(name)s” has no sheet with data.") % {"name": filename},
    )


def _trim_empty_trailing_columns(
    con: duckdb.DuckDBPyConnection, labels: list[str | None]
) -> list[str | None]:
    """Formatting alone can widen a sheet's used range; drop unnamed, empty columns at the end."""
    while labels and labels[-1] is None:
        column = cell_column(len(labels) - 1)
        filled = con.execute(f"SELECT count({column}) FROM {RAW_TABLE}").fetchone()[0]  # noqa: S608
        if filled:
            break
        con.execute(f"ALTER TABLE {RAW_TABLE} DROP COLUMN {column}")
        labels = labels[:-1]
    return labels


def _formula_warning(report: Report, count: int, unsaved: int, sheet: str) -> None:
    if not count:
        return
    message = ngettext(
        "%(count)d cell in sheet “%(sheet)s” holds a formula. Formulas are never run here: the"
        " value saved with the workbook was kept",
        "%(count)d cells in sheet “%(sheet)s” hold formulas. Formulas are never run here: the"
        " values saved with the workbook were kept",
        count,
    ) % {"count": count, "sheet": sheet}
    if unsaved:
        message += ngettext(
            ", and %(unsaved)d formula with no saved value was kept as its text.",
            ", and %(unsaved)d formulas with no saved value were kept as their text.",
            unsaved,
        ) % {"unsaved": unsaved}
    else:
        message += "."
    report.warning("formula-cell", message, count=count)


def _read_workbook(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    path, fmt, filename = sniffed.path, sniffed.format, sniffed.filename or "data"
    _refuse_active_content(path, fmt, filename)
    workbook = _open_workbook(path, filename)
    try:
        name = _choose_sheet(workbook, sniffed.options.sheet, filename)
        sheet = workbook.get_sheet_by_name(name)
        sniffed.choices["sheet"] = name
        sniffed.choices["sheets"] = [sheet_name for sheet_name, _v in _worksheets(workbook)]
        if sheet.start is None or sheet.height == 0:
            raise fail(
                "source-error",
                _("The sheet “%(sheet)s” is empty.") % {"sheet": name},
            )
        top, left = sheet.start
        width = sheet.width
        merges = None
        if fmt in {"xlsx", "xls"}:
            merges = [
                ((r0 - top, c0 - left), (r1 - top, c1 - left))
                for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            ]
        formulas, unsaved = (0, {})
        if fmt == "xlsx":
            formulas, unsaved = formula_cells(path, name)

        def texts(index: int, row: list) -> list[str | None]:
            cells = [cell_text(value) for value in row]
            if unsaved:
                for column in range(len(cells)):
                    formula = unsaved.get((top + index, left + column))
                    if formula is not None and cells[column] is None:
                        cells[column] = formula
            return cells

        rows = iter(sheet.iter_rows())
        sample: list[list[str | None]] = []
        for index, row in enumerate(rows):
            sample.append(texts(index, row))
            if len(sample) >= HEADER_SCAN_ROWS:
                break
        if sniffed.options.header_rows:
            first, last = parse_header_rows(sniffed.options.header_rows)
            requested = (first - 1 - top, last - 1 - top)
            if requested[0] < 0:
                raise fail(
                    "source-error",
                    _("The sheet “%(sheet)s” starts at row %(row)d; choose header rows from there.")
                    % {"sheet": name, "row": top + 1},
                )
            block = detect_header(sample, width, merges=merges, requested=requested)
        else:
            block = detect_header(sample, width, merges=merges)

        create_cell_table(con, width)
        numbers: list[int] = []
        batch: list[list[str | None]] = []
        for index, cells in enumerate(sample):
            if index > block.last:
                numbers.append(top + index + 1)
                batch.append(cells)
        index = len(sample)
        for row in rows:
            numbers.append(top + index + 1)
            batch.append(texts(index, row))
            index += 1
            if len(batch) >= BATCH_ROWS:
                append_rows(con, width, numbers, batch)
                numbers, batch = [], []
        append_rows(con, width, numbers, batch)
    finally:
        workbook.close()

    sniffed.choices["header_rows"] = format_header_rows(top + block.first + 1, top + block.last + 1)
    if block.titles:
        sniffed.choices["titles"] = block.titles
    labels = _trim_empty_trailing_columns(con, list(block.labels))
    _formula_warning(report, formulas, len(unsaved), name)
    table_read = TableRead(labels=labels)
    check_cell_lengths(con, table_read, report)
    return table_read


@register("xlsx")
def read_xlsx(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    return _read_workbook(con, sniffed, report)


@register("xls")
def read_xls(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    return _read_workbook(con, sniffed, report)


@register("ods")
def read_ods(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    return _read_workbook(con, sniffed, report)
