"""Generating an edition: the PDF a reader gets (pages, text, source lines) and the workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from satudata.core import blobs
from satudata.core.permissions import SYSTEM
from satudata.reports import services

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = pytest.mark.usefixtures("english")


def pdf_text(edition) -> tuple[int, str]:
    with blobs.open_blob(edition.pdf_sha256) as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_edition_pdf_has_cover_contents_tables_and_sources(report):
    edition = services.generate_edition(SYSTEM, report)
    pages, text = pdf_text(edition)
    assert pages == edition.page_count
    with blobs.open_blob(edition.pdf_sha256) as handle:
        catalog = PdfReader(io.BytesIO(handle.read())).trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # tagged (PDF/UA) for screen readers
    assert catalog["/Lang"] and catalog["/MarkInfo"]["/Marked"]
    assert "Klungkung Uji dalam Angka" in text
    assert "64.235" in text  # Klungkung 2020, Indonesian thousands separator
    # a source line (agency, dataset, link) under the table and under the indicator card
    assert text.count("/dataset/lap-penduduk") >= 2
    assert "Dinas Kesehatan Uji lap, Penduduk per Kecamatan" in " ".join(text.split())
    out = __import__("pathlib").Path("/tmp/reports-uji.pdf")
    with blobs.open_blob(edition.pdf_sha256) as handle:
        out.write_bytes(handle.read())
    assert "206.925" in text  # the indicator: 2020 total of the four kecamatan


def test_edition_xlsx_has_one_sheet_per_table_and_escapes_formulas(world):
    from satudata.reports.models import Edition
    from tests.factories import make_dataset

    hostile = make_dataset(
        world.owner,
        title="Data dengan rumus",
        slug="lap-rumus",
        state="published",
        csv='nama,nilai\n=HYPERLINK("http://x"),1\n@SUM(A1),-2\n',
    )
    report = services.create_report(SYSTEM, slug="lap-xlsx", title="Uji XLSX")
    for title in ("Tabel A: satu/dua", "Tabel A: satu/dua"):
        services.save_section(SYSTEM, report, kind="table", title=title, dataset=hostile)
    services.save_section(SYSTEM, report, kind="text", title="Catatan", body="teks")
    edition = services.generate_edition(SYSTEM, report)
    assert Edition.objects.filter(report=report).count() == 1
    with blobs.open_blob(edition.xlsx_sha256) as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    # an About sheet and one sheet per table, names valid and unique
    assert len(book.sheetnames) == 3
    assert all(len(name) <= 31 and "/" not in name and ":" not in name for name in book.sheetnames)
    table = book[book.sheetnames[1]]
    values = [cell.value for row in table.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://x")' in values and "'@SUM(A1)" in values
    assert -2 in values  # numbers stay numbers
    number_cell = next(c for row in table.iter_rows() for c in row if c.value == -2)
    assert number_cell.number_format == "#,##0"  # grouped with the reader's separators
    assert not any(isinstance(v, str) and v.startswith(("=", "@")) for v in values)


def test_numbers_are_printed_the_indonesian_way():
    from satudata.reports.content import TableBlock, format_number

    assert format_number(1234567) == "1.234.567"
    assert format_number(1234.5) == "1.234,5"
    assert format_number(None) == "\u2013"
    table = TableBlock(
        columns=[{"name": "tahun", "type": "integer"}, {"name": "persen", "type": "number"}],
        rows=[(2023, 5.61), (2024, 5.3), (2025, None)],
        source=None,
    )
    assert table.printed_rows == [
        [("2023", False), ("5,61", True)],
        [("2024", False), ("5,30", True)],  # one number of decimals per column
        [("2025", False), ("\u2013", True)],  # no figure
    ]


def test_data_made_restricted_later_leaves_the_next_edition(report, dataset):
    """A dataset moved to `terbatas` after the report was built: the next edition is still made,
    says the section is not available, and prints none of that data."""
    from satudata.catalog import services as catalog

    catalog.update_dataset(SYSTEM, dataset, classification="terbatas")
    edition = services.generate_edition(SYSTEM, report)
    assert {note["title"] for note in edition.notes} == {
        "Jumlah Penduduk",
        "Penduduk per Kecamatan 2020",
    }
    _pages, text = pdf_text(edition)
    assert "64.235" not in text and "206.925" not in text
    assert "not public" in text or "tidak publik" in text
    with blobs.open_blob(edition.xlsx_sha256) as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames == [book.sheetnames[0]]  # only the About sheet: no table sheet
