"""Catalogue search: normalisation, stemming, what is indexed, ranking, facets, sort, pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from satudata.catalog import search, services
from satudata.catalog.models import Dataset
from satudata.catalog.search import text as search_text
from satudata.core.permissions import SYSTEM
from tests.catalog.conftest import english_client


def found(user, q: str = "", **facets) -> list[str]:
    query = search.CatalogQuery(q=q, **facets)
    return [d.title for d in search.search_datasets(user, query)]


# --- normalisation --------------------------------------------------------------------------------


def test_normalise_lowercases_strips_accents_and_splits_names():
    assert search.normalise("Pürä  Besakih!") == "pura besakih"
    assert search.normalise("jumlah_penduduk") == "jumlah penduduk"
    assert search.normalise("jumlahPenduduk") == "jumlah penduduk"
    assert search.normalise("51.05.01") == "51 05 01"
    assert search.normalise(None) == ""


def test_index_text_holds_words_and_their_stems_space_delimited():
    text = search.index_text(["Data Kependudukan", "Perikanan"])
    assert text.startswith(" ") and text.endswith(" ")
    assert " kependudukan " in text and " duduk " in text
    assert " ikan " in text


def test_query_terms_are_bounded():
    terms = search.query_terms(" ".join(f"kata{i}" for i in range(20)) + " " + "x" * 100)
    assert len(terms) == search.SEARCH_MAX_TERMS
    assert search.query_terms("a" * 500) == ["a" * search.SEARCH_TERM_MAX_CHARS]


# --- matching -------------------------------------------------------------------------------------


@pytest.fixture(params=["index", "like"])
def engine(request, monkeypatch):
    """Run a test with the SQLite full-text index (when present) and with plain LIKE."""
    if request.param == "like":
        monkeypatch.setattr(search_text, "use_fts", lambda: False)
    return request.param


@pytest.fixture
def library(world, make, engine):
    make("Data Kependudukan Kabupaten", description="Penduduk per desa", tags=["demografi"])
    make("Jumlah Pura dan Tempat Ibadah", description="Daftar pura di Klungkung")
    make("Produksi Perikanan Laut", description="Tangkapan nelayan")
    make("Angka Partisipasi Sekolah", description="Pendidikan dasar", tags=["stunting"])
    make("Kunjungan Wisata", organisation=world.other, description="Wisatawan per bulan")
    return world


def test_search_is_case_and_accent_insensitive(library):
    assert found(None, "PURA") == ["Jumlah Pura dan Tempat Ibadah"]
    assert found(None, "pürà") == ["Jumlah Pura dan Tempat Ibadah"]


def test_indonesian_stemming_penduduk_finds_kependudukan(library):
    assert "Data Kependudukan Kabupaten" in found(None, "kependudukan")
    assert found(None, "penduduk") == ["Data Kependudukan Kabupaten"]


def test_a_stem_does_not_match_inside_another_word(library):
    # perikanan → "ikan"; "pendidikan" contains "ikan" but its stem is "didik".
    assert found(None, "perikanan") == ["Produksi Perikanan Laut"]


def test_prefix_of_a_word_matches_while_typing(library):
    assert found(None, "kunjun") == ["Kunjungan Wisata"]


def test_tags_and_organisation_names_are_searched(library):
    assert found(None, "stunting") == ["Angka Partisipasi Sekolah"]
    assert found(None, "demografi") == ["Data Kependudukan Kabupaten"]
    assert found(None, "pariwisata") == ["Kunjungan Wisata"]  # "Dinas Pariwisata Uji kat"


def test_all_terms_must_match(library):
    assert found(None, "pura klungkung") == ["Jumlah Pura dan Tempat Ibadah"]
    assert found(None, "pura nelayan") == []


def test_column_names_of_the_published_version_are_searched(world, make, engine):
    from satudata.warehouse.models import Version

    dataset = make("Tabel Tanpa Petunjuk")
    version = Version.objects.create(
        dataset=dataset,
        number=1,
        status="terbit",
        raw_sha256="1" * 64,
        table_schema={"fields": [{"name": "jumlah_balita_gizi_buruk"}]},
    )
    Dataset.objects.filter(pk=dataset.pk).update(published_version=version)
    dataset.refresh_from_db()
    services.refresh_dataset_index(dataset)
    assert found(None, "balita gizi") == ["Tabel Tanpa Petunjuk"]


def test_title_hits_rank_above_description_hits(world, make, engine):
    make("Daftar Sekolah Dasar", description="Tidak ada kata kunci")
    make("Rekap Tahunan", description="Berisi data posyandu per desa")
    make("Posyandu Aktif", description="Jumlah posyandu")
    assert found(None, "posyandu") == ["Posyandu Aktif", "Rekap Tahunan"]


@pytest.mark.parametrize(
    "q", ["'; DROP TABLE catalog_dataset; --", "%", "_", "\\", "a" * 5000, "<script>", "\x00"]
)
def test_hostile_queries_answer_normally(library, q):
    response = english_client().get("/dataset", {"q": q})
    assert response.status_code == 200
    assert Dataset.objects.count() == 5


# --- visibility -----------------------------------------------------------------------------------


@pytest.fixture
def hidden(world, make):
    make("Zebra Publik Terbit")
    make("Zebra Konsep", state="draft")
    make("Zebra Terbatas", classification="terbatas")
    make("Zebra Rahasia", classification="rahasia")
    return world


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", {"Zebra Publik Terbit"}),
        ("user", {"Zebra Publik Terbit"}),
        ("produsen_other", {"Zebra Publik Terbit", "Zebra Terbatas"}),
        ("pembina", {"Zebra Publik Terbit", "Zebra Terbatas", "Zebra Konsep"}),
        (
            "produsen_own",
            {"Zebra Publik Terbit", "Zebra Terbatas", "Zebra Konsep", "Zebra Rahasia"},
        ),
        ("walidata", {"Zebra Publik Terbit", "Zebra Terbatas", "Zebra Konsep", "Zebra Rahasia"}),
    ],
)
def test_search_shows_only_what_the_role_may_see(hidden, role, expected):
    user = None if role == "anonymous" else hidden.users[role]
    assert set(found(user, "zebra")) == expected
    response = english_client(user).get("/dataset", {"q": "zebra"})
    body = response.content.decode()
    for title in {"Zebra Publik Terbit", "Zebra Terbatas", "Zebra Konsep", "Zebra Rahasia"}:
        assert (title in body) == (title in expected), title


# --- facets ---------------------------------------------------------------------------------------


@pytest.fixture
def faceted(world, make, engine):
    from satudata.regions.models import Region

    Region.objects.get_or_create(
        code="51.05.02", defaults={"name": "Klungkung Kota", "level": "kecamatan", "depth": 3}
    )
    health = world.topic
    tourism = services.ensure_topic("pariwisata-kat", "Pariwisata", "Tourism")
    a = make("Alfa", topic=health, regions=["51.05.01"], temporal_start=2019, temporal_end=2021)
    b = make("Beta", topic=health, regions=["51.05"], temporal_start=2021, temporal_end=2021)
    c = make(
        "Gamma",
        topic=tourism,
        organisation=world.other,
        regions=["51.05.02"],
        temporal_start=2022,
        temporal_end=2023,
    )
    Dataset.objects.filter(pk=a.pk).update(formats="CSV,XLSX")
    Dataset.objects.filter(pk=b.pk).update(formats="CSV,XLSX,XLS")
    Dataset.objects.filter(pk=c.pk).update(formats="")
    make("Delta Rahasia", topic=tourism, classification="rahasia", temporal_start=2023)
    return world, health, tourism


def counts(facet_values) -> dict[str, int]:
    return {value.value: value.count for value in facet_values}


def test_facet_counts_for_anonymous(faceted):
    world, health, tourism = faceted
    query = search.CatalogQuery()
    qs = search.apply_filters(Dataset.objects.visible_to(None), query)
    facets = search.facets(qs, query)
    assert counts(facets["sektor"]) == {health.slug: 2, tourism.slug: 1}
    assert counts(facets["opd"]) == {world.owner.slug: 2, world.other.slug: 1}
    assert counts(facets["wilayah"]) == {"51.05.01": 1, "51.05": 1, "51.05.02": 1}
    assert counts(facets["tahun"]) == {"2019": 1, "2020": 1, "2021": 2, "2022": 1, "2023": 1}
    assert counts(facets["format"]) == {"CSV": 2, "XLSX": 2, "XLS": 1}
    # Labels are human names.
    assert {v.label for v in facets["sektor"]} == {health.name, "Pariwisata"}


def test_facet_filters_combine(faceted):
    world, health, _tourism = faceted
    assert sorted(found(None, topics=[health.slug])) == ["Alfa", "Beta"]
    assert found(None, organisations=[world.other.slug]) == ["Gamma"]
    assert sorted(found(None, years=[2021])) == ["Alfa", "Beta"]
    assert found(None, years=[2020]) == ["Alfa"]
    assert sorted(found(None, formats=["XLSX"])) == ["Alfa", "Beta"]
    assert found(None, formats=["XLS"]) == ["Beta"]  # not a prefix match of XLSX
    assert found(None, topics=[health.slug], years=[2019]) == ["Alfa"]
    # OR inside one facet.
    assert sorted(found(None, years=[2019, 2022])) == ["Alfa", "Gamma"]


def test_region_filter_includes_regions_inside(faceted):
    assert sorted(found(None, regions=["51.05"])) == ["Alfa", "Beta", "Gamma"]
    assert found(None, regions=["51.05.01"]) == ["Alfa"]
    assert found(None, regions=["51.0"]) == []  # not a code prefix match


def test_facet_page_links_toggle_values_and_show_selection(faceted):
    _world, health, _tourism = faceted
    client = english_client()
    page = client.get("/dataset", {"sektor": health.slug})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Alfa" in body and "Beta" in body and "Gamma" not in body
    assert 'aria-current="true"' in body  # the selected facet value
    assert "Remove filter" in body
    # Junk facet values are ignored, never an error.
    junk = client.get("/dataset", {"tahun": ["abcd", "99999"], "wilayah": "<x>", "opd": "a b"})
    assert junk.status_code == 200
    assert "Alfa" in junk.content.decode()


# --- sort and pages -------------------------------------------------------------------------------


def test_sort_by_name_and_newest(world, make):
    for title in ("beta", "Alfa", "Gamma"):
        make(title)
    assert found(None, sort=search.SORT_NAME) == ["Alfa", "beta", "Gamma"]
    assert found(None, sort=search.SORT_NEWEST) == ["Gamma", "Alfa", "beta"]
    # Relevance without a query falls back to newest.
    assert found(None, sort=search.SORT_RELEVANCE) == ["Gamma", "Alfa", "beta"]


def test_pagination(world, make):
    for i in range(7):
        make(f"Dataset Halaman {i:02d}")
    client = english_client()
    first = client.get("/dataset", {"urut": "nama", "per_page": 3}).content.decode()
    assert "Dataset Halaman 00" in first and "Dataset Halaman 03" not in first
    assert "Datasets found: 7" in first
    third = client.get("/dataset", {"urut": "nama", "per_page": 3, "halaman": 3}).content.decode()
    assert "Dataset Halaman 06" in third and "Dataset Halaman 05" not in third
    # Out-of-range and junk page numbers fall back to a real page.
    assert client.get("/dataset", {"halaman": "999"}).status_code == 200
    assert client.get("/dataset", {"halaman": "x"}).status_code == 200
    assert client.get("/dataset", {"per_page": "100000"}).status_code == 200


def _listing_queries(client, per_page: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dataset", {"per_page": per_page, "q": "statistik"})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["anonymous", "produsen_own"])
def test_query_count_does_not_grow_with_page_size(world, role, django_assert_max_num_queries):
    topic = world.topic
    for i in range(50):
        services.create_dataset(
            SYSTEM,
            organisation=world.owner if i % 2 else world.other,
            title=f"Statistik {i}",
            state="published",
            topic=topic,
            tags=[f"tag{i}", "umum"],
            regions=["51.05"],
            temporal_start=2020,
            temporal_end=2022,
        )
    client = english_client(None if role == "anonymous" else world.users[role])
    small = _listing_queries(client, 5)
    with django_assert_max_num_queries(small):
        response = client.get("/dataset", {"per_page": 50, "q": "statistik"})
    assert response.content.decode().count('class="ds-item"') == 50
    with django_assert_max_num_queries(small):
        client.get("/dataset", {"per_page": 5, "q": "statistik"})
    assert small <= 15


# --- the one-statement search agrees with the plain ORM queries ------------------------------


@pytest.mark.parametrize("role", ["anonymous", "produsen_other", "walidata"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "a"},
        {"sektor": "kat-kesehatan"},
        {"tahun": "2021", "urut": "nama"},
        {"wilayah": "51.05", "format": "xlsx"},
    ],
)
def test_run_search_matches_the_orm_results_and_facets(faceted, role, params):
    world = faceted[0]
    user = None if role == "anonymous" else world.users[role]
    query = search.parse_query(params)
    expected = [d.pk for d in search.search_datasets(user, query)]
    result = search.run_search(user, query, page_size=2)
    assert result.total == len(expected)
    assert [d.pk for d in result.page.object_list] == expected[:2]
    if len(expected) > 2:
        second = search.run_search(user, query, page=2, page_size=2)
        assert [d.pk for d in second.page.object_list] == expected[2:4]
    orm = search.facets(search.apply_filters(Dataset.objects.visible_to(user), query), query)
    for name, values in result.facets.items():
        got = {(v.value, v.count, v.selected) for v in values}
        assert got == {(v.value, v.count, v.selected) for v in orm[name]}, name


def test_run_search_out_of_range_page_shows_the_last_page(faceted):
    result = search.run_search(None, search.CatalogQuery(), page=99, page_size=2)
    assert result.page.number == 2
    assert len(result.page.object_list) == 1
    assert result.facets["sektor"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite only")
def test_fts_index_follows_every_write_and_is_rebuilt_when_triggers_vanish(world, make):
    from satudata.catalog import fts

    dataset = make("Kapal Nelayan")
    fts.forget()
    assert fts.is_available()
    assert found(None, "kapal") == ["Kapal Nelayan"]
    # A bulk update() bypasses the model but not the triggers.
    Dataset.objects.filter(pk=dataset.pk).update(
        search_title=search.index_text(["Perahu"]), search_text=search.index_text(["Perahu"])
    )
    assert found(None, "kapal") == []
    assert found(None, "perahu") == ["Kapal Nelayan"]
    # Django rebuilds a SQLite table to alter it, which drops its triggers: the search notices
    # and falls back to LIKE, and ensure_index() (run after every migrate) repairs the index.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER catalog_dataset_fts_au")
    fts.forget()
    assert not fts.is_available()
    Dataset.objects.filter(pk=dataset.pk).update(search_text=search.index_text(["Sampan"]))
    assert found(None, "sampan") == ["Kapal Nelayan"]
    assert fts.ensure_index()
    assert fts.is_available()
    assert found(None, "sampan") == ["Kapal Nelayan"]
    assert found(None, "perahu") == ["Kapal Nelayan"]  # still in the title
    Dataset.objects.filter(pk=dataset.pk).delete()
    assert found(None, "sampan") == []


# --- the anonymous search cache -------------------------------------------------------------------


def _titles(response) -> list[str]:
    return [d.title for d in response.context["datasets"]]


def test_anonymous_answers_are_reused_until_something_is_audited(world, make, settings):
    settings.SATUDATA_CATALOG_CACHE_S = 300
    first = make("Cache Satu")
    client = english_client()
    assert _titles(client.get("/dataset")) == ["Cache Satu"]
    with CaptureQueriesContext(connection) as cold:
        client.get("/dataset", {"q": "cache"})
    with CaptureQueriesContext(connection) as warm:
        client.get("/dataset", {"q": "cache"})
    assert len(warm) < len(cold)  # the search statement was not run again
    # A change made through a service (audited) is visible at once.
    make("Cache Dua")
    assert sorted(_titles(client.get("/dataset", {"q": "cache"}))) == ["Cache Dua", "Cache Satu"]
    services.update_dataset(SYSTEM, first, classification="rahasia")
    assert _titles(client.get("/dataset", {"q": "cache"})) == ["Cache Dua"]
    assert client.get("/dataset", {"q": "cache"}).context["result_count"] == 1


def test_a_dataset_hidden_behind_the_cache_s_back_is_still_not_shown(world, make, settings):
    settings.SATUDATA_CATALOG_CACHE_S = 300
    dataset = make("Tersembunyi Nanti")
    client = english_client()
    assert _titles(client.get("/dataset")) == ["Tersembunyi Nanti"]
    # Not through a service: no audit event, so the cached answer is still used...
    Dataset.objects.filter(pk=dataset.pk).update(state="draft")
    response = client.get("/dataset")
    # ...but the rows themselves are read through the permission layer.
    assert _titles(response) == []
    assert "Tersembunyi Nanti" not in response.content.decode()


def test_logged_in_users_are_never_served_a_cached_answer(world, make, settings):
    settings.SATUDATA_CATALOG_CACHE_S = 300
    make("Draf Rahasia", state="draft")
    anonymous = english_client()
    assert _titles(anonymous.get("/dataset")) == []
    owner = english_client(world.users["produsen_own"])
    assert _titles(owner.get("/dataset")) == ["Draf Rahasia"]
    assert _titles(anonymous.get("/dataset")) == []
