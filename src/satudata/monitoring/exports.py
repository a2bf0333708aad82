"""Scorecard exports: an XLSX table and a PDF letter-style report (WeasyPrint)."""

from __future__ import annotations

import io

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from satudata.monitoring import conf
from satudata.monitoring.queries import AgencyRow


def _columns() -> list[str]:
    return [
        _("Rank"),
        _("Agency"),
        _("Score"),
        _("Timeliness"),
        _("Delivery"),
        _("Metadata completeness"),
        _("Quality"),
        _("Promised"),
        _("Delivered"),
        _("On time"),
        _("Late"),
        _("Overdue now"),
        _("Returns per submission"),
        _("Median review time (hours)"),
    ]


def _values(row: AgencyRow) -> list:
    c = row.components
    return [
        row.rank,
        row.organisation.name,
        row.score,
        c.get("timeliness"),
        c.get("delivery"),
        c.get("completeness"),
        c.get("quality"),
        row.promised,
        row.delivered,
        row.on_time,
        row.late,
        row.overdue,
        row.returns_per_submission,
        row.median_review_hours,
    ]


def scorecard_xlsx(year: int, rows: list[AgencyRow]) -> bytes:
    """The ranking with every figure, and a sheet with the weights used."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"skor {year}"
    sheet.append(_columns())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_values(row))
    weights = book.create_sheet(_("weights"))
    weights.append([_("component"), _("weight")])
    for key, value in conf.scorecard_weights().items():
        weights.append([key, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def scorecard_pdf(request: HttpRequest, year: int, rows: list[AgencyRow]) -> bytes:
    """A letter to the Forum Satu Data with the ranking (A4, rendered by WeasyPrint)."""
    from weasyprint import HTML

    html = render_to_string(
        "monitoring/scorecard_letter.html",
        {
            "year": year,
            "rows": rows,
            "weights": conf.scorecard_weights(),
            "today": timezone.localdate(),
            "site_name": getattr(settings, "SATUDATA_SITE_NAME", "Satu Data"),
        },
        request=request,
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
