"""The data view: per-column filters, sorting and paging (htmx partial and plain pages), region
names beside codes, column statistics, caching — and hostile or unknown parameters answered with
a clear 400, never a 500."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from satudata.catalog.services import create_dataset
from satudata.core.errors import ValidationFailed
from satudata.core.permissions import SYSTEM
from satudata.regions.models import Region
from satudata.warehouse import dataview
from satudata.warehouse.dataview import column_stats, data_page, parse_query
from satudata.warehouse.services import ingest_upload, publish_version
from tests.factories import COMPLETE_METADATA

KECAMATAN = [
    ("51.05.01", "Nusa Penida"),
    ("51.05.02", "Banjarangkan"),
    ("51.05.03", "Klungkung"),
    ("51.05.04", "Dawan"),
]
# 40 rows: 4 kecamatan x 10 years, with a text note, a date and a yes/no column.
ROWS = [
    (
        code,
        2015 + year,
        (i + 1) * 100 + year,
        f"Catatan {name}",
        f"2024-01-{year + 1:02d}",
        year % 2 == 0,
    )
    for i, (code, name) in enumerate(KECAMATAN)
    for year in range(10)
]
CSV = "kode_kecamatan,tahun,jumlah,catatan,tanggal,lengkap\n" + "".join(
    f"{code},{tahun},{jumlah},{note},{tanggal},{'true' if flag else 'false'}\n"
    for code, tahun, jumlah, note, tanggal, flag in ROWS
)


@pytest.fixture
def regions(world):
    for code, name in KECAMATAN[1:]:
        Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": "kecamatan", "depth": 3, "parent_id": "51.05"},
        )


@pytest.fixture
def dataset(world, regions):
    dataset = create_dataset(
        SYSTEM, organisation=world.owner, title="Data per kecamatan", **COMPLETE_METADATA
    )
    version = ingest_upload(SYSTEM, dataset, filename="kec.csv", data=CSV.encode()).version
    publish_version(SYSTEM, version, acknowledge_warnings=True)
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def version(dataset):
    return dataset.published_version


def query(version, **params):
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return parse_query(version, data)


def rows_of(page):
    return [tuple(row) for row in page.rows]


def view_url(dataset):
    return reverse("warehouse:preview", args=[dataset.slug])


# --- filters, sort, paging (query functions) ---------------------------------------------------


def test_text_contains_is_case_insensitive(version):
    page = data_page(version, query(version, **{"f.catatan": "DAWAN"}))
    assert page.total == 10 and {row[0] for row in page.rows} == {"51.05.04"}


def test_text_equals(version):
    page = data_page(
        version, query(version, **{"f.kode_kecamatan": "51.05.0", "op.kode_kecamatan": "eq"})
    )
    assert page.total == 0
    page = data_page(
        version, query(version, **{"f.kode_kecamatan": "51.05.02", "op.kode_kecamatan": "eq"})
    )
    assert page.total == 10


def test_number_and_year_ranges(version):
    page = data_page(
        version, query(version, **{"min.tahun": "2020", "max.tahun": "2021", "min.jumlah": "300"})
    )
    assert page.total == 4  # kecamatan 3 and 4, years 2020-2021
    assert sorted(row[2] for row in page.rows) == [305, 306, 405, 406]
    assert data_page(version, query(version, **{"f.jumlah": "105"})).total == 1
    # Indonesian decimal comma is understood.
    assert data_page(version, query(version, **{"min.jumlah": "409,5"})).total == 0


def test_date_and_boolean_filters(version):
    page = data_page(version, query(version, **{"min.tanggal": "2024-01-09", "f.lengkap": "false"}))
    assert page.total == 4 and {row[4].isoformat() for row in page.rows} == {"2024-01-10"}
    assert data_page(version, query(version, **{"f.lengkap": "ya"})).total == 20


def test_sort_with_filters_and_paging(version, settings):
    settings.SATUDATA_PREVIEW_PAGE_SIZE = 3
    q = query(version, **{"min.jumlah": "200", "sort": "jumlah", "desc": "1", "page": "2"})
    page = data_page(version, q)
    assert page.total == 30 and page.pages == 10 and page.page == 2
    assert [row[2] for row in page.rows] == [406, 405, 404]
    # Links keep the filters and the sort.
    assert "min.jumlah=200" in page.next_link and "sort=jumlah" in page.next_link
    assert "page=3" in page.next_link and "page=" not in page.link(page=1)
    # A page past the end shows the last page.
    assert data_page(version, query(version, **{"min.jumlah": "200", "page": "99"})).page == 10


def test_text_search_pages_agree_with_the_two_scan_path(version, settings, monkeypatch):
    """A substring search is counted and paged from one scan (dataview._positions_in_one_scan);
    it must give what counting and paging separately give, for every sort and page."""
    from django.core.cache import cache

    settings.SATUDATA_PREVIEW_PAGE_SIZE = 4
    cases = [
        {"f.catatan": "an", "sort": "jumlah", "desc": "1", "page": "3"},
        {"f.catatan": "an", "sort": "tanggal", "page": "2"},
        {"f.catatan": "penida", "page": "2"},
        {"f.catatan": "an", "min.tahun": "2020", "sort": "tahun", "page": "99"},
        {"f.catatan": "tidak ada"},
    ]
    found = []
    for one_scan in (True, False):
        monkeypatch.setattr(dataview.SelectBuilder, "has_text_search", one_scan, raising=False)
        original = dataview.SelectBuilder.where

        def where(self, item, original=original, one_scan=one_scan):
            original(self, item)
            self.has_text_search = one_scan and item.op == "contains"

        monkeypatch.setattr(dataview.SelectBuilder, "where", where)
        cache.clear()
        pages = [data_page(version, query(version, **params)) for params in cases]
        found.append([(p.total, p.page, rows_of(p)) for p in pages])
        monkeypatch.undo()
    assert found[0] == found[1]
    assert [total for total, _page, _rows in found[0]] == [40, 40, 10, 20, 0]
    assert found[0][3][1] == 5  # past the end: the last page


def test_sort_is_stable_and_nulls_last(world, regions):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Kosong", **COMPLETE_METADATA)
    data = "kode,nilai\nA,2\nB,\nC,1\nD,2\nE,\n"
    version = ingest_upload(SYSTEM, dataset, filename="k.csv", data=data.encode()).version
    ascending = data_page(version, query(version, sort="nilai"))
    assert [row[0] for row in ascending.rows] == ["C", "A", "D", "B", "E"]
    descending = data_page(version, query(version, sort="nilai", desc="1"))
    assert [row[0] for row in descending.rows] == ["A", "D", "C", "B", "E"]


def test_region_names_beside_codes_and_found_by_name(version):
    page = data_page(version, query(version))
    cells = page.table_rows
    assert cells[0][0]["value"] == "51.05.01" and cells[0][0]["region_name"] == "Nusa Penida"
    by_name = data_page(version, query(version, **{"f.kode_kecamatan": "banjar"}))
    assert by_name.total == 10 and {row[0] for row in by_name.rows} == {"51.05.02"}
    assert data_page(version, query(version, **{"f.kode_kecamatan": "51.05.03"})).total == 10


def test_columns_with_odd_names(world):
    dataset = create_dataset(
        SYSTEM, organisation=world.owner, title="Nama aneh", **COMPLETE_METADATA
    )
    data = 'kode,"nilai ""x""",a b,file_row_number\nA,1,p,9\nB,2,q,8\n'
    version = ingest_upload(SYSTEM, dataset, filename="n.csv", data=data.encode()).version
    page = data_page(
        version, query(version, **{'min.nilai "x"': "2", "f.a b": "q", "sort": "file_row_number"})
    )
    assert rows_of(page) == [("B", 2, "q", 8)]


# --- hostile and unknown input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"f.tidak_ada": "1"}, "There is no column “tidak_ada” in this version."),
        ({"f.": "1"}, "There is no column “” in this version."),
        ({'min.jumlah"; DROP TABLE x; --': "1"}, "There is no column"),
        ({"min.jumlah": "abc"}, "“abc” is not a number (column “jumlah”)."),
        ({"min.jumlah": "nan"}, "is not a number"),
        ({"max.jumlah": "1e999"}, "is not a number"),
        ({"min.catatan": "a"}, "is not a number or date column"),
        ({"min.tanggal": "31/01/2024"}, "is not a date like 2024-01-31"),
        ({"min.tanggal": "2024-02-31"}, "is not a date like 2024-01-31"),
        ({"f.lengkap": "mungkin"}, "holds yes/no values"),
        ({"op.catatan": "regex"}, "Unknown filter “regex”"),
        ({"f.catatan": "x" * 201}, "longer than 200 characters"),
    ],
)
def test_bad_filters_are_clear_errors(version, params, message):
    with pytest.raises(ValidationFailed) as caught:
        query(version, **params)
    assert message in caught.value.message


def test_hostile_values_are_only_values(version):
    for value in (
        "'; DROP TABLE t; --",
        '" OR 1=1 --',
        "%",
        "_",
        "\\",
        "\x00nul",
        "🙂",
        "read_parquet('/etc/passwd')",
    ):
        page = data_page(version, query(version, **{"f.catatan": value}))
        assert page.total == 0, value
    assert data_page(version, query(version, **{"f.catatan": "  catatan  "})).total == 40


def test_bad_filters_answer_400_not_500(client_for, dataset):
    client = client_for("anonymous")
    response = client.get(view_url(dataset), {"f.tidak_ada": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is no column “tidak_ada” in this version." in html
    assert "<html" in html and ">51.05.01" in html  # the unfiltered table under the message
    partial = client.get(view_url(dataset), {"min.jumlah": "satu"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 400 and "<html" not in partial.content.decode()
    for params in (
        {"sort": "'; DROP TABLE x; --", "page": "-5", "size": "1000000"},
        {"page": "9" * 50, "desc": "maybe"},
        {"v": "1", "unrelated": "x"},
    ):
        assert client.get(view_url(dataset), params).status_code == 200
    assert client.get(view_url(dataset), {"v": "x"}).status_code == 404
    assert client.get(view_url(dataset), {"v": "9" * 30}).status_code == 404


def test_dataset_page_shows_filter_errors_inside_the_panel(client_for, dataset):
    page_url = reverse("catalog:dataset_detail", args=[dataset.slug])
    response = client_for("anonymous").get(page_url, {"f.tidak_ada": "x"})
    assert response.status_code == 200
    assert "There is no column “tidak_ada” in this version." in response.content.decode()


# --- pages ---------------------------------------------------------------------------------


def test_filter_form_and_htmx_partial(client_for, dataset):
    client = client_for("anonymous")
    page = client.get(view_url(dataset), {"f.catatan": "dawan", "sort": "jumlah", "desc": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html  # works without JavaScript
    assert "Rows 1\u201310 of 10 matching rows (40 in version 1)" in html
    assert 'name="f.catatan" value="dawan"' in html
    assert html.index(">409<") < html.index(">400<")
    assert "catatan contains “dawan”" in html
    partial = client.get(
        view_url(dataset), {"f.kode_kecamatan": "nusa"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial and 'id="data-preview"' in partial
    assert "Nusa Penida</span>" in partial and "A code or a region name." in partial
    # Sort links and page links keep the filter.
    assert "f.kode_kecamatan=nusa&amp;sort=jumlah" in partial
    empty = client.get(view_url(dataset), {"f.catatan": "tidak ada"}).content.decode()
    assert "No rows match the filters." in empty


def test_hidden_versions_are_404(client_for, world, dataset, regions):
    draft = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    ingest_upload(SYSTEM, draft, filename="k.csv", data=CSV.encode())
    stats_url = reverse("warehouse:data_stats", args=[draft.slug])
    for client in (client_for("anonymous"), client_for("produsen_other")):
        assert client.get(view_url(draft), {"f.catatan": "x"}).status_code == 404
        assert client.get(stats_url).status_code == 404
    assert client_for("produsen_own").get(stats_url).status_code == 200
    ingest_upload(SYSTEM, dataset, filename="b.csv", data=b"kode_kecamatan\n51.05.01\n")
    assert client_for("anonymous").get(view_url(dataset), {"v": "2"}).status_code == 404
    stats = reverse("warehouse:data_stats", args=[dataset.slug])
    assert client_for("anonymous").get(stats, {"v": "2"}).status_code == 404


# --- statistics ------------------------------------------------------------------------------


def test_column_statistics(version):
    stats = {s.name: s for s in column_stats(version)}
    jumlah = stats["jumlah"]
    assert (jumlah.count, jumlah.nulls, jumlah.distinct) == (40, 0, 40)
    assert (jumlah.minimum, jumlah.maximum) == (100, 409)
    assert jumlah.mean == pytest.approx(sum(r[2] for r in ROWS) / 40)
    assert len(jumlah.histogram) == 12 and sum(b["count"] for b in jumlah.histogram) == 40
    assert len(jumlah.bars) == 12 and all(0 <= bar["height"] <= 32 for bar in jumlah.bars)
    kode = stats["kode_kecamatan"]
    assert kode.distinct == 4 and kode.minimum is None and kode.top[0][1] == 10
    assert stats["tanggal"].minimum.isoformat() == "2024-01-01"
    assert stats["lengkap"].top == [(False, 20), (True, 20)]


def test_statistics_count_empty_cells(world):
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Kosong", **COMPLETE_METADATA)
    version = ingest_upload(
        SYSTEM, dataset, filename="k.csv", data=b"kode,nilai\nA,1\nB,\nC,3\n"
    ).version
    nilai = {s.name: s for s in column_stats(version)}["nilai"]
    assert (nilai.count, nilai.nulls, nilai.mean) == (2, 1, 2.0)


def test_statistics_pages(client_for, dataset):
    url = reverse("warehouse:data_stats", args=[dataset.slug])
    partial = client_for("anonymous").get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "<svg" in partial and "Histogram of jumlah" in partial
    assert "<rect" in partial and 'x="' in partial
    page = client_for("anonymous").get(url).content.decode()
    assert "<html" in page and "Column statistics of version 1 (40 rows)" in page
    # Indonesian pages keep SVG coordinates with a decimal point.
    from django.test import Client

    indonesian = Client().get(url).content.decode()
    assert 'lang="id"' in indonesian
    import re

    assert not re.search(r'<rect [^>]*="\d+,\d', indonesian)


# --- caching -------------------------------------------------------------------------------


def test_results_are_cached_by_version_and_query(version, monkeypatch):
    q = query(version, **{"f.catatan": "dawan", "sort": "jumlah"})
    first = data_page(version, q)
    column_stats(version)

    def no_engine(*args, **kwargs):
        raise AssertionError("DuckDB should not be asked again")

    monkeypatch.setattr(dataview, "_run", no_engine)
    monkeypatch.setattr(dataview.engine, "connect", no_engine)
    again = data_page(version, q)
    assert rows_of(again) == rows_of(first) and again.total == first.total
    column_stats(version)
    with pytest.raises(AssertionError):
        data_page(version, query(version, **{"f.catatan": "klungkung"}))


def test_first_look_and_later_pages_agree(world, settings):
    """Pages computed with nothing cached and pages computed with the count already known give
    the same order: value, empty cells last, ties in file order."""
    from django.core.cache import cache

    settings.SATUDATA_PREVIEW_PAGE_SIZE = 4
    dataset = create_dataset(SYSTEM, organisation=world.owner, title="Urutan", **COMPLETE_METADATA)
    values = [3, None, 1, 3, None, 2, 3, 1, None, 5, 2, 3]
    data = "kode,grup,nilai\n" + "".join(
        f"K{i:02d},{'a' if i % 3 else 'b'},{'' if v is None else v}\n" for i, v in enumerate(values)
    )
    version = ingest_upload(SYSTEM, dataset, filename="u.csv", data=data.encode()).version
    for params in (
        {"f.kode": "K", "sort": "nilai"},
        {"f.kode": "K", "sort": "nilai", "desc": "1"},
        {"f.grup": "a", "sort": "nilai", "desc": "1"},
        {"f.grup": "a"},
        {"min.nilai": "2", "sort": "kode", "desc": "1"},
    ):
        pages_first, pages_later = [], []
        for page in (1, 2, 3, 4):
            cache.clear()  # nothing known yet
            pages_first.append(
                rows_of(data_page(version, query(version, **params, page=str(page))))
            )
        data_page(version, query(version, **params))  # the count is known from now on
        for page in (1, 2, 3, 4):
            later = data_page(version, query(version, **params, page=str(page)))
            pages_later.append(rows_of(later))
        assert pages_first == pages_later, params
    cache.clear()
    everything = [
        r[0]
        for p in (1, 2, 3)
        for r in data_page(
            version, query(version, **{"f.kode": "K", "sort": "nilai", "desc": "1", "page": str(p)})
        ).rows
    ]
    assert everything == [
        "K09",
        "K00",
        "K03",
        "K06",
        "K11",
        "K05",
        "K10",
        "K02",
        "K07",
        "K01",
        "K04",
        "K08",
    ]
