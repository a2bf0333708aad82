"""The shared query layer (warehouse/query.py) on real Parquet versions made through the ingest
service: every filter operator, region codes with their descendants, sort, fields, keyset
paging, aggregation, the API's query-string grammar, and bad input answered with a clear error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from satudata.core.errors import ValidationFailed
from satudata.warehouse.query import (
    OFFSET_MAX,
    ROWS_LIMIT_MAX,
    Aggregate,
    Condition,
    TableQuery,
    parse_api_params,
    run_query,
)
from tests.factories import make_dataset, make_organisation

# 12 rows: 3 desa in two kecamatan of Klungkung and one of another regency, 4 years each.
DESA = [
    ("51.05.01.2001", "Sakti"),
    ("51.05.01.2002", "Batumadeg"),
    ("51.05.02.2001", "Negari"),
    ("51.01.01.2001", "Pekutatan"),
]
ROWS = [
    (code, name, 2020 + year, (i + 1) * 10 + year, f"2024-0{year + 1}-15", year % 2 == 0)
    for i, (code, name) in enumerate(DESA)
    for year in range(3)
]
CSV = "kode_desa,nama_desa,tahun,jumlah,tanggal,lengkap\n" + "".join(
    f"{code},{name},{tahun},{jumlah},{tanggal},{'true' if flag else 'false'}\n"
    for code, name, tahun, jumlah, tanggal, flag in ROWS
)


@pytest.fixture
def version(db):
    organisation = make_organisation("kueri-dinas")
    dataset = make_dataset(organisation, title="Penduduk per desa", state="published", csv=CSV)
    return dataset.published_version


def names_of(result) -> list[str]:
    index = [c["name"] for c in result.columns].index("nama_desa")
    return [row[index] for row in result.rows]


def query(version, *conditions, **options):
    return run_query(version, TableQuery(conditions=tuple(conditions), **options))


def test_all_rows_with_typed_columns(version):
    result = query(version)
    assert result.total == 12
    assert [c["name"] for c in result.columns] == [
        "kode_desa",
        "nama_desa",
        "tahun",
        "jumlah",
        "tanggal",
        "lengkap",
    ]
    types = {c["name"]: c["type"] for c in result.columns}
    assert types["jumlah"] == "integer" and types["kode_desa"] == "string"
    first = result.rows[0]
    assert first[0] == "51.05.01.2001"  # a code stays text
    assert first[4] == dt.date(2024, 1, 15)
    assert result.next_after is None


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Condition("jumlah", "eq", 21), [("Batumadeg", 21)]),
        (Condition("jumlah", "gt", 40), [("Pekutatan", 41), ("Pekutatan", 42)]),
        (Condition("jumlah", "gte", 41), [("Pekutatan", 41), ("Pekutatan", 42)]),
        (Condition("jumlah", "lt", 11), [("Sakti", 10)]),
        (Condition("jumlah", "lte", 11), [("Sakti", 10), ("Sakti", 11)]),
        (Condition("jumlah", "in", ("10", "30")), [("Sakti", 10), ("Negari", 30)]),
        (Condition("nama_desa", "contains", "KUTAT"), [("Pekutatan", n) for n in (40, 41, 42)]),
    ],
)
def test_operators(version, condition, expected):
    result = query(version, condition, fields=("nama_desa", "jumlah"))
    assert result.rows == expected
    assert result.total == len(expected)


def test_ne_and_boolean_and_date(version):
    assert query(version, Condition("nama_desa", "ne", "Sakti")).total == 9
    assert query(version, Condition("lengkap", "eq", "ya")).total == 8
    assert query(version, Condition("tanggal", "gte", "2024-03-01")).total == 4
    assert query(version, Condition("tanggal", "eq", dt.date(2024, 2, 15))).total == 4


def test_region_matches_the_region_and_everything_inside(version):
    kecamatan = query(version, Condition("kode_desa", "region", "51.05.01"))
    assert sorted(set(names_of(kecamatan))) == ["Batumadeg", "Sakti"]
    kabupaten = query(version, Condition("kode_desa", "region", "51.05"))
    assert kabupaten.total == 9
    desa = query(version, Condition("kode_desa", "region", "51.05.01.2001"))
    assert set(names_of(desa)) == {"Sakti"}
    # 51.0 is not a prefix of 51.05: codes match only at their dots.
    with pytest.raises(ValidationFailed):
        query(version, Condition("kode_desa", "region", "51.0"))


def test_sort_and_fields(version):
    result = query(version, fields=("nama_desa", "jumlah"), sort=(("jumlah", True),), limit=3)
    assert result.rows == [("Pekutatan", 42), ("Pekutatan", 41), ("Pekutatan", 40)]
    assert [c["name"] for c in result.columns] == ["nama_desa", "jumlah"]
    # Ties keep file order after the sort key.
    by_year = query(version, fields=("nama_desa",), sort=(("tahun", False),), limit=4)
    assert names_of(by_year) == ["Sakti", "Batumadeg", "Negari", "Pekutatan"]


@pytest.mark.parametrize("sort", [(), (("jumlah", True),), (("tahun", False), ("nama_desa", True))])
def test_keyset_paging_reaches_every_row_once(version, sort):
    seen, after = [], None
    for _page in range(20):
        result = query(version, fields=("kode_desa", "tahun"), sort=sort, limit=5, after=after)
        seen += result.rows
        after = result.next_after
        if after is None:
            break
    assert len(seen) == 12
    assert len(set(seen)) == 12
    expected = query(version, fields=("kode_desa", "tahun"), sort=sort, limit=100).rows
    assert seen == expected


def test_keyset_with_filters_and_offset_agree(version):
    condition = Condition("kode_desa", "region", "51.05")
    first = query(version, condition, fields=("jumlah",), limit=4)
    second = query(version, condition, fields=("jumlah",), limit=4, after=first.next_after)
    by_offset = query(version, condition, fields=("jumlah",), limit=4, offset=4)
    assert second.rows == by_offset.rows


def test_group_by_with_every_aggregate(version):
    result = query(
        version,
        Condition("kode_desa", "region", "51.05"),
        group_by=("tahun",),
        aggregates=(
            Aggregate("sum", "jumlah"),
            Aggregate("count"),
            Aggregate("mean", "jumlah"),
            Aggregate("min", "jumlah"),
            Aggregate("max", "jumlah"),
        ),
    )
    assert [c["name"] for c in result.columns] == [
        "tahun",
        "sum_jumlah",
        "count",
        "mean_jumlah",
        "min_jumlah",
        "max_jumlah",
    ]
    types = {c["name"]: c["type"] for c in result.columns}
    assert types["sum_jumlah"] == "integer" and types["mean_jumlah"] == "number"
    assert result.rows == [
        (2020, 60, 3, 20.0, 10, 30),
        (2021, 63, 3, 21.0, 11, 31),
        (2022, 66, 3, 22.0, 12, 32),
    ]
    assert result.total == 3


def test_aggregate_sorted_by_aggregate_and_paged(version):
    result = query(
        version,
        group_by=("nama_desa",),
        aggregates=(Aggregate("sum", "jumlah"),),
        sort=(("sum_jumlah", True),),
        limit=2,
        offset=1,
    )
    assert result.rows == [("Negari", 93), ("Batumadeg", 63)]
    assert result.total == 4
    whole = query(version, aggregates=(Aggregate("count"), Aggregate("max", "tanggal")))
    assert whole.rows == [(12, dt.date(2024, 3, 15))]


def test_api_grammar(version):
    params = QueryDict(
        "kode_desa__region=51.05&tahun__gte=2021&nama_desa__in=Sakti,Negari"
        "&fields=nama_desa,jumlah&sort=-jumlah&limit=2&_=123"
    )
    parsed = parse_api_params(version, params)
    assert parsed.conditions == (
        Condition("kode_desa", "region", "51.05"),
        Condition("tahun", "gte", "2021"),
        Condition("nama_desa", "in", ("Sakti", "Negari")),
    )
    assert parsed.sort == (("jumlah", True),)
    assert parsed.limit == 2
    result = run_query(version, parsed)
    assert result.rows == [("Negari", 32), ("Negari", 31)]
    assert result.total == 4

    grouped = parse_api_params(
        version, QueryDict("group_by=nama_desa&aggregate=sum:jumlah,count&nama_desa=Sakti")
    )
    assert grouped.aggregates == (Aggregate("sum", "jumlah"), Aggregate("count"))
    assert run_query(version, grouped).rows == [("Sakti", 33, 3)]
    json_in = parse_api_params(version, {"jumlah__in": "[10, 42]"})
    assert run_query(version, json_in).total == 2


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"kolom_tidak_ada": "1"}, "unknown-column", "There is no column"),
        ({"jumlah__like": "1"}, "bad-filter", "Unknown filter operator"),
        ({"jumlah__gt": "banyak"}, "bad-filter", "is not a number"),
        ({"tanggal": "kemarin"}, "bad-filter", "is not a date"),
        ({"limit": str(ROWS_LIMIT_MAX + 1)}, "bad-limit", "limit must be"),
        ({"limit": "-1"}, "bad-limit", "whole number"),
        ({"offset": str(OFFSET_MAX + 1)}, "bad-offset", "after="),
        ({"sort": "tidak_ada"}, "bad-sort", "Cannot sort"),
        ({"fields": "jumlah,'; DROP TABLE x; --"}, "unknown-column", "There is no column"),
        ({"aggregate": "sum:nama_desa"}, "bad-aggregate", "not a number column"),
        ({"aggregate": "median:jumlah"}, "bad-aggregate", "Unknown aggregate"),
        ({"aggregate": "sum"}, "bad-aggregate", "needs a column"),
        ({"group_by": "nama_desa", "fields": "jumlah"}, "bad-fields", "cannot be combined"),
        ({"after": "bm90IGEgY3Vyc29y"}, "bad-cursor", "cursor"),
        ({"kode_desa__region": "51.05' OR 1=1 --"}, "bad-filter", "region"),
        ({"lengkap__gt": "true"}, "bad-filter", "yes/no"),
        ({"jumlah__in": '[1, {"a": 2}]'}, "bad-filter", "JSON list"),
    ],
)
def test_bad_input_is_a_clear_error(version, params, code, words):
    with pytest.raises(ValidationFailed) as caught:
        run_query(version, parse_api_params(version, QueryDict(mutable=True) | params))
    assert caught.value.code == code
    assert words in caught.value.message


def test_sql_looking_values_are_plain_values(version):
    hostile = "x' OR '1'='1'; DROP TABLE users; --"
    for op in ("eq", "ne", "contains", "in"):
        value = (hostile,) if op == "in" else hostile
        result = query(version, Condition("nama_desa", op, value))
        assert result.total == (12 if op == "ne" else 0)
    # A column name that is SQL is just an unknown column.
    with pytest.raises(ValidationFailed):
        query(version, Condition('jumlah" OR 1=1 --', "eq", "1"))
    like = query(version, Condition("nama_desa", "contains", "%"))
    assert like.total == 0  # wildcards are literal characters


def test_keyset_cursor_belongs_to_its_sort(version):
    first = query(version, sort=(("jumlah", True),), limit=2)
    with pytest.raises(ValidationFailed) as caught:
        query(version, sort=(("tahun", True),), limit=2, after=first.next_after)
    assert caught.value.code == "bad-cursor"


def test_answers_are_cached_per_version_and_query(version, django_assert_num_queries):
    first = query(version, Condition("jumlah", "gt", 20), limit=3)
    # A second identical query is answered from the cache: same rows, no database query at all.
    with django_assert_num_queries(0):
        again = query(version, Condition("jumlah", "gt", 20), limit=3)
    assert again == first


def test_frequently_queried_version_is_answered_from_memory_with_the_same_results(
    version, settings
):
    from django.core.cache import cache

    from satudata.warehouse import query as query_module

    query_module.forget_memory_copies()
    cases = [
        TableQuery(
            conditions=(Condition("kode_desa", "region", "51.05"),), sort=(("jumlah", True),)
        ),
        TableQuery(
            group_by=("tahun",), aggregates=(Aggregate("sum", "jumlah"), Aggregate("count"))
        ),
        TableQuery(fields=("nama_desa",), limit=5, offset=3),
        TableQuery(conditions=(Condition("nama_desa", "contains", "a"),), limit=4),
    ]
    settings.SATUDATA_QUERY_MEMORY_CELLS = 0  # never copied: answers from the Parquet file
    first = run_query(version, TableQuery(sort=(("tahun", True),), limit=5))
    cases.append(TableQuery(sort=(("tahun", True),), limit=5, after=first.next_after))
    from_file = [run_query(version, case) for case in cases]
    assert from_file[-1].rows and from_file[-1].next_after
    assert not query_module.in_memory(version)
    settings.SATUDATA_QUERY_MEMORY_CELLS = 1_000
    cache.clear()
    run_query(version, cases[0])
    assert not query_module.in_memory(version)  # one query is not enough
    cache.clear()
    run_query(version, cases[0])
    query_module.wait_for_memory_copies()
    assert query_module.in_memory(version)  # copied after its second uncached query
    cache.clear()
    assert [run_query(version, case) for case in cases] == from_file
    query_module.forget_memory_copies()


def test_memory_budget_is_respected(version, settings):
    from satudata.warehouse import query as query_module

    query_module.forget_memory_copies()
    settings.SATUDATA_QUERY_MEMORY_CELLS = 10  # smaller than this version (12 rows x 6 columns)
    for limit in range(1, 5):
        run_query(version, TableQuery(limit=limit))
    query_module.wait_for_memory_copies()
    assert not query_module.in_memory(version)


def test_version_with_a_column_named_like_the_row_position(db):
    organisation = make_organisation("kueri-posisi")
    csv_text = "file_row_number,nilai\n" + "".join(f"{i * 10},{i}\n" for i in range(5))
    dataset = make_dataset(organisation, title="Kolom posisi", state="published", csv=csv_text)
    version = dataset.published_version
    result = run_query(version, TableQuery(sort=(("nilai", True),), limit=2, offset=1))
    assert result.rows == [(30, 3), (20, 2)]
    with pytest.raises(ValidationFailed):
        run_query(version, TableQuery(limit=2, after="eyJzIjoiIiwiayI6W10sInAiOjB9"))


@pytest.mark.parametrize("descending", [False, True])
def test_keyset_paging_over_empty_cells(db, descending):
    organisation = make_organisation("kueri-kosong")
    values = ["5", "", "3", "5", "", "1", "3", "", "9", "5"]
    csv_text = "nama,nilai\n" + "".join(f"baris {i},{v}\n" for i, v in enumerate(values))
    dataset = make_dataset(organisation, title="Nilai kosong", state="published", csv=csv_text)
    version = dataset.published_version
    sort = (("nilai", descending),)
    seen, after = [], None
    for _page in range(10):
        result = run_query(version, TableQuery(sort=sort, limit=3, after=after))
        seen += result.rows
        after = result.next_after
        if after is None:
            break
    whole = run_query(version, TableQuery(sort=sort, limit=100)).rows
    assert seen == whole
    assert len({row[0] for row in seen}) == 10
    assert [row[1] for row in whole][-3:] == [None, None, None]  # empty cells last


def test_unreadable_data_is_a_clear_error_without_server_paths(version, settings):
    from satudata.warehouse.queries import parquet_path

    settings.SATUDATA_QUERY_MEMORY_CELLS = 0  # read the file, not an in-memory copy
    path = parquet_path(version)
    good = path.read_bytes()  # content-addressed: other tests read the same file, put it back
    path.chmod(0o644)
    path.write_bytes(b"not parquet at all")
    try:
        with pytest.raises(ValidationFailed) as caught:
            query(version, Condition("jumlah", "eq", 987654))  # a query nothing else caches
    finally:
        path.write_bytes(good)
    assert caught.value.code == "query-failed"
    assert "/" not in caught.value.message and "parquet" not in caught.value.message.lower()
