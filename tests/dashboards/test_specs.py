"""Spec builders on small in-memory answers: what a reader of the chart would notice."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import altair as alt
import pytest
from PIL import Image

from satudata.dashboards import render
from satudata.dashboards.formatting import format_number, scale_for
from satudata.dashboards.specs import (
    CATEGORY,
    VALUE,
    ChartConfig,
    ChartData,
    ChartProblem,
    Frame,
    SharedFilters,
    check_config,
    shape_grouped,
    spec_for,
    summarise,
)

FIELDS = {
    "kode_kecamatan": {"name": "kode_kecamatan", "type": "string"},
    "nama": {"name": "nama", "type": "string"},
    "penduduk": {"name": "penduduk", "type": "integer", "unit": "jiwa"},
    "tahun": {"name": "tahun", "type": "integer"},
}


def test_numbers_are_written_the_indonesian_way():
    assert format_number(1234.5) == "1.234,5"
    assert format_number(206925) == "206.925"
    assert format_number(5.3, 2) == "5,30"
    assert format_number(None) == "\u2013"
    assert scale_for([31_400_000_000]) == (1e9, "miliar")
    assert scale_for([64_235]) == (1.0, "")


def test_shared_filters_drop_malformed_values():
    clean = SharedFilters.clean(
        {"kecamatan": "51.05.01", "desa": "51.05.03.2001", "period": "x" * 99, "variable": "a;b"}
    )
    assert clean.kecamatan == "51.05.01"
    assert clean.desa == ""  # a desa of another kecamatan
    assert clean.period == "" and clean.variable == ""
    assert SharedFilters.clean({"kecamatan": "51.05.01'--"}).kecamatan == ""


def test_removed_column_and_text_measure_give_clear_messages():
    config = ChartConfig(kind="bar", measure="penduduk_sp2020", category="nama")
    with pytest.raises(ChartProblem, match=r"not in the current version \(v3\)"):
        check_config(config, FIELDS, version_number=3)
    with pytest.raises(ChartProblem, match="holds text"):
        check_config(
            ChartConfig(kind="bar", measure="nama", category="nama"), FIELDS, version_number=1
        )
    with pytest.raises(ChartProblem, match="region codes"):
        check_config(ChartConfig(kind="choropleth", measure="penduduk"), FIELDS, version_number=1)
    # Counting rows needs no number column.
    counting = ChartConfig(kind="bar", aggregate="count", category="nama")
    check_config(counting, FIELDS, version_number=1)


@pytest.mark.django_db
def test_ten_thousand_categories_become_top_n_plus_lainnya():
    config = ChartConfig(kind="bar", measure="penduduk", category="nama", top_n=10)
    columns = [{"name": "nama", "type": "string"}, {"name": "sum_penduduk", "type": "number"}]
    # The query layer answers the 11 largest (limit top_n + 1) and the grand total separately.
    rows = [(f"Kategori {i}", 10_000 - i) for i in range(11)]
    grand_total = sum(10_000 - i for i in range(10_000))
    frame = Frame(columns=columns, rows=rows, total=10_000)
    data = shape_grouped(config, frame, FIELDS, measure="penduduk", grand_total=grand_total)
    assert len(data.records) == 11
    assert data.records[-1][CATEGORY] == "lainnya"
    shown = sum(r[VALUE] for r in data.records[:10])
    assert data.records[-1][VALUE] == grand_total - shown
    assert "10.000 categories" in data.notes[0]
    spec = spec_for(config, data, title="Banyak", description="x")
    alt.Chart.from_dict(spec)  # a valid Vega-Lite spec


@pytest.mark.django_db
def test_bar_spec_has_locale_units_and_summary(klungkung):
    config = ChartConfig(kind="bar", measure="penduduk", category="kode_kecamatan")
    columns = [
        {"name": "kode_kecamatan", "type": "string"},
        {"name": "sum_penduduk", "type": "number"},
    ]
    frame = Frame(columns, [("51.05.03", 64235), ("51.05.01", 57370), ("51.05.02", 44431)])
    data = shape_grouped(config, frame, FIELDS, measure="penduduk")
    # Region names instead of codes, unit from the schema.
    assert [r[CATEGORY] for r in data.records] == ["Klungkung", "Nusa Penida", "Banjarangkan"]
    assert data.unit == "jiwa"
    spec = spec_for(config, data, title="Penduduk", description="d")
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    alt.Chart.from_dict(spec)
    text = summarise(config, data, "Penduduk")
    assert "highest Klungkung (64.235 jiwa)" in text and "lowest Banjarangkan" in text
    svg = render.to_svg(spec)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "64.235" in svg or "60.000" in svg  # Indonesian thousands separator on the axis
    png = render.to_png(spec, scale=1)
    assert Image.open(io.BytesIO(png)).size[0] >= 600


def test_line_summary_reads_first_and_last_period():
    config = ChartConfig(kind="line", measure="penduduk", time_field="tahun")
    data = ChartData(
        records=[{CATEGORY: "2010", VALUE: 170543.0}, {CATEGORY: "2020", VALUE: 206925.0}],
        value_title="penduduk",
        unit="jiwa",
        time_axis=True,
    )
    text = summarise(config, data, "Penduduk")
    assert "from 170.543 jiwa in 2010 to 206.925 jiwa in 2020" in text
    alt.Chart.from_dict(spec_for(config, data, title="Penduduk", description=text))


def test_builder_guesses_the_region_and_time_columns():
    from satudata.dashboards.forms import guess_region_and_time

    fields = [{"name": n} for n in ("nama", "kode_kecamatan", "tahun", "penduduk")]
    assert guess_region_and_time(fields) == ("kode_kecamatan", "tahun")
    assert guess_region_and_time([{"name": "nilai"}]) == ("", "")
