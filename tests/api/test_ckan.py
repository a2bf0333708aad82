"""CKAN Action API (issue 6 point 5) through the real `ckanapi` client against a live server, the
CKAN harvester's gather sequence replayed by hand, and hostile parameters."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from satudata.catalog.models import Dataset
from tests.factories import make_dataset, make_world

pytestmark = pytest.mark.django_db(transaction=True)

RESOURCE_CSV = "kode_wilayah,nama,jumlah\n51.05.01,Nusa Penida,10\n51.05.02,Banjarangkan,20\n"


@pytest.fixture
def catalogue():
    world = make_world("ck")
    public = make_dataset(
        world.owner,
        title="Jumlah balita gizi buruk",
        slug="jumlah-balita-gizi-buruk",
        state="published",
        topic=world.topic,
        tags=["gizi", "balita"],
        regions=["51.05"],
        csv=RESOURCE_CSV,
    )
    other = make_dataset(world.other, title="Kunjungan wisatawan", state="published")
    draft = make_dataset(world.owner, title="Draf rahasia dinas", slug="draf-dinas")
    terbatas = make_dataset(
        world.owner,
        title="Data terbatas",
        slug="data-terbatas",
        state="published",
        classification="terbatas",
    )
    rahasia = make_dataset(
        world.owner,
        title="Data rahasia",
        slug="data-rahasia",
        state="published",
        classification="rahasia",
    )
    return {
        "world": world,
        "public": public,
        "other": other,
        "hidden": [draft, terbatas, rahasia],
    }


@pytest.fixture
def ckan(live_server):
    return RemoteCKAN(live_server.url, user_agent="satudata-tests")


def _bulk(world, count: int, **fields) -> list[Dataset]:
    """Many datasets at once (bulk_create: the harvester test needs hundreds, fast)."""
    values = {"state": "published", "classification": "publik", **fields}
    prefix = f"massal-{values['state']}-{values['classification']}"
    rows = [
        Dataset(
            slug=f"{prefix}-{i}",
            title=f"Dataset massal {i}",
            organisation=world.owner if i % 2 else world.other,
            **values,
        )
        for i in range(count)
    ]
    return Dataset.objects.bulk_create(rows)


def test_package_show_full_dict(ckan, catalogue):
    pkg = ckan.action.package_show(id="jumlah-balita-gizi-buruk")
    assert pkg["name"] == "jumlah-balita-gizi-buruk"
    uuid.UUID(pkg["id"])
    assert pkg["owner_org"] == pkg["organization"]["id"]
    assert pkg["organization"]["name"] == "ck-dinkes"
    assert [g["name"] for g in pkg["groups"]] == ["ck-kesehatan"]
    assert sorted(t["name"] for t in pkg["tags"]) == ["balita", "gizi"]
    assert all(isinstance(e["value"], str) for e in pkg["extras"])
    assert {"key": "frequency", "value": "tahunan"} in pkg["extras"]
    # naive ISO with microseconds
    assert "+" not in pkg["metadata_modified"] and len(pkg["metadata_modified"]) == 26
    formats = {r["format"] for r in pkg["resources"]}
    assert {"CSV", "XLSX", "JSON"} <= formats
    for resource in pkg["resources"]:
        uuid.UUID(resource["id"])
        assert resource["package_id"] == pkg["id"]
        assert resource["datastore_active"] is True
    assert ckan.action.package_show(id=pkg["id"])["name"] == pkg["name"]
    # unknown parameters (as `ckanapi dump` sends) are ignored
    again = ckan.action.package_show(id=pkg["id"], include_datasets=False, include_users=False)
    assert again == pkg


def test_not_found_and_not_authorized(ckan, catalogue):
    with pytest.raises(NotFound):
        ckan.action.package_show(id="tidak-ada")
    for hidden in catalogue["hidden"]:
        with pytest.raises(NotAuthorized):
            ckan.action.package_show(id=hidden.slug)
    with pytest.raises(NotFound):
        ckan.action.organization_show(id="tidak-ada")


def test_lists_and_status(ckan, catalogue):
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2.10")
    names = ckan.action.package_list()
    assert names == sorted(["jumlah-balita-gizi-buruk", catalogue["other"].slug])
    orgs = ckan.action.organization_list()
    assert "ck-dinkes" in orgs and "ck-dispar" in orgs
    full = ckan.action.organization_list(all_fields=True)
    counts = {o["name"]: o["package_count"] for o in full}
    assert counts["ck-dinkes"] == 1  # the hidden ones are not counted
    org = ckan.action.organization_show(id=full[0]["id"])
    assert org["id"] == full[0]["id"]
    assert ckan.action.group_list() == ["ck-kesehatan"]
    group = ckan.action.group_show(id="ck-kesehatan", include_datasets=True)
    assert [p["name"] for p in group["packages"]] == ["jumlah-balita-gizi-buruk"]
    assert ckan.action.tag_list() == ["balita", "gizi"]
    current = ckan.action.current_package_list_with_resources(limit=1)
    assert len(current) == 1 and current[0]["resources"]


def test_package_search_paging_through_everything(ckan, catalogue):
    _bulk(catalogue["world"], 23)
    _bulk(catalogue["world"], 3, classification="terbatas")
    _bulk(catalogue["world"], 3, state="draft")
    expected = set(
        Dataset.objects.filter(state="published", classification="publik").values_list(
            "slug", flat=True
        )
    )
    seen: list[str] = []
    start = 0
    while True:
        page = ckan.action.package_search(rows=7, start=start, sort="name asc")
        assert page["count"] == len(expected)
        if not page["results"]:
            break
        seen.extend(p["name"] for p in page["results"])
        start += 7
    assert seen == sorted(expected)


def test_package_search_filters_and_facets(ckan, catalogue):
    result = ckan.action.package_search(
        fq="organization:ck-dinkes", **{"facet.field": ["organization", "tags", "groups"]}
    )
    assert [p["name"] for p in result["results"]] == ["jumlah-balita-gizi-buruk"]
    assert result["facets"]["tags"] == {"balita": 1, "gizi": 1}
    assert result["search_facets"]["groups"]["items"][0]["name"] == "ck-kesehatan"
    assert ckan.action.package_search(fq="tags:gizi")["count"] == 1
    assert ckan.action.package_search(fq="groups:ck-kesehatan")["count"] == 1
    assert ckan.action.package_search(fq="res_format:CSV")["count"] == 2
    assert ckan.action.package_search(fq="-organization:ck-dinkes")["count"] == 1
    both = "organization:ck-dinkes OR organization:ck-dispar"
    assert ckan.action.package_search(fq=both)["count"] == 2
    assert ckan.action.package_search(q="balita")["count"] == 1
    assert ckan.action.package_search(q="rahasia")["count"] == 0
    desc = ckan.action.package_search(sort="metadata_modified desc")["results"]
    stamps = [p["metadata_modified"] for p in desc]
    assert stamps == sorted(stamps, reverse=True)


def test_harvester_gather_sequence(live_server, catalogue):
    """ckanext-harvest's gather stage: GET, sort=id asc, rows=100, start += 100 until empty."""
    world = catalogue["world"]
    _bulk(world, 250)
    _bulk(world, 5, classification="terbatas")
    _bulk(world, 5, classification="rahasia")
    _bulk(world, 5, state="draft")
    _bulk(world, 5, state="withdrawn")
    public = Dataset.objects.filter(state="published", classification="publik")
    hidden_names = set(Dataset.objects.values_list("slug", flat=True)) - set(
        public.values_list("slug", flat=True)
    )
    for fq in ("", "metadata_modified:[2000-01-01T00:00:00.000000Z TO *]"):
        ids, names, previous, start = [], [], None, 0
        while True:
            params = {"rows": 100, "start": start, "sort": "id asc"}
            if fq:
                params["fq"] = fq
            response = requests.get(
                f"{live_server.url}/api/3/action/package_search", params=params, timeout=30
            )
            assert response.status_code == 200
            assert response.content != previous, "The paging doesn't seem to work"
            previous = response.content
            results = response.json()["result"]["results"]
            if not results:
                break
            ids.extend(p["id"] for p in results)
            names.extend(p["name"] for p in results)
            for package in results:
                assert {"resources", "tags", "extras", "groups", "owner_org", "type"} <= set(
                    package
                )
            start += 100
        assert len(ids) == len(set(ids)) == public.count() == 252
        assert set(names) == set(public.values_list("slug", flat=True))
        assert not set(names) & hidden_names
    future = "metadata_modified:[2999-01-01T00:00:00Z TO *]"
    response = requests.get(
        f"{live_server.url}/api/3/action/package_search", params={"fq": future}, timeout=30
    )
    assert response.json()["result"]["count"] == 0


def test_datastore_search(ckan, catalogue):
    pkg = ckan.action.package_show(id="jumlah-balita-gizi-buruk")
    resource_id = pkg["resources"][0]["id"]
    assert ckan.action.resource_show(id=resource_id)["id"] == resource_id
    everything = ckan.action.datastore_search(resource_id=resource_id)
    assert everything["total"] == 2
    assert [f["id"] for f in everything["fields"]] == ["_id", "kode_wilayah", "nama", "jumlah"]
    assert everything["records"][0]["kode_wilayah"] == "51.05.01"
    filtered = ckan.action.datastore_search(
        resource_id=resource_id, filters={"kode_wilayah": "51.05.02"}
    )
    assert filtered["total"] == 1 and filtered["records"][0]["nama"] == "Banjarangkan"
    by_number = ckan.action.datastore_search(resource_id=resource_id, filters={"jumlah": 10})
    assert [r["nama"] for r in by_number["records"]] == ["Nusa Penida"]
    text = ckan.action.datastore_search(resource_id=resource_id, q="penida")
    assert text["total"] == 1
    fields_only = ckan.action.datastore_search(resource_id=resource_id, limit=0)
    assert fields_only["records"] == [] and fields_only["total"] == 2
    assert len(fields_only["fields"]) == 4
    sorted_desc = ckan.action.datastore_search(
        resource_id=resource_id, sort="jumlah desc", fields=["nama"]
    )
    assert [r["nama"] for r in sorted_desc["records"]] == ["Banjarangkan", "Nusa Penida"]
    assert set(sorted_desc["records"][0]) == {"_id", "nama"}
    with pytest.raises(NotFound):
        ckan.action.datastore_search(resource_id=str(uuid.uuid4()))
    with pytest.raises(ValidationError):
        ckan.action.datastore_search(resource_id=resource_id, filters={"nope": 1})


HOSTILE = [
    "'; DROP TABLE catalog_dataset; --",
    '" OR 1=1 --',
    "1) UNION SELECT * FROM accounts_user --",
    "\x00",
]


def _call(live_server, name: str, method: str = "GET", **kwargs) -> requests.Response:
    url = f"{live_server.url}/api/3/action/{name}"
    return requests.request(method, url, timeout=30, allow_redirects=False, **kwargs)


def test_hostile_parameters_get_ckan_errors(live_server, catalogue):
    pkg = _call(live_server, "package_show", params={"id": "jumlah-balita-gizi-buruk"}).json()
    resource_id = pkg["result"]["resources"][0]["id"]
    for text in HOSTILE:
        for name, params in [
            ("package_search", {"q": text}),
            ("package_search", {"fq": text}),
            ("package_search", {"sort": text}),
            ("package_search", {"rows": text}),
            ("package_show", {"id": text}),
            ("organization_show", {"id": text}),
            ("datastore_search", {"resource_id": resource_id, "sort": text}),
            ("datastore_search", {"resource_id": resource_id, "q": text}),
            ("datastore_search", {"resource_id": resource_id, "fields": text}),
            ("datastore_search", {"resource_id": resource_id, "filters": json.dumps({text: 1})}),
            (
                "datastore_search",
                {"resource_id": resource_id, "filters": json.dumps({"nama": text})},
            ),
            ("datastore_search", {"resource_id": text}),
        ]:
            response = _call(live_server, name, params=params)
            assert response.status_code in (200, 400, 403, 404, 409), (name, params)
            body = response.json()
            assert body["success"] is (response.status_code == 200), (name, params, body)
            if not body["success"]:
                assert body["error"]["__type"]
    assert Dataset.objects.filter(slug="jumlah-balita-gizi-buruk").exists()
    huge = _call(live_server, "package_search", params={"rows": 10**12}).json()
    assert huge["success"] and len(huge["result"]["results"]) == 2
    negative = _call(live_server, "package_search", params={"rows": -1})
    assert negative.status_code == 409 and negative.json()["error"]["__type"] == "Validation Error"
    bad_json = _call(
        live_server,
        "package_search",
        "POST",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()
    not_dict = _call(live_server, "package_search", "POST", json=[1, 2])
    assert not_dict.status_code == 400
    unknown = _call(live_server, "no_such_action")
    assert unknown.status_code == 400 and "Action name not known" in unknown.json()
    bad_range = _call(
        live_server, "package_search", params={"fq": "metadata_modified:[kemarin TO *]"}
    )
    assert bad_range.status_code == 400
    assert bad_range.json()["error"]["__type"] == "Search Query Error"
    # POST with JSON works without a CSRF token and without a redirect, on both route forms
    for path in ("/api/action/package_search", "/api/3/action/package_search"):
        response = requests.post(
            live_server.url + path, json={"rows": 1}, timeout=30, allow_redirects=False
        )
        assert response.status_code == 200 and response.json()["result"]["count"] == 2


def test_logged_in_users_see_only_public_data(client, catalogue):
    client.force_login(catalogue["world"].users["walidata"])
    response = client.get("/api/3/action/package_list")
    assert response.status_code == 200
    assert "draf-dinas" not in response.json()["result"]
    assert client.get("/api/3/action/package_show", {"id": "data-rahasia"}).status_code == 403


def test_route_forms_and_solr_details(client, catalogue):
    assert client.get("/api/3").json() == {"version": 3}
    for path in ("/id/api/3/action/package_list", "/en/api/action/package_list"):
        assert client.get(path).json()["success"] is True
    search = "/api/3/action/package_search"
    both = "organization:(ck-dinkes OR ck-dispar)"
    assert client.get(search, {"fq": both}).json()["result"]["count"] == 2
    plus = client.get(search, {"fq": "+organization:ck-dinkes +dataset_type:dataset"})
    assert plus.json()["result"]["count"] == 1
    quoted = client.get(search, {"q": 'name:"jumlah-balita-gizi-buruk"'})
    assert quoted.json()["result"]["count"] == 1
    unknown_field = client.get(search, {"fq": "nope:1"})
    assert unknown_field.status_code == 400
    assert unknown_field.json()["error"]["__type"] == "Search Query Error"
    # a form POST (one key holding JSON, as old clients send) works too
    form = client.post(search, data={'{"rows": 1}': ""})
    assert form.status_code == 200 and len(form.json()["result"]["results"]) == 1
