"""Builders for test files in every format, and the refusal helper (stores nothing)."""

from __future__ import annotations

import io
import zipfile

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from satudata.core import blobs
from satudata.core.errors import ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.warehouse.services import ingest_upload


def stored_state() -> tuple:
    root = blobs.default_store().root / "sha256"
    files = sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return Version.objects.count(), AuditEvent.objects.count(), files


def ingest(dataset, data: bytes, filename: str, **options):
    return ingest_upload(SYSTEM, dataset, filename=filename, data=data, options=options).version


def refused(dataset, data: bytes, filename: str, **options) -> ValidationFailed:
    before = stored_state()
    with pytest.raises(ValidationFailed) as caught:
        ingest_upload(SYSTEM, dataset, filename=filename, data=data, options=options)
    assert stored_state() == before, "a refused file must store nothing"
    return caught.value


def types_of(version) -> dict[str, str]:
    return {f["name"]: f["type"] for f in version.table_schema["fields"]}


def field(version, name: str) -> dict:
    return next(f for f in version.table_schema["fields"] if f["name"] == name)


def rows_of(version) -> list[dict]:
    return pq.read_table(blobs.blob_path(version.parquet_sha256)).to_pylist()


def xlsx_bytes(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_to_zip(data: bytes, extra: dict[str, bytes]) -> bytes:
    """Copy a ZIP (e.g. an XLSX) and add members."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        for name, content in extra.items():
            target.writestr(name, content)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ods_bytes(rows: list[list]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Lembar1")
    for row in rows:
        table_row = TableRow()
        for value in row:
            if isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xls_bytes(rows: list[list]) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
