"""Sector gateway paths `/api/v1/<sektor>/<dataset-slug>` (issue 6 point 2, GET): the current
public version's rows with the same options as the rows endpoint; wrong sector, hidden or
unpublished datasets are 404; named API resources are never shadowed by the catch-all path."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_dataset, make_topic, make_world, upload_csv

CSV = "kode_kecamatan,tahun,jumlah\n51.05.01,2023,12\n51.05.02,2023,7\n51.05.01,2024,9\n"


@pytest.fixture
def sector(db):
    world = make_world("gw")
    topic = make_topic("kesehatan", "Kesehatan", "Health")
    dataset = make_dataset(
        world.owner,
        title="Jumlah balita gizi buruk",
        slug="jumlah-balita-gizi-buruk",
        state="published",
        topic=topic,
        csv=CSV,
    )
    upload_csv(dataset, CSV + "51.05.03,2024,99\n")  # a newer draft, not public
    hidden = make_dataset(
        world.owner,
        title="Gizi terbatas",
        slug="gizi-terbatas",
        state="published",
        classification="terbatas",
        topic=topic,
        csv=CSV,
    )
    unpublished = make_dataset(world.owner, title="Belum terbit", slug="belum-terbit", topic=topic)
    return {"world": world, "dataset": dataset, "hidden": hidden, "unpublished": unpublished}


def test_sector_path_serves_the_current_public_version(client, sector):
    response = client.get("/api/v1/kesehatan/jumlah-balita-gizi-buruk")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1 and body["total"] == 3
    same = client.get("/api/v1/datasets/jumlah-balita-gizi-buruk/rows").json()
    assert same["data"] == body["data"]


def test_sector_path_takes_the_same_options(client, sector):
    url = "/api/v1/kesehatan/jumlah-balita-gizi-buruk"
    filtered = client.get(f"{url}?kode_kecamatan__region=51.05.01&sort=-tahun&fields=tahun").json()
    assert filtered["data"] == [{"tahun": 2024}, {"tahun": 2023}]
    grouped = client.get(f"{url}?group_by=kode_kecamatan&aggregate=sum:jumlah").json()
    assert grouped["data"] == [
        {"kode_kecamatan": "51.05.01", "sum_jumlah": 21},
        {"kode_kecamatan": "51.05.02", "sum_jumlah": 7},
    ]
    as_xml = client.get(f"{url}?format=xml")
    assert as_xml.content.startswith(b"<?xml")
    etag = as_xml["ETag"]
    assert client.get(f"{url}?format=xml", HTTP_IF_NONE_MATCH=etag).status_code == 304
    bad = client.get(f"{url}?jumlah__between=1")
    assert bad.status_code == 400 and bad.json()["code"] == "bad-filter"


def test_wrong_sector_hidden_and_unpublished_are_404(client, sector):
    for path in (
        "/api/v1/pendidikan/jumlah-balita-gizi-buruk",
        "/api/v1/kesehatan/gizi-terbatas",
        "/api/v1/kesehatan/belum-terbit",
        "/api/v1/kesehatan/tidak-ada",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not-found"
    member = Client()
    member.force_login(sector["world"].users["produsen_other"])  # government: sees terbatas
    assert member.get("/api/v1/kesehatan/gizi-terbatas").json()["total"] == 3
    owner = Client()
    owner.force_login(sector["world"].users["produsen_own"])
    # Even its owner gets no rows for an unpublished dataset here: sector paths serve public
    # versions only (drafts are read by number under /datasets/<slug>/versions/<n>/rows).
    assert owner.get("/api/v1/kesehatan/belum-terbit").status_code == 404


def test_named_resources_are_not_shadowed(client, sector):
    assert client.get("/api/v1/datasets/jumlah-balita-gizi-buruk").json()["slug"] == (
        "jumlah-balita-gizi-buruk"
    )
    assert client.get("/api/v1/topics/kesehatan").json()["slug"] == "kesehatan"
    assert client.get("/api/v1/regions/51.05").json()["code"] == "51.05"
    assert client.get("/api/v1/organisations").status_code == 200
