"""The demo publication "Klungkung dalam Angka (demo)", loaded by the real `satudata demo`:
its PDF has the expected pages, its contents page points at the right pages, and it prints the
indicator values the web shows."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django.utils.formats import localize
from pypdf import PdfReader

from satudata.cli import main
from satudata.core import blobs
from satudata.reports.content import build_section

# As rendered and looked at: cover, contents, introduction; Kependudukan 3 pages (a card, two
# charts, a map, two tables), Kemiskinan 2, Pariwisata 2, Kesehatan 2, Bali 1; "about" page.
# The chapters take the dashboards demo's cards, charts and maps: when those change, look at
# the PDF again and update this number.
EXPECTED_PAGES = 14
TOC_LINE = re.compile(r"^(?P<title>\S.*?)\s*\.{3,}\s*(?P<page>\d+)$")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    blob_root.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock(), override_settings(BLOB_ROOT=blob_root):
        with redirect_stdout(io.StringIO()):
            assert main(["demo", "--no-serve"]) == 0
        from satudata.reports.demo import SLUG
        from satudata.reports.models import Edition

        # the PDF's text, read once for the module
        yield pdf_pages(Edition.objects.get(report__slug=SLUG))
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def edition(demo, db):
    from satudata.reports.demo import SLUG
    from satudata.reports.models import Report

    report = Report.objects.get(slug=SLUG)
    return report.editions.get()


def pdf_pages(edition) -> list[str]:
    with blobs.open_blob(edition.pdf_sha256) as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [page.extract_text() for page in reader.pages]


def test_demo_report_is_listed_and_labelled_demo(client, demo, edition):
    page = client.get("/laporan/").content.decode()
    assert "Klungkung dalam Angka (demo)" in page and edition.period_label in page
    pages = demo
    assert "DEMO" in pages[0]
    # built only from the demo datasets that carry real published statistics
    from satudata.dashboards.models import Chart, Indicator
    from satudata.demo.content import DATASETS

    real = {d.slug for d in DATASETS if d.data_file and d.publish}
    used = set()
    for section in edition.report.sections.all():
        if section.dataset_id:
            used.add(section.dataset.slug)
        if section.config.get("chart"):
            used.add(Chart.objects.get(key=section.config["chart"]).dataset.slug)
        if section.config.get("indicator"):
            used.add(Indicator.objects.get(slug=section.config["indicator"]).dataset.slug)
    assert used and used <= real, used - real


def test_demo_pdf_pages_and_contents(demo, edition):
    from satudata.reports.models import Section

    pages = demo
    chapters = Section.objects.filter(report=edition.report, starts_chapter=True).count()
    # cover, contents, introduction, at least one page per chapter, "about" page
    assert len(pages) == edition.page_count >= 3 + chapters + 1
    assert len(pages) == EXPECTED_PAGES
    # every entry of the contents page names the page its heading is on
    entries = [m for line in pages[1].splitlines() if (m := TOC_LINE.match(line.strip()))]
    assert len(entries) == edition.report.sections.count() + 2  # + introduction, about
    for entry in entries:
        title = (
            " ".join(entry["title"].split()[1:]) if entry["title"][0].isdigit() else entry["title"]
        )
        target = pages[int(entry["page"]) - 1]
        assert title[:30] in " ".join(target.split()), (title, entry["page"])


def test_demo_pdf_prints_the_indicator_values_shown_on_the_web(client, demo, edition):
    from satudata.reports.models import Section

    text = " ".join(" ".join(demo).split())
    cards = Section.objects.filter(report=edition.report, kind="indicator")
    assert cards.exists()
    for section in cards:
        block = build_section(section, 1).indicator
        assert block is not None, section.title
        assert block.value_text in text, section.title
        slug = section.config.get("indicator")
        if slug:  # a dashboards indicator: its card on the web, same formatted text
            web = client.get(f"/indikator/{slug}/").content.decode()
            assert block.value_text in web, section.title
        else:  # a measure read directly: the same number in the dataset's data table
            web = client.get(f"/dataset/{section.dataset.slug}").content.decode()
            with translation.override("id"):
                assert f'class="num">{localize(block.value)}<' in web, section.title
