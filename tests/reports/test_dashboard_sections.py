"""Chart, map and indicator sections: the PDF prints the dashboards' own specs (as SVG) and the
indicator card's own texts, so the figures match what the web shows."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from satudata.core import blobs
from satudata.core.permissions import SYSTEM
from satudata.reports import services

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def boundaries(db):
    from satudata.regions.loader import load_boundaries, load_regions

    load_regions(within="51.05")
    load_boundaries()


@pytest.fixture
def dashboard_items(dataset, boundaries):
    # Made as rows of the dashboards' models (contract D); the dashboards' own tests cover
    # how their services save them.
    from satudata.dashboards.models import Chart, Indicator

    bar = Chart.objects.create(
        dataset=dataset,
        title="Penduduk menurut kecamatan 2020",
        kind="bar",
        measure="penduduk",
        category="nama_kecamatan",
        filters=[{"field": "tahun", "op": "eq", "value": 2020}],
    )
    choropleth = Chart.objects.create(
        dataset=dataset,
        title="Peta penduduk 2020",
        kind="choropleth",
        measure="penduduk",
        region_field="kode_kecamatan",
        map_level="kecamatan",
        filters=[{"field": "tahun", "op": "eq", "value": 2020}],
    )
    indicator = Indicator.objects.create(
        slug="lap-penduduk-total",
        name="Jumlah penduduk (uji)",
        dataset=dataset,
        measure="penduduk",
        time_field="tahun",
        unit="jiwa",
        polarity="neutral",
    )
    return bar, choropleth, indicator


def test_chart_map_and_indicator_sections_print_what_the_web_shows(report, dashboard_items):
    from satudata.dashboards.indicators import indicator_card

    bar, choropleth, indicator = dashboard_items
    services.save_section(
        SYSTEM, report, kind="indicator", title="Kartu", config={"indicator": indicator.slug}
    )
    services.save_section(SYSTEM, report, kind="chart", title=bar.title, config={"chart": bar.key})
    services.save_section(
        SYSTEM, report, kind="map", title=choropleth.title, config={"chart": choropleth.key}
    )
    edition = services.generate_edition(SYSTEM, report)
    assert edition.notes == []
    with blobs.open_blob(edition.pdf_sha256) as handle:
        data = handle.read()
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )
    card = indicator_card(indicator)
    assert card.value_text == "206.925"
    assert card.value_text in text and card.change_text in text
    # captions "<Figure> 1. title" and "<Map> 1. title" (words as translated), each followed by
    # its source line; the chart's own labels are text in the PDF (SVG drawn as text)
    assert f" 1. {bar.title} " in text and f" 1. {choropleth.title} " in text
    assert text.count("Dinas Kesehatan Uji lap, Penduduk per Kecamatan") == 5
    assert text.count("Nusa Penida") == 2  # the table's row and the bar chart's axis label


def test_a_map_section_needs_a_map_and_a_missing_chart_is_reported(report, dashboard_items):
    from satudata.core.errors import ValidationFailed
    from satudata.dashboards.models import Chart

    bar, _choropleth, _indicator = dashboard_items
    with pytest.raises(ValidationFailed, match="not a map"):
        services.save_section(SYSTEM, report, kind="map", title="Peta", config={"chart": bar.key})
    services.save_section(SYSTEM, report, kind="chart", title="Grafik", config={"chart": bar.key})
    Chart.objects.filter(pk=bar.pk).delete()
    edition = services.generate_edition(SYSTEM, report)
    # the report is still produced; the missing chart is noted on the edition and in the PDF
    assert [note["title"] for note in edition.notes] == ["Grafik"]
