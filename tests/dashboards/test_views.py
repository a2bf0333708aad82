"""Dashboard, chart and export pages on real published versions (ingested through the services,
read through the shared query layer), as a visitor, a logged-in user and a walidata."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from satudata.core.audit import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.dashboards import services
from satudata.dashboards.indicators import indicator_card
from satudata.dashboards.models import Chart, Dashboard, Panel
from satudata.dashboards.specs import chart_result
from tests.factories import make_dataset, make_world, publish, upload_csv

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

POPULATION_CSV = (
    "kode_kecamatan,nama,tahun,penduduk,catatan\n"
    "51.05.01,Nusa Penida,2020,57370,ok\n"
    "51.05.02,Banjarangkan,2020,44431,ok\n"
    "51.05.03,Klungkung,2020,64235,ok\n"
    "51.05.04,Dawan,2020,40889,ok\n"
    "51.05.01,Nusa Penida,2010,45110,ok\n"
    "51.05.02,Banjarangkan,2010,37115,ok\n"
    "51.05.03,Klungkung,2010,55141,ok\n"
    "51.05.04,Dawan,2010,33177,ok\n"
    '51.05.99,"=HYPERLINK(""http://x"")",2020,10,kode tanpa batas\n'
)


@pytest.fixture
def world(klungkung):
    return make_world("dsb")


@pytest.fixture
def population(world):
    return make_dataset(
        world.owner,
        title="Penduduk per kecamatan",
        state="published",
        csv=POPULATION_CSV,
        regions=["51.05"],
    )


def _chart(dataset, **values):
    base = {
        "title": "Penduduk per kecamatan",
        "kind": "bar",
        "measure": "penduduk",
        "category": "kode_kecamatan",
        "region_field": "kode_kecamatan",
        "unit": "jiwa",
    }
    return services.create_chart(SYSTEM, dataset, **(base | values))


@pytest.fixture
def dashboard(population):
    bar = _chart(population, filters=[{"field": "tahun", "op": "eq", "value": 2020}])
    choropleth = _chart(
        population,
        title="Peta penduduk",
        kind="choropleth",
        map_level="kecamatan",
        time_field="tahun",
    )
    indicator = services.ensure_indicator(
        SYSTEM,
        slug="penduduk-uji",
        dataset=population,
        name="Penduduk",
        measure="penduduk",
        time_field="tahun",
        region_field="kode_kecamatan",
        unit="jiwa",
        polarity="higher_better",
    )
    board = services.create_dashboard(SYSTEM, title="Dasbor uji")
    for item in (bar, choropleth):
        services.add_panel(SYSTEM, board, chart=item)
    services.add_panel(SYSTEM, board, indicator=indicator)
    return board


def _panel_texts(client, board, query=""):
    page = client.get(f"/dasbor/{board.slug}/{query}")
    assert page.status_code == 200
    urls = re.findall(r'hx-get="(/dasbor/[^"]+/panel/\d+/[^"]*)"', page.content.decode())
    assert len(urls) == board.panels.count()
    texts = []
    for url in urls:
        answer = client.get(url.replace("&amp;", "&"))
        assert answer.status_code == 200
        texts.append(answer.content.decode())
    return texts


def test_every_panel_follows_the_kecamatan_filter(client, dashboard):
    before = _panel_texts(client, dashboard)
    after = _panel_texts(client, dashboard, "?kecamatan=51.05.01")
    for old, new in zip(before, after, strict=True):
        assert old != new
    assert "highest Klungkung (64.235 jiwa)" in before[0]
    assert "Nusa Penida 57.370 jiwa" in after[0]
    assert "Nusa Penida is outlined on the map" in after[1]
    assert "57.370" in after[2]  # the indicator card: Nusa Penida's 2020 population
    # Every chart has its text alternative and its data table one click away.
    for text in before[:2]:
        assert 'role="img"' in text and "aria-label=" in text
        assert '<details class="chart-table">' in text


def test_htmx_filter_change_returns_only_the_body(client, dashboard):
    answer = client.get(
        f"/dasbor/{dashboard.slug}/?kecamatan=51.05.02",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="dashboard-body",
    )
    text = answer.content.decode()
    assert text.lstrip().startswith('<div id="dashboard-body">')
    assert "kecamatan=51.05.02" in text and "<html" not in text


def test_png_and_svg_of_a_bar_chart_and_a_map_are_valid_images(client, dashboard):
    for panel in Panel.objects.filter(dashboard=dashboard, chart__isnull=False):
        key = panel.chart.key
        png = client.get(f"/grafik/{key}/grafik.png")
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        image.verify()
        assert image.size[0] >= 700
        svg = client.get(f"/grafik/{key}/grafik.svg")
        assert svg.status_code == 200
        assert ET.fromstring(svg.content).tag.endswith("svg")


def test_csv_behind_the_chart_is_formula_escaped(client, population):
    chart = _chart(population, category="nama", region_field="")
    answer = client.get(f"/grafik/{chart.key}/data.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Nama"
    cells = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(cell.startswith("=") for cell in cells)
    assert "119376" in [row[1] for row in rows[1:]]  # Klungkung 2010 + 2020, a plain number


def test_map_lists_codes_without_a_boundary(population):
    chart = _chart(population, kind="choropleth", map_level="kecamatan")
    result = chart_result(chart)
    assert result.ok
    assert any("51.05.99" in note for note in result.notes)
    assert result.data.unmatched_codes == ["51.05.99"]
    legend = result.spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert "No data" not in legend  # every kecamatan has a value
    desa_map = chart_result(_chart(population, kind="choropleth", map_level="desa"))
    # Kecamatan codes cannot be drawn on a desa map: listed, and every desa is "No data".
    assert desa_map.data.unmatched_codes[:2] == ["51.05.01", "51.05.02"]
    assert desa_map.spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["No data"]


def test_chart_page_has_embed_snippet_permanent_url_and_framing_rules(client, population):
    chart = _chart(population)
    page = client.get(chart.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200 and page["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert f"/grafik/{chart.key}/sematkan/" in text and "&lt;iframe" in text
    assert f"http://testserver/grafik/{chart.key}/" in text
    embed = client.get(f"/grafik/{chart.key}/sematkan/")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed


def test_column_removed_in_a_newer_version_gives_a_message_not_an_error(client, population):
    chart = _chart(population, measure="penduduk")
    newer = upload_csv(
        population, "kode_kecamatan,nama,tahun,jumlah\n51.05.01,Nusa Penida,2020,1\n"
    )
    publish(newer)
    page = client.get(chart.get_absolute_url())
    assert page.status_code == 200
    assert "is not in the current version (v2)" in page.content.decode()
    png = client.get(f"/grafik/{chart.key}/grafik.png")
    assert png.status_code == 422 and b"v2" in png.content


def test_text_measure_and_map_without_region_column_are_refused_clearly(world, population):
    from satudata.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="holds text"):
        _chart(population, measure="nama")
    with pytest.raises(ValidationFailed, match="region codes"):
        _chart(population, kind="choropleth", region_field="")
    assert Chart.objects.count() == 0


def test_ten_thousand_categories_show_top_n_plus_lainnya(client, world):
    rows = "".join(f"kategori {i:05d},{i % 97 + 1}\n" for i in range(10_000))
    dataset = make_dataset(
        world.owner, title="Banyak kategori", state="published", csv="kategori,nilai\n" + rows
    )
    chart = services.create_chart(
        SYSTEM,
        dataset,
        title="Banyak",
        kind="bar",
        measure="nilai",
        category="kategori",
        top_n=20,
    )
    result = chart_result(chart)
    assert len(result.data.records) == 21
    assert result.data.records[-1]["kategori"] == "lainnya"
    total = sum(i % 97 + 1 for i in range(10_000))
    assert sum(r["nilai"] for r in result.data.records) == total
    assert "10.000 categories" in " ".join(result.notes)
    assert client.get(f"/grafik/{chart.key}/grafik.svg").status_code == 200


def test_builder_saves_a_chart_for_a_logged_in_user_only(client, world, population):
    form = {
        "dataset": population.slug,
        "kind": "bar",
        "measure": "penduduk",
        "aggregate": "sum",
        "category": "kode_kecamatan",
        "title": "Grafik buatan saya",
        "top_n": "20",
        "classing": "quantile",
    }
    preview = client.get("/grafik/pratinjau/", form)
    assert preview.status_code == 200 and "highest Klungkung" in preview.content.decode()
    anonymous = client.post("/grafik/baru/", form)
    assert anonymous.status_code == 302 and "/akun/masuk/" in anonymous["Location"]
    assert Chart.objects.count() == 0
    client.force_login(world.users["user"])
    saved = client.post("/grafik/baru/", form)
    chart = Chart.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/grafik/{chart.key}/"
    assert chart.created_by == world.users["user"]
    assert AuditEvent.objects.filter(action="dashboards.chart_create").exists()
    bad = client.post(
        "/grafik/baru/", form | {"measure": "", "aggregate": "sum", "kind": "choropleth"}
    )
    assert bad.status_code == 200 and "region codes" in bad.content.decode()


def test_only_the_walidata_edits_dashboards(client, world, dashboard):
    url = f"/dasbor/{dashboard.slug}/ubah/"
    client.force_login(world.users["produsen_own"])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"action": "remove", "panel": dashboard.panels.first().pk}).status_code
        == 404
    )
    assert dashboard.panels.count() == 3
    client.force_login(world.users["walidata"])
    assert client.get(url).status_code == 200
    panels = list(dashboard.panels.order_by("position"))
    client.post(url, {"action": "down", "panel": panels[0].pk})
    assert list(dashboard.panels.order_by("position")) == [panels[1], panels[0], panels[2]]
    client.post(url, {"action": "remove", "panel": panels[1].pk})
    assert dashboard.panels.count() == 2
    chart = panels[1].chart
    client.post(url, {"action": "add", "item": f"chart:{chart.key}", "width": "full"})
    assert dashboard.panels.order_by("position").last().chart == chart
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"dashboards.panel_move", "dashboards.panel_remove", "dashboards.panel_add"} <= actions


def test_charts_of_restricted_datasets_are_hidden_from_the_public(client, world):
    dataset = make_dataset(
        world.owner,
        title="Terbatas",
        state="published",
        classification="terbatas",
        csv=POPULATION_CSV,
    )
    chart = _chart(dataset)
    assert client.get(chart.get_absolute_url()).status_code == 404
    assert client.get(f"/grafik/{chart.key}/data.csv").status_code == 404
    client.force_login(world.users["produsen_other"])
    assert client.get(chart.get_absolute_url()).status_code == 200


def test_unpublished_dashboard_is_hidden_and_filters_are_cleaned(client, dashboard):
    Dashboard.objects.filter(pk=dashboard.pk).update(is_published=False)
    assert client.get(f"/dasbor/{dashboard.slug}/").status_code == 404
    Dashboard.objects.filter(pk=dashboard.pk).update(is_published=True)
    hostile = client.get(f"/dasbor/{dashboard.slug}/?kecamatan=51.05.01%27%20OR%201=1&period=<b>")
    assert hostile.status_code == 200
    assert "<b>" not in hostile.content.decode()


def test_indicator_card_change_and_polarity(dashboard):
    indicator = dashboard.panels.get(indicator__isnull=False).indicator
    card = indicator_card(indicator)
    assert (card.period, card.value, card.previous_period) == ("2020", 206935.0, "2010")
    assert card.direction == "up" and card.good is True and card.tone == "good"
    assert card.value_text == "206.935"
    assert card.sparkline_points
    assert indicator_card(indicator, filters={"period": "2010"}).value == 170543.0


def test_variable_filter_swaps_the_measure_where_the_column_exists(world):
    dataset = make_dataset(
        world.owner,
        title="Dua ukuran",
        state="published",
        csv="kode_kecamatan,laki_laki,perempuan\n51.05.01,10,30\n51.05.02,20,5\n",
    )
    chart = _chart(dataset, measure="laki_laki", unit="")
    plain = chart_result(chart)
    swapped = chart_result(chart, filters={"variable": "perempuan"})
    unknown = chart_result(chart, filters={"variable": "tidak_ada"})
    assert plain.data.records[0]["kategori"] == "Banjarangkan"  # 20 men
    assert swapped.data.records[0]["kategori"] == "Nusa Penida"  # 30 women
    assert swapped.data.value_title == "Perempuan"
    assert swapped.title.endswith("variable: Perempuan")
    assert "instead of the chart's own measure “Laki laki”" in swapped.notes[0]
    assert unknown.summary == plain.summary


def test_point_map_of_coordinates_draws_and_skips_bad_points(client, world, klungkung):
    dataset = make_dataset(
        world.owner,
        title="Titik",
        state="published",
        csv=(
            "kode,nama,lat,lng\n"
            "51.05.01.2001,Sakti,-8.72,115.46\n"
            "51.05.03.1001,Semarapura,-8.53,115.40\n"
            "51.05.04.2006,Tanpa koordinat,,\n"
        ),
    )
    chart = services.create_chart(
        SYSTEM,
        dataset,
        title="Titik desa",
        kind="point_map",
        aggregate="count",
        category="nama",
        region_field="kode",
        latitude_field="lat",
        longitude_field="lng",
    )
    result = chart_result(chart)
    assert result.ok and len(result.data.records) == 2
    assert "1 row(s) without valid coordinates" in " ".join(result.notes)
    filtered = chart_result(chart, filters={"kecamatan": "51.05.01"})
    assert [r["kategori"] for r in filtered.data.records] == ["Sakti"]
    svg = client.get(f"/grafik/{chart.key}/grafik.svg")
    assert svg.status_code == 200 and ET.fromstring(svg.content).tag.endswith("svg")


def test_a_chart_broken_by_a_new_version_is_repaired_in_the_editor(client, world, population):
    chart = services.create_chart(
        world.users["user"],
        population,
        title="Milik saya",
        kind="bar",
        measure="penduduk",
        category="kode_kecamatan",
    )
    publish(upload_csv(population, "kode_kecamatan,tahun,jumlah\n51.05.01,2020,7\n"))
    client.force_login(world.users["produsen_other"])
    assert client.get(f"/grafik/{chart.key}/ubah/").status_code == 404
    client.force_login(world.users["user"])
    page = client.get(chart.get_absolute_url()).content.decode()
    assert "is not in the current version (v2)" in page and f"/grafik/{chart.key}/ubah/" in page
    form = {
        "dataset": population.slug,
        "kind": "bar",
        "measure": "jumlah",
        "aggregate": "sum",
        "category": "kode_kecamatan",
        "title": "Milik saya",
        "top_n": "20",
        "classing": "quantile",
    }
    saved = client.post(f"/grafik/{chart.key}/ubah/", form)
    assert saved.status_code == 302 and saved["Location"] == f"/grafik/{chart.key}/"
    chart.refresh_from_db()
    assert chart.measure == "jumlah"
    assert chart_result(chart).summary.endswith("Nusa Penida 7.")


def test_warm_panel_and_page_requests_stay_within_a_few_queries(
    client, dashboard, django_assert_max_num_queries
):
    urls = re.findall(
        r'hx-get="(/dasbor/[^"]+/panel/\d+/)"',
        client.get(f"/dasbor/{dashboard.slug}/").content.decode(),
    )
    for url in urls:
        client.get(url)  # fills the caches
    for url in urls:
        # dashboard, panel, dataset visibility, current version (+ session/auth none: anonymous)
        with django_assert_max_num_queries(5):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        client.get(f"/dasbor/{dashboard.slug}/")


def test_unreadable_data_gives_a_plain_message_without_server_paths(
    client, world, settings, tmp_path
):
    # Content no other test uses: its answers are in no cache and no in-memory copy yet.
    unique = POPULATION_CSV + "51.05.04,Dawan,2021,1,baris unik uji file hilang\n"
    dataset = make_dataset(world.owner, title="Hilang", state="published", csv=unique)
    chart = _chart(dataset, category="nama", region_field="")
    indicator = services.ensure_indicator(
        SYSTEM,
        slug="hilang",
        dataset=dataset,
        name="Penduduk",
        measure="penduduk",
        time_field="tahun",
    )
    real_root = settings.BLOB_ROOT
    settings.BLOB_ROOT = tmp_path  # the Parquet file is not where the version says
    page = client.get(chart.get_absolute_url()).content.decode()
    assert "could not be read just now" in page and str(tmp_path) not in page
    card = indicator_card(indicator)
    assert "could not be read just now" in card.problem
    settings.BLOB_ROOT = real_root  # the failure was not cached
    assert chart_result(chart).ok
    assert indicator_card(indicator).value == 1.0  # 2021, the newest period


def test_a_desa_filter_on_kecamatan_data_shows_its_kecamatan(dashboard):
    bar = dashboard.panels.get(position=0).chart
    indicator = dashboard.panels.get(indicator__isnull=False).indicator
    desa = {"kecamatan": "51.05.01", "desa": "51.05.01.2001"}  # Sakti, Nusa Penida
    result = chart_result(bar, filters=desa)
    assert result.summary.endswith("Nusa Penida 57.370 jiwa.")
    assert result.notes[0] == "This data has no rows for the chosen desa; its kecamatan is shown."
    card = indicator_card(indicator, filters=desa)
    assert card.value == 57370.0 and "its kecamatan is shown" in card.notes[0]
