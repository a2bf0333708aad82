"""API v1 catalogue (issue 6 points 1 and 7): search with the web's facets and counts, dataset
metadata, organisations, topics, regions and tags — all through the permission layer — and the
cache: strong ETags, 304, and cached anonymous answers that change as soon as a dataset is
published."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_dataset, make_topic, make_world, publish, upload_csv


@pytest.fixture
def catalogue(db):
    world = make_world("apicat")
    other_topic = make_topic("apicat-pariwisata", "Pariwisata uji", "Tourism test")
    public = make_dataset(
        world.owner,
        title="Jumlah balita gizi buruk",
        slug="jumlah-balita-gizi-buruk",
        state="published",
        topic=world.topic,
        tags=["gizi", "balita"],
        regions=["51.05.01"],
        temporal_start=2021,
        temporal_end=2023,
    )
    tourism = make_dataset(
        world.other,
        title="Kunjungan wisatawan Nusa Penida",
        slug="kunjungan-wisatawan",
        state="published",
        topic=other_topic,
        tags=["wisata"],
        regions=["51.05"],
    )
    draft = make_dataset(world.owner, title="Draf gizi", slug="draf-gizi", tags=["tag-draf"])
    terbatas = make_dataset(
        world.owner,
        title="Gizi terbatas",
        slug="gizi-terbatas",
        state="published",
        classification="terbatas",
        topic=world.topic,
        tags=["tag-terbatas"],
    )
    return {"world": world, "public": public, "tourism": tourism, "hidden": [draft, terbatas]}


def test_search_with_facets_like_the_web(client, catalogue):
    body = client.get("/api/v1/datasets").json()
    assert body["count"] == 2
    assert {d["slug"] for d in body["results"]} == {
        "jumlah-balita-gizi-buruk",
        "kunjungan-wisatawan",
    }
    assert set(body["facets"]) == {"topic", "organisation", "region", "year", "format"}
    topics = {v["value"]: v["count"] for v in body["facets"]["topic"]}
    assert topics == {catalogue["world"].topic.slug: 1, "apicat-pariwisata": 1}
    years = {v["value"] for v in body["facets"]["year"]}
    assert {"2021", "2022", "2023"} <= years

    found = client.get("/api/v1/datasets?q=balita").json()
    assert [d["slug"] for d in found["results"]] == ["jumlah-balita-gizi-buruk"]
    by_topic = client.get("/api/v1/datasets?topic=apicat-pariwisata").json()
    assert [d["slug"] for d in by_topic["results"]] == ["kunjungan-wisatawan"]
    selected = [v for v in by_topic["facets"]["topic"] if v["selected"]]
    assert [v["value"] for v in selected] == ["apicat-pariwisata"]
    # A region selects datasets covering a region inside it, as on the web.
    by_region = client.get("/api/v1/datasets?region=51.05").json()
    assert by_region["count"] == 2
    assert client.get("/api/v1/datasets?region=51.05.01").json()["count"] == 1
    by_name = client.get("/api/v1/datasets?sort=name&page_size=1&page=2").json()
    assert by_name["pages"] == 2
    assert by_name["results"][0]["slug"] == "kunjungan-wisatawan"


def test_dataset_metadata(client, catalogue):
    body = client.get("/api/v1/datasets/jumlah-balita-gizi-buruk").json()
    assert body["title"] == "Jumlah balita gizi buruk"
    assert body["organisation"]["slug"] == catalogue["world"].owner.slug
    assert body["tags"] == ["balita", "gizi"]
    assert body["frequency"] == "tahunan"
    assert body["licence"]["id"] == "cc-by-4.0"
    assert body["regions"] == [{"code": "51.05.01", "name": "Nusa Penida"}]
    assert body["current_version"]["number"] == 1
    topic = catalogue["world"].topic.slug
    assert body["links"]["sector_path"] == f"/api/v1/{topic}/jumlah-balita-gizi-buruk"
    assert client.get(body["links"]["sector_path"]).status_code == 200
    assert client.get(body["current_version"]["rows_url"]).json()["total"] == 4


def test_hidden_datasets_are_404_for_the_public_but_not_for_government(client, catalogue):
    for dataset in catalogue["hidden"]:
        response = client.get(f"/api/v1/datasets/{dataset.slug}")
        assert response.status_code == 404
        assert response.json()["code"] == "not-found"
    member = Client()
    member.force_login(catalogue["world"].users["produsen_other"])
    assert member.get("/api/v1/datasets/gizi-terbatas").status_code == 200
    assert member.get("/api/v1/datasets").json()["count"] == 3


def test_organisations_topics_regions_tags(client, catalogue):
    world = catalogue["world"]
    organisations = {o["slug"]: o for o in client.get("/api/v1/organisations").json()}
    assert organisations[world.owner.slug]["dataset_count"] == 1  # not the draft or terbatas
    assert organisations[world.other.slug]["dataset_count"] == 1
    one = client.get(f"/api/v1/organisations/{world.owner.slug}").json()
    assert one["dataset_count"] == 1 and one["short_name"] == "DINKES"
    topics = {t["slug"]: t["dataset_count"] for t in client.get("/api/v1/topics").json()}
    assert topics[world.topic.slug] == 1
    assert client.get(f"/api/v1/topics/{world.topic.slug}").json()["dataset_count"] == 1
    tags = client.get("/api/v1/tags").json()
    assert tags == [
        {"name": "balita", "dataset_count": 1},
        {"name": "gizi", "dataset_count": 1},
        {"name": "wisata", "dataset_count": 1},
    ]
    regions = client.get("/api/v1/regions?parent=51.05").json()
    assert regions["results"] == [
        {
            "code": "51.05.01",
            "name": "Nusa Penida",
            "level": "kecamatan",
            "parent": "51.05",
            "bps_code": "",
        }
    ]
    assert client.get("/api/v1/regions/51.05.01.2001").json()["name"] == "Sakti"
    assert client.get("/api/v1/regions/99.99").status_code == 404
    assert client.get("/api/v1/organisations/tidak-ada").status_code == 404


def test_etag_304_and_cache_invalidated_on_publish(client, catalogue):
    first = client.get("/api/v1/datasets")
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, no-cache"
    assert client.get("/api/v1/datasets", HTTP_IF_NONE_MATCH=etag).status_code == 304
    detail = client.get("/api/v1/datasets/jumlah-balita-gizi-buruk")
    assert (
        client.get(
            "/api/v1/datasets/jumlah-balita-gizi-buruk", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )

    # Publishing the draft shows it at once: the cached answers belong to the old generation.
    draft = catalogue["hidden"][0]
    publish(upload_csv(draft))
    draft.refresh_from_db()
    assert draft.state == "published"
    after = client.get("/api/v1/datasets", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after.json()["count"] == 3
    assert client.get("/api/v1/datasets/draf-gizi").status_code == 200


def test_bad_search_parameters(client, catalogue):
    for query in ("page=0", "page_size=1000", "year=abc", "sort=drop"):
        response = client.get(f"/api/v1/datasets?{query}")
        assert response.status_code == 422, query
        assert response.json()["code"] == "invalid-request"
    hostile = client.get("/api/v1/datasets?q=%27%20OR%201%3D1%20--&topic=%27%3B%20DROP")
    assert hostile.status_code == 200
    assert hostile.json()["count"] == 0
    assert client.get("/api/v1/regions?limit=100000").status_code == 422
