"""Region pages on the Klungkung subset: /wilayah/, /wilayah/<kode>, /wilayah/<kode>.geojson."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.test import override_settings

from satudata.catalog import services as catalog_services
from satudata.core.permissions import SYSTEM
from satudata.regions.models import Region
from tests.factories import make_dataset, make_user, make_world, read_form  # noqa: F401

pytestmark = pytest.mark.django_db

KECAMATAN = {
    "51.05.01": "Nusa Penida",
    "51.05.02": "Banjarangkan",
    "51.05.03": "Klungkung",
    "51.05.04": "Dawan",
}
NUSA_PENIDA_DESA = [
    "Sakti", "Batumadeg", "Klumpu", "Batukandik", "Sekartaji", "Tanglad", "Suana",
    "Batununggul", "Kutampi", "Ped", "Kampung Toyapakeh", "Lembongan", "Jungutbatu",
    "Pejukutan", "Kutampi Kaler", "Bunga Mekar",
]  # fmt: skip


def get(client, url: str):
    """GET in English (the language switch's cookie); Indonesian is checked separately."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url)


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def table_rows(response) -> list[list[str]]:
    """Cells of the sub-regions table, as text."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def map_spec(response) -> dict | None:
    found = re.search(
        r'<script id="region-map-spec" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1)) if found else None


def publish(dataset):
    """Publish through the catalogue service (walidata/system may set the state)."""
    return catalog_services.update_dataset(SYSTEM, dataset, state="published")


class TestIndex:
    def test_redirects_to_the_portal_region(self, client, klungkung):
        response = get(client, "/wilayah/")
        assert response.status_code == 302 and response["Location"] == "/wilayah/51.05"

    @override_settings(SATUDATA_REGION_CODE="51.05.01")
    def test_follows_the_setting(self, client, klungkung):
        assert get(client, "/wilayah/")["Location"] == "/wilayah/51.05.01"


class TestRegencyPage:
    def test_lists_the_four_kecamatan(self, client, klungkung):
        response = get(client, "/wilayah/51.05")
        assert response.status_code == 200
        rows = table_rows(response)
        assert [row[:3] for row in rows] == [
            [code, name, "District (kecamatan)"] for code, name in KECAMATAN.items()
        ]
        assert [row[3] for row in rows] == ["16", "13", "18", "12"]  # 59 desa/kelurahan
        html = response.content.decode()
        for code in KECAMATAN:
            assert f'href="/wilayah/{code}"' in html

    def test_name_level_and_breadcrumb(self, client, klungkung):
        response = get(client, "/wilayah/51.05")
        html = response.content.decode()
        assert "<h1>Kabupaten Klungkung</h1>" in html
        assert "Regency (kabupaten)" in html
        crumbs = html.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]
        assert '<a href="/wilayah/51">Bali</a>' in crumbs
        assert '<li aria-current="page">Kabupaten Klungkung</li>' in crumbs
        assert "5105" in text_of(response)  # BPS code from the bridge

    def test_map_spec_has_the_region_and_its_kecamatan(self, client, klungkung):
        response = get(client, "/wilayah/51.05")
        spec = map_spec(response)
        assert spec["$schema"].endswith("/vega-lite/v5.json")
        features = spec["data"]["values"]
        assert len(features) == 5
        assert [f["properties"]["kode"] for f in features] == ["51.05", *KECAMATAN]
        assert [f["properties"]["role"] for f in features] == ["region"] + ["child"] * 4
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
        marks = [layer["mark"]["type"] for layer in spec["layer"]]
        assert marks == ["geoshape", "geoshape"]  # children filled, then the region outlined
        colour = spec["layer"][0]["encoding"]["color"]
        assert colour["scale"]["domain"] == list(KECAMATAN.values())  # legend in code order
        assert colour["legend"]["orient"] == "bottom"
        assert spec["width"] == spec["height"] == "container"  # fills the phone or desktop box
        assert "Nusa Penida, Banjarangkan, Klungkung, Dawan" in spec["description"]

    def test_map_scripts_are_vendored_and_the_map_has_a_text_alternative(self, client, klungkung):
        html = get(client, "/wilayah/51.05").content.decode()
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
        for name in ("vega-5.30.0", "vega-lite-5.21.0", "vega-embed-6.29.0"):
            assert f"/static/vendor/{name}.min.js" in scripts
        assert "/static/regions/region-map.js" in scripts
        assert not [src for src in scripts if "//" in src], "no CDN"
        assert re.search(r'role="img"\s+aria-label="Map of Kabupaten Klungkung"', html)
        assert (
            "Map of Kabupaten Klungkung and its 4 areas: Nusa Penida, Banjarangkan, Klungkung,"
            " Dawan." in html
        )
        assert 'href="/wilayah/51.05.geojson"' in html

    def test_few_queries(self, client, klungkung, django_assert_max_num_queries):
        # region, ancestors, children (+ counts), datasets about it, datasets of wider areas.
        with django_assert_max_num_queries(5):
            get(client, "/wilayah/51.05")
        with django_assert_max_num_queries(5):  # 16 children cost no more than 4
            get(client, "/wilayah/51.05.01")


class TestKecamatanAndDesaPages:
    def test_kecamatan_lists_its_16_desa(self, client, klungkung):
        response = get(client, "/wilayah/51.05.01")
        rows = table_rows(response)
        assert [row[1] for row in rows] == NUSA_PENIDA_DESA
        assert rows[0] == ["51.05.01.2001", "Sakti", "Village (desa)", "0"]
        spec = map_spec(response)
        assert len(spec["data"]["values"]) == 17
        assert spec["layer"][0]["encoding"]["color"]["legend"] is None  # 16: the table is the key

    def test_desa_page(self, client, klungkung):
        response = get(client, "/wilayah/51.05.01.2001")
        html = response.content.decode()
        crumbs = html.split('class="breadcrumb"', 1)[1].split("</nav>", 1)[0]
        assert re.findall(r'href="/wilayah/([0-9.]+)"', crumbs) == ["51", "51.05", "51.05.01"]
        assert "This region has no sub-regions" in html
        spec = map_spec(response)
        assert [f["properties"]["kode"] for f in spec["data"]["values"]] == ["51.05.01.2001"]

    def test_kelurahan_level(self, client, klungkung):
        kelurahan = Region.objects.filter(parent_id="51.05.03", level="kelurahan").first()
        response = get(client, f"/wilayah/{kelurahan.code}")
        assert "Urban village (kelurahan)" in response.content.decode()


class TestRegionWithoutBoundary:
    def test_province_shows_the_table_and_a_note(self, client, klungkung):
        response = get(client, "/wilayah/51")
        html = response.content.decode()
        assert response.status_code == 200
        assert map_spec(response) is None
        assert "No boundary is available for this region yet" in html
        assert "vega-embed" not in html  # no map scripts for nothing to draw
        assert table_rows(response)[0][:2] == ["51.05", "Kabupaten Klungkung"]


class TestCodesInUrls:
    def test_51_10_and_51_1_are_different(self, client, klungkung):
        Region.objects.create(code="51.10", name="Kabupaten Uji", level="kabupaten", depth=2,
                              parent_id="51")  # fmt: skip
        page = get(client, "/wilayah/51.10")
        assert page.status_code == 200 and "<h1>Kabupaten Uji</h1>" in page.content.decode()
        wrong = get(client, "/wilayah/51.1")
        assert wrong.status_code == 404
        assert "Kabupaten Uji" not in wrong.content.decode()
        assert "part 2 (&#x27;1&#x27;) must have exactly 2 digits" in wrong.content.decode()

    @pytest.mark.parametrize(
        ("url", "target"),
        [
            ("/wilayah/5105", "/wilayah/51.05"),
            ("/wilayah/5105012001", "/wilayah/51.05.01.2001"),
            ("/wilayah/%2051.05%20", "/wilayah/51.05"),
            ("/wilayah/5105.geojson", "/wilayah/51.05.geojson"),
        ],
    )
    def test_other_spellings_redirect_to_the_dotted_code(self, client, klungkung, url, target):
        response = get(client, url)
        assert response.status_code == 301 and response["Location"] == target

    def test_unknown_code(self, client, klungkung):
        response = get(client, "/wilayah/51.99")
        assert response.status_code == 404
        assert "&#x27;51.99&#x27; is not a known Kemendagri region code." in (
            response.content.decode()
        )
        assert 'href="/wilayah/51.05"' in response.content.decode()  # a way back
        assert get(client, "/wilayah/51.99.geojson").status_code == 404

    @pytest.mark.parametrize(
        "path",
        [
            "51.1",
            "51.05.1",
            "abc",
            "51.05.01.2001.1",
            "%27%20OR%201=1--",
            "51;DROP%20TABLE%20regions_region",
            "%3Cimg%20src=x%20onerror=alert(1)%3E",
            "%00",
            "%EF%BC%95%EF%BC%91",  # full-width digits
            "9" * 5000,
            "51.05.01.2001" * 50,
        ],
    )
    def test_malformed_codes_are_404_with_a_message(self, client, klungkung, path):
        response = get(client, f"/wilayah/{path}")
        assert response.status_code == 404
        html = response.content.decode()
        assert "Region not found" in html
        assert "<img src=x" not in html  # echoed input is escaped
        assert len(html) < 20_000
        assert get(client, f"/wilayah/{path}.geojson").status_code == 404

    def test_only_get_and_head(self, client, klungkung):
        assert client.post("/wilayah/51.05").status_code == 405
        assert client.head("/wilayah/51.05").status_code == 200


class TestGeoJson:
    def test_feature_collection_of_region_and_children(self, client, klungkung):
        response = get(client, "/wilayah/51.05.geojson")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/geo+json")
        data = json.loads(response.content)
        assert data["type"] == "FeatureCollection"
        assert [f["properties"]["kode"] for f in data["features"]] == ["51.05", *KECAMATAN]
        stored = Region.objects.get(code="51.05").boundary
        assert data["features"][0]["geometry"] == stored  # full precision, unlike the page
        assert data["features"][1]["properties"]["nama"] == "Nusa Penida"

    def test_region_without_boundary_has_null_geometry(self, client, klungkung):
        data = json.loads(get(client, "/wilayah/51.geojson").content)
        assert data["features"][0]["geometry"] is None
        assert data["features"][1]["geometry"]["type"] == "MultiPolygon"  # 51.05 has one


class TestDatasets:
    def test_datasets_of_the_region_its_parts_and_wider_areas(self, client, klungkung):
        world = make_world("wil")
        regency = publish(make_dataset(world.owner, title="Data Kabupaten Zeta", regions=["51.05"]))
        desa = publish(
            make_dataset(world.owner, title="Data Desa Sakti Zeta", regions=["51.05.01.2001"])
        )
        bali = publish(make_dataset(world.owner, title="Data Bali Zeta", regions=["51"]))
        elsewhere = publish(
            make_dataset(world.owner, title="Data Dawan Zeta", regions=["51.05.04"])
        )

        html = get(client, "/wilayah/51.05.01").content.decode()
        about = html.split("Datasets about this region", 1)[1].split("wider area", 1)[0]
        wider = html.split("wider area", 1)[1]
        assert desa.title in about and regency.title not in about
        assert regency.title in wider and bali.title in wider
        assert elsewhere.title not in html
        assert f'href="/dataset/{desa.slug}"' in html

        regency_page = get(client, "/wilayah/51.05").content.decode()
        about = regency_page.split("Datasets about this region", 1)[1].split("wider area", 1)[0]
        assert all(d.title in about for d in (regency, desa, elsewhere))

    def test_hidden_datasets_stay_hidden(self, client, klungkung):
        world = make_world("wilrahasia")
        secret = make_dataset(
            world.owner, title="Draf Rahasia Zeta", regions=["51.05"], classification="rahasia"
        )
        assert secret.title not in get(client, "/wilayah/51.05").content.decode()
        client.force_login(world.users["produsen_other"])
        assert secret.title not in get(client, "/wilayah/51.05").content.decode()
        client.force_login(world.users["produsen_own"])
        own_view = get(client, "/wilayah/51.05").content.decode()
        assert secret.title in own_view and "Draft" in own_view

    def test_no_datasets(self, client, klungkung):
        assert "No datasets yet." in get(client, "/wilayah/51.05.02").content.decode()


class TestAdmin:
    def test_searchable_and_read_only(self, client, klungkung):
        admin = make_user("admin_wilayah_page", is_superuser=True)
        client.force_login(admin)
        listing = client.get("/admin/regions/region/", {"q": "Nusa Penida"})
        assert listing.status_code == 200
        assert "51.05.01" in listing.content.decode()
        by_code = client.get("/admin/regions/region/", {"q": "51.05.01.2016"})
        assert "Bunga Mekar" in by_code.content.decode()
        detail = client.get("/admin/regions/region/51.05.01/change/")
        assert detail.status_code == 200
        assert 'name="name"' not in detail.content.decode()  # no editable inputs
        assert client.get("/admin/regions/region/add/").status_code == 403
        before = Region.objects.get(code="51.05.01").name
        client.post("/admin/regions/region/51.05.01/change/", {"name": "Diubah"})
        assert Region.objects.get(code="51.05.01").name == before


def test_page_is_in_indonesian_by_default(client, klungkung):
    html = client.get("/wilayah/51.05", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="id">' in html
    assert "Wilayah di bawahnya" in html and "Peta Kabupaten Klungkung" in html
    assert "Sub-regions" not in html
