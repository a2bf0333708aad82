"""An edition's files: the PDF (HTML template → WeasyPrint) and the XLSX (openpyxl).

Both come from the same list of `content.SectionContent`, so the figures in the workbook are the
ones printed in the publication. Charts and maps are the dashboards' Vega-Lite specs rendered to
SVG by vl-convert (no browser), placed in the page as images.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from satudata.reports import conf
from satudata.reports.content import (
    NUMERIC_TYPES,
    SectionContent,
    column_decimals,
    format_number,
    is_year_column,
    paragraphs,
)
from satudata.reports.models import Report
from satudata.reports.periods import Period
from satudata.warehouse.exports.escape import escape_text

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_MAX_CHARS = 31  # Excel's limit
PDF_VARIANT = "pdf/ua-1"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


@dataclass
class RenderedEdition:
    pdf: bytes
    page_count: int
    xlsx: bytes


def css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside a <style> element (for page headers)."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '\\"<>&' or ord(ch) < 32 else ch for ch in str(text)
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every special character is escaped above


def _context(report: Report, period: Period, contents: list[SectionContent]) -> dict:
    for number, content in enumerate([c for c in contents if c.table], start=1):
        content.table_number = number
    # Charts ("Gambar") and maps ("Peta") are numbered separately, as in BPS publications.
    for is_map in (False, True):
        figures = [c for c in contents if c.figure and c.figure.is_map == is_map]
        for number, content in enumerate(figures, start=1):
            content.figure_number = number
    return {
        "report": report,
        "period": period,
        "contents": contents,
        "intro_paragraphs": paragraphs(report.introduction),
        "generated_at": timezone.localtime(),
        "site_name": getattr(settings, "SATUDATA_SITE_NAME", "Satu Data"),
        "css_site_name": css_string(getattr(settings, "SATUDATA_SITE_NAME", "Satu Data")),
        "css_header": css_string(f"{report.title} · {period.label}"),
        "site_url": conf.site_url(),
        "report_url": conf.site_url() + report.get_absolute_url(),
    }


def render_html(report: Report, period: Period, contents: list[SectionContent]) -> str:
    """The print HTML (also what a preview in the browser shows)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("reports/print/report.html", _context(report, period, contents))


def render_pdf(report: Report, period: Period, contents: list[SectionContent]) -> tuple[bytes, int]:
    """(PDF bytes, page count)."""
    from weasyprint import HTML

    html = render_html(report, period, contents)
    document = HTML(string=html, base_url=conf.site_url() + "/").render()
    # PDF/UA: a tagged PDF (headings, tables, figure alternative texts) that screen readers can
    # follow; about 15 % more time and bytes than an untagged one.
    return document.write_pdf(pdf_variant=PDF_VARIANT), len(document.pages)


# --- XLSX -------------------------------------------------------------------------------------


def _cell(value):
    """Numbers stay numbers; text is formula-escaped (DESIGN §7)."""
    if isinstance(value, str):
        return escape_text(value)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return escape_text(str(value))


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name from a section title."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split()) or _("Table")
    base = base[:SHEET_NAME_MAX_CHARS]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MAX_CHARS - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _bold_row(sheet, row: list) -> None:
    sheet.append([_cell(v) for v in row])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _column_title(column: dict) -> str:
    title = column.get("label") or column.get("title") or column.get("name") or ""
    unit = column.get("unit")
    return f"{title} ({unit})" if unit else title


def _info_sheet(book: Workbook, report: Report, period: Period, contents) -> None:
    sheet = book.active
    sheet.title = sheet_name(_("About"), set())
    sheet.append([_cell(report.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    if report.is_demo:
        sheet.append([_cell(_("Demo publication: built from the demo datasets of this portal."))])
    rows = [
        (_("Period"), period.label),
        (_("Publisher"), report.organisation.name if report.organisation_id else ""),
        (_("Generated"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("Web page"), conf.site_url() + report.get_absolute_url()),
    ]
    for label, value in rows:
        sheet.append([_cell(label), _cell(value)])
    sheet.append([])
    _bold_row(sheet, [_("Section"), _("Sheet"), _("Source"), _("Dataset"), _("Link")])
    for content in contents:
        block = content.table or content.indicator or content.figure
        source = getattr(block, "source", None)
        sheet.append(
            [
                _cell(f"{content.label} {content.section.title}"),
                _cell(getattr(content, "sheet", "")),
                _cell(source.agency if source else ""),
                _cell(source.dataset_title if source else ""),
                _cell(source.url if source else ""),
            ]
        )
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 28


def _table_sheet(book: Workbook, content: SectionContent, taken: set[str]) -> str:
    table = content.table
    name = sheet_name(f"{content.label} {content.section.title}", taken)
    sheet = book.create_sheet(name)
    sheet.append([_cell(content.section.title)])
    sheet["A1"].font = Font(bold=True)
    _bold_row(sheet, [_column_title(c) for c in table.columns])
    sheet.freeze_panes = "A3"  # title and header stay in view
    formats = _number_formats(table)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
            if number_format and isinstance(cell.value, (int, float)):
                cell.number_format = number_format
    if table.truncated:
        sheet.append([_cell(_("Only the first %(n)d rows are shown.") % {"n": len(table.rows)})])
    sheet.append([])
    source = table.source
    sheet.append([_cell(_("Source: %(agency)s, %(dataset)s") % vars_of(source))])
    sheet.append([_cell(source.url)])
    for index, column in enumerate(table.columns, start=1):
        width = max(len(_column_title(column)), 10)
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 50)
    return name


def _number_formats(table) -> list[str]:
    """Excel number formats per column: thousands grouping (shown with the reader's own
    separators) and the column's decimals; none for years and text."""
    formats = []
    for index, column in enumerate(table.columns):
        if column.get("type") not in NUMERIC_TYPES or is_year_column(column):
            formats.append("")
            continue
        decimals = column_decimals([row[index] for row in table.rows]) or 0
        formats.append("#,##0" + ("." + "0" * decimals if decimals else ""))
    return formats


def vars_of(source) -> dict:
    return {"agency": source.agency, "dataset": source.dataset_title}


def _indicator_sheet(book: Workbook, contents: list[SectionContent], taken: set[str]) -> str:
    sheet = book.create_sheet(sheet_name(_("Indicators"), taken))
    _bold_row(
        sheet,
        [
            _("Indicator"),
            _("Value"),
            _("Unit"),
            _("Period"),
            _("Previous value"),
            _("Previous period"),
            _("Source"),
            _("Link"),
        ],
    )
    for content in contents:
        block = content.indicator
        previous = block.previous_text
        sheet.append(
            [
                _cell(block.name),
                _cell(block.value if isinstance(block.value, (int, float)) else block.value_text),
                _cell(block.unit),
                _cell(block.period),
                _cell(previous),
                _cell(block.previous_period),
                _cell(block.source.agency if block.source else ""),
                _cell(block.source.url if block.source else ""),
            ]
        )
        for cell in sheet[sheet.max_row][1:2]:
            cell.alignment = Alignment(horizontal="right")
    sheet.column_dimensions["A"].width = 40
    return sheet.title


def render_xlsx(report: Report, period: Period, contents: list[SectionContent]) -> bytes:
    """One sheet per table section (plus an About sheet and, when there are indicator cards,
    an Indicators sheet)."""
    with translation.override(settings.LANGUAGE_CODE):
        book = Workbook()
        taken = {_("About").lower()}
        for content in contents:
            content.sheet = _table_sheet(book, content, taken) if content.table else ""
        indicators = [c for c in contents if c.indicator is not None]
        if indicators:
            name = _indicator_sheet(book, indicators, taken)
            for content in indicators:
                content.sheet = name
        _info_sheet(book, report, period, contents)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def render_edition(
    report: Report, period: Period, contents: list[SectionContent]
) -> RenderedEdition:
    pdf, pages = render_pdf(report, period, contents)
    return RenderedEdition(pdf=pdf, page_count=pages, xlsx=render_xlsx(report, period, contents))


__all__ = ["RenderedEdition", "format_number", "render_edition", "render_html", "render_xlsx"]
