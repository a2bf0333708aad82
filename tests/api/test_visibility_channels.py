"""No private, draft or `terbatas` dataset shows through any public channel (issue 6 acceptance):
API v1 (search, counts, facets, metadata, versions, rows, tags, topics, organisations), sector
paths, the CKAN Action API, DCAT, sitemaps (when there are any) and the web search's counts and
facets. Hidden datasets carry the word "tersembunyi" in their slug, title, tag and data, so a leak
through any body is found by looking for that word; counts must equal the public count."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import make_dataset, make_world, upload_csv

MARK = "tersembunyi"
PUBLIC_CSV = "kode_desa,nama,jumlah\n51.05.01.2001,Sakti,10\n"
HIDDEN_CSV = f"kode_desa,nama,jumlah\n51.05.01.2001,{MARK} baris,99\n"


@pytest.fixture
def channels(db):
    world = make_world("vis")
    common = {
        "topic": world.topic,
        "regions": ["51.05"],
        "temporal_start": 2024,
        "temporal_end": 2024,
    }
    public = [
        make_dataset(
            world.owner,
            title=f"Data publik {i}",
            slug=f"data-publik-{i}",
            state="published",
            tags=["umum"],
            csv=PUBLIC_CSV,
            **common,
        )
        for i in range(2)
    ]
    # A public dataset whose newest version is an unpublished draft with hidden rows.
    upload_csv(public[0], HIDDEN_CSV)
    hidden = [
        make_dataset(
            world.owner, title=f"Draf {MARK}", slug=f"draf-{MARK}", tags=[f"tag-{MARK}"], **common
        ),
        make_dataset(
            world.owner,
            title=f"Draf berisi {MARK}",
            slug=f"draf-berisi-{MARK}",
            tags=[f"tag-{MARK}"],
            csv=HIDDEN_CSV,
            **common,
        ),
        make_dataset(
            world.owner,
            title=f"Terbatas {MARK}",
            slug=f"terbatas-{MARK}",
            state="published",
            classification="terbatas",
            tags=[f"tag-{MARK}"],
            csv=HIDDEN_CSV,
            **common,
        ),
        make_dataset(
            world.owner,
            title=f"Rahasia {MARK}",
            slug=f"rahasia-{MARK}",
            state="published",
            classification="rahasia",
            tags=[f"tag-{MARK}"],
            csv=HIDDEN_CSV,
            **common,
        ),
    ]
    return {"world": world, "public": public, "hidden": hidden}


def anonymous_and_outsider(world) -> list[Client]:
    """The public, and a logged-in user who belongs to no organisation (sees the same)."""
    outsider = Client()
    outsider.force_login(world.users["user"])
    return [Client(), outsider]


def body_of(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, content.decode("utf-8", "replace")


def assert_no_leak(
    client: Client, url: str, *, allowed: tuple[int, ...] = (200,), asked: str = ""
) -> str:
    """The answer's status is allowed and nothing hidden is in it (`asked`: the slug the client
    itself sent, which a 404 may repeat back)."""
    status, text = body_of(client, url)
    assert status in allowed, (url, status, text[:300])
    assert MARK not in text.replace(asked, "").lower(), f"hidden dataset visible through {url}"
    return text


def test_api_v1_shows_nothing_hidden(channels):
    world, hidden = channels["world"], channels["hidden"]
    topic = world.topic.slug
    for client in anonymous_and_outsider(world):
        search = json.loads(assert_no_leak(client, "/api/v1/datasets?page_size=100"))
        assert search["count"] == 2
        assert sum(v["count"] for v in search["facets"]["topic"]) == 2
        assert sum(v["count"] for v in search["facets"]["organisation"]) == 2
        assert {v["value"]: v["count"] for v in search["facets"]["year"]} == {"2024": 2}
        found = assert_no_leak(client, f"/api/v1/datasets?q={MARK}", asked=MARK)
        assert json.loads(found)["count"] == 0
        topics = json.loads(assert_no_leak(client, "/api/v1/topics"))
        assert {t["slug"]: t["dataset_count"] for t in topics}[topic] == 2
        organisations = json.loads(assert_no_leak(client, "/api/v1/organisations"))
        counts = {o["slug"]: o["dataset_count"] for o in organisations}
        assert counts[world.owner.slug] == 2
        assert_no_leak(client, f"/api/v1/organisations/{world.owner.slug}")
        assert_no_leak(client, f"/api/v1/topics/{topic}")
        assert_no_leak(client, "/api/v1/tags")
        for dataset in channels["public"]:
            assert_no_leak(client, f"/api/v1/datasets/{dataset.slug}")
            assert_no_leak(client, f"/api/v1/datasets/{dataset.slug}/versions")
            assert_no_leak(client, f"/api/v1/datasets/{dataset.slug}/rows")
            assert_no_leak(client, f"/api/v1/datasets/{dataset.slug}/rows?format=csv")
            assert_no_leak(client, f"/api/v1/{topic}/{dataset.slug}?format=xml")
        # The public dataset's draft version 2 (with hidden rows) is not reachable.
        slug = channels["public"][0].slug
        assert_no_leak(client, f"/api/v1/datasets/{slug}/versions/2/rows", allowed=(404,))
        assert_no_leak(client, f"/api/v1/datasets/{slug}/versions/2/report", allowed=(404,))
        for dataset in hidden:
            for path in (
                f"/api/v1/datasets/{dataset.slug}",
                f"/api/v1/datasets/{dataset.slug}/versions",
                f"/api/v1/datasets/{dataset.slug}/versions/1",
                f"/api/v1/datasets/{dataset.slug}/versions/1/schema",
                f"/api/v1/datasets/{dataset.slug}/versions/1/rows",
                f"/api/v1/datasets/{dataset.slug}/rows",
                f"/api/v1/{topic}/{dataset.slug}",
            ):
                assert_no_leak(client, path, allowed=(404,), asked=dataset.slug)


def test_ckan_api_shows_nothing_hidden(channels):
    world = channels["world"]
    public_slugs = {d.slug for d in channels["public"]}
    for client in anonymous_and_outsider(world):
        listed = json.loads(assert_no_leak(client, "/api/3/action/package_list"))["result"]
        assert set(listed) == public_slugs
        search = json.loads(
            assert_no_leak(
                client,
                "/api/3/action/package_search?rows=1000&facet.field="
                '["organization","groups","tags","res_format"]',
            )
        )["result"]
        assert search["count"] == 2
        assert {p["name"] for p in search["results"]} == public_slugs
        assert (
            json.loads(assert_no_leak(client, f"/api/3/action/package_search?q={MARK}"))["result"][
                "count"
            ]
            == 0
        )
        assert_no_leak(client, "/api/3/action/current_package_list_with_resources?limit=1000")
        assert_no_leak(client, "/api/3/action/tag_list")
        assert_no_leak(client, "/api/3/action/organization_list?all_fields=true")
        assert_no_leak(
            client, f"/api/3/action/organization_show?id={world.owner.slug}&include_datasets=true"
        )
        assert_no_leak(client, "/api/3/action/group_list?all_fields=true")
        assert_no_leak(client, f"/api/3/action/group_show?id={world.topic.slug}")
        for slug in public_slugs:
            package = json.loads(assert_no_leak(client, f"/api/3/action/package_show?id={slug}"))
            for resource in package["result"]["resources"]:
                if resource.get("datastore_active"):
                    assert_no_leak(
                        client, f"/api/3/action/datastore_search?resource_id={resource['id']}"
                    )
        for dataset in channels["hidden"]:
            assert_no_leak(
                client,
                f"/api/3/action/package_show?id={dataset.slug}",
                allowed=(403, 404),
                asked=dataset.slug,
            )


def test_dcat_sitemaps_and_web_search_show_nothing_hidden(channels):
    world = channels["world"]
    for client in anonymous_and_outsider(world):
        for url in ("/catalog.jsonld", "/catalog.ttl", "/catalog.rdf", "/dcat.json"):
            text = assert_no_leak(client, url)
            for dataset in channels["public"]:
                assert dataset.slug in text, url
        for dataset in channels["public"]:
            assert_no_leak(client, f"/dataset/{dataset.slug}.jsonld")
        for dataset in channels["hidden"]:
            assert_no_leak(
                client, f"/dataset/{dataset.slug}.jsonld", allowed=(404,), asked=dataset.slug
            )
        # No sitemap exists today; if one is added it must not list hidden datasets either.
        for url in ("/sitemap.xml", "/sitemap-datasets.xml"):
            assert_no_leak(client, url, allowed=(200, 404))
        # The web catalogue: results, the count and every facet.
        page = assert_no_leak(client, "/dataset")
        assert "data-publik-0" in page and "data-publik-1" in page
        assert_no_leak(client, f"/dataset?q={MARK}", asked=MARK)
        assert_no_leak(client, f"/dataset?tahun=2024&sektor={world.topic.slug}")
        assert_no_leak(client, f"/organization/{world.owner.slug}")
        assert_no_leak(client, f"/topik/{world.topic.slug}")
