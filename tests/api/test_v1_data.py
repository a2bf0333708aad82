"""API v1 data endpoints (issue 6 points 1 and 7): versions, schemas, reports and the rows of a
version with filters, region codes, sort, fields, keyset paging and aggregation, in JSON, CSV and
XML; strong ETags and 304; and bad input (unknown columns and operators, SQL-looking strings in
every parameter, huge limits) answered with a clear 4xx JSON error, never a 500."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tests.factories import make_dataset, make_world, upload_csv

ROWS = [
    ("51.05.01.2001", "Sakti", 2022, 120),
    ("51.05.01.2002", "Batumadeg", 2022, 80),
    ("51.05.02.2001", "Negari", 2022, 95),
    ("51.05.01.2001", "Sakti", 2023, 130),
    ("51.05.01.2002", "Batumadeg", 2023, 85),
    ("51.05.02.2001", "Negari", 2023, 90),
]
FORMULA = "=SUM(A1:A9)"
CSV = "kode_desa,nama_desa,tahun,jumlah,catatan\n" + "".join(
    f"{code},{name},{tahun},{jumlah},{FORMULA if i == 0 else 'baik'}\n"
    for i, (code, name, tahun, jumlah) in enumerate(ROWS)
)
HOSTILE = [
    "' OR 1=1 --",
    '"; DROP TABLE catalog_dataset; --',
    "1 UNION SELECT * FROM x",
    "%",
    "\x00",
]


@pytest.fixture
def world(db):
    return make_world("apiv1")


@pytest.fixture
def dataset(world):
    dataset = make_dataset(
        world.owner,
        title="Jumlah balita gizi buruk",
        slug="jumlah-balita-gizi-buruk",
        state="published",
        topic=world.topic,
        csv=CSV,
    )
    # A newer draft version that the public must not see.
    upload_csv(dataset, CSV + "51.05.03.2001,Rahasia Draf,2024,1,baik\n")
    return dataset


def rows_url(dataset, query: str = "", number: int | None = None) -> str:
    base = f"/api/v1/datasets/{dataset.slug}"
    base += f"/versions/{number}/rows" if number else "/rows"
    return base + (f"?{query}" if query else "")


def test_rows_of_the_current_public_version(client, dataset):
    response = client.get(rows_url(dataset))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["version"] == 1
    assert body["total"] == 6
    assert [c["name"] for c in body["columns"]] == [
        "kode_desa",
        "nama_desa",
        "tahun",
        "jumlah",
        "catatan",
    ]
    assert body["data"][0] == {
        "kode_desa": "51.05.01.2001",
        "nama_desa": "Sakti",
        "tahun": 2022,
        "jumlah": 120,
        "catatan": FORMULA,  # JSON is for programs: not escaped
    }
    assert "Rahasia Draf" not in response.content.decode()
    assert response["X-Total-Count"] == "6"


def test_filters_sort_fields_and_region(client, dataset):
    body = client.get(
        rows_url(
            dataset, "kode_desa__region=51.05.01&tahun=2023&fields=nama_desa,jumlah&sort=-jumlah"
        )
    ).json()
    assert body["data"] == [
        {"nama_desa": "Sakti", "jumlah": 130},
        {"nama_desa": "Batumadeg", "jumlah": 85},
    ]
    assert body["total"] == 2
    ops = {
        "jumlah__gt=95": 2,
        "jumlah__gte=95": 3,
        "jumlah__lt=90": 2,
        "jumlah__lte=90": 3,
        "jumlah__ne=90": 5,
        "nama_desa__in=Sakti,Negari": 4,
        "nama_desa__contains=tuma": 2,
        "kode_desa__region=51.05": 6,
        "kode_desa__region=51.05.02.2001": 2,
    }
    for query, expected in ops.items():
        assert client.get(rows_url(dataset, query)).json()["total"] == expected, query


def test_aggregation(client, dataset):
    body = client.get(
        rows_url(
            dataset, "group_by=tahun&aggregate=sum:jumlah,count,mean:jumlah,min:jumlah,max:jumlah"
        )
    ).json()
    assert [c["name"] for c in body["columns"]] == [
        "tahun",
        "sum_jumlah",
        "count",
        "mean_jumlah",
        "min_jumlah",
        "max_jumlah",
    ]
    assert body["data"] == [
        {
            "tahun": 2022,
            "sum_jumlah": 295,
            "count": 3,
            "mean_jumlah": pytest.approx(98.333, 0.001),
            "min_jumlah": 80,
            "max_jumlah": 120,
        },
        {
            "tahun": 2023,
            "sum_jumlah": 305,
            "count": 3,
            "mean_jumlah": pytest.approx(101.667, 0.001),
            "min_jumlah": 85,
            "max_jumlah": 130,
        },
    ]
    assert body["total"] == 2


def test_keyset_paging_through_next_links(client, dataset):
    seen, url = [], rows_url(dataset, "limit=4&sort=jumlah&fields=nama_desa,tahun")
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [(r["nama_desa"], r["tahun"]) for r in body["data"]]
        url = body["next"]
        if url:
            assert response["Link"] == f'<{url}>; rel="next"'
    assert len(seen) == 6 and len(set(seen)) == 6
    assert seen[0] == ("Batumadeg", 2022)


def test_csv_is_formula_escaped_and_xml_parses(client, dataset):
    response = client.get(rows_url(dataset, "format=csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["kode_desa", "nama_desa", "tahun", "jumlah", "catatan"]
    assert rows[1] == ["51.05.01.2001", "Sakti", "2022", "120", "'" + FORMULA]
    assert len(rows) == 7

    by_accept = client.get(rows_url(dataset), HTTP_ACCEPT="application/xml")
    assert by_accept["Content-Type"].startswith("application/xml")
    root = ET.fromstring(by_accept.content)
    assert root.get("total") == "6"
    records = root.find("records")
    assert [r.findtext("nama_desa") for r in records][:2] == ["Sakti", "Batumadeg"]
    assert client.get(rows_url(dataset), HTTP_ACCEPT="text/csv")["Content-Type"].startswith(
        "text/csv"
    )


def test_strong_etag_and_not_modified(client, dataset):
    first = client.get(rows_url(dataset, "tahun=2022", number=1))
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first["Cache-Control"] == "public, no-cache"
    again = client.get(rows_url(dataset, "tahun=2022", number=1), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(rows_url(dataset, "tahun=2023", number=1), HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200
    as_csv = client.get(rows_url(dataset, "tahun=2022&format=csv", number=1))
    assert as_csv["ETag"] != etag
    schema = client.get(f"/api/v1/datasets/{dataset.slug}/versions/1/schema")
    assert schema.json()["fields"][0]["name"] == "kode_desa"
    assert (
        client.get(
            f"/api/v1/datasets/{dataset.slug}/versions/1/schema",
            HTTP_IF_NONE_MATCH=schema["ETag"],
        ).status_code
        == 304
    )


def test_versions_report_and_drafts(client, dataset, world):
    versions = client.get(f"/api/v1/datasets/{dataset.slug}/versions").json()
    assert [v["number"] for v in versions] == [1]
    assert versions[0]["is_current"] is True
    assert client.get(rows_url(dataset, number=2)).status_code == 404
    report = client.get(f"/api/v1/datasets/{dataset.slug}/versions/1/report").json()
    assert report["version"] == 1 and "errors" in report
    detail = client.get(f"/api/v1/datasets/{dataset.slug}/versions/1").json()
    assert detail["table_schema"]["fields"][3]["type"] == "integer"

    owner = Client()
    owner.force_login(world.users["produsen_own"])
    numbers = [v["number"] for v in owner.get(f"/api/v1/datasets/{dataset.slug}/versions").json()]
    assert numbers == [2, 1]
    draft = owner.get(rows_url(dataset, number=2)).json()
    assert draft["total"] == 7
    private = owner.get(rows_url(dataset, number=2))
    assert private["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("tidak_ada=1", 400, "unknown-column"),
        ("jumlah__like=1", 400, "bad-filter"),
        ("jumlah__gt=banyak", 400, "bad-filter"),
        ("limit=10001", 422, "invalid-request"),
        ("limit=99999999999999999999999", 422, "invalid-request"),
        ("offset=-1", 422, "invalid-request"),
        ("sort=tidak_ada", 400, "bad-sort"),
        ("aggregate=sum:nama_desa", 400, "bad-aggregate"),
        ("aggregate=drop:jumlah", 400, "bad-aggregate"),
        ("after=xyz", 400, "bad-cursor"),
        ("format=pdf", 422, "invalid-request"),
        ("group_by=nama_desa&fields=jumlah", 400, "bad-fields"),
    ],
)
def test_bad_input_is_a_clear_json_error(client, dataset, query, status, code):
    response = client.get(rows_url(dataset, query))
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert set(body) == {"code", "message", "details"}


def test_sql_looking_strings_in_every_parameter(client, dataset):
    from urllib.parse import quote

    params = [
        "nama_desa",
        "nama_desa__contains",
        "nama_desa__in",
        "kode_desa__region",
        "jumlah",
        "fields",
        "sort",
        "group_by",
        "aggregate",
        "after",
        "limit",
        "offset",
        "format",
        "nama_desa__ne",
    ]
    for value in HOSTILE:
        for param in params:
            url = rows_url(dataset, f"{param}={quote(value)}")
            response = client.get(url)
            assert response.status_code in (200, 400, 422), (param, value, response.status_code)
            body = response.json()
            if response.status_code == 200:
                # A hostile value is only ever a value: it matches nothing (or everything for ne).
                assert body["total"] in (0, 6), (param, value)
            else:
                assert body["code"] and body["message"]
        # As a column name too.
        response = client.get(rows_url(dataset, f"{quote(value)}=1"))
        assert response.status_code == 400
    # Hostile path parts are 404s.
    assert client.get("/api/v1/datasets/%27%20OR%201%3D1/rows").status_code == 404
    assert client.get(f"/api/v1/datasets/{dataset.slug}/versions/1%20OR%201/rows").status_code in (
        404,
        422,
    )
    # Nothing was changed by any of it.
    assert client.get(rows_url(dataset)).json()["total"] == 6
