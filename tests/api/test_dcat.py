"""DCAT outputs (issue 6 point 6): parse with rdflib, carry the DCAT-AP 3 classes and properties,
page, filter by modification time, and never show a hidden dataset."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from satudata.catalog.models import Dataset
from tests.factories import make_dataset, make_world

pytestmark = pytest.mark.django_db

VCARD = "http://www.w3.org/2006/vcard/ns#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
RDFLIB_FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml"}


@pytest.fixture
def catalogue():
    world = make_world("dc")
    public = make_dataset(
        world.owner,
        title="Jumlah balita gizi buruk",
        slug="balita-gizi-buruk",
        state="published",
        topic=world.topic,
        tags=["gizi"],
        regions=["51.05"],
        temporal_start=2020,
        temporal_end=2023,
        contact_name="Seksi Gizi",
        contact_email="gizi@example.go.id",
    )
    hidden = [
        make_dataset(world.owner, title="Draf dinas", slug="draf-dinas"),
        make_dataset(
            world.owner,
            title="Terbatas",
            slug="terbatas-x",
            state="published",
            classification="terbatas",
        ),
        make_dataset(
            world.owner,
            title="Rahasia",
            slug="rahasia-x",
            state="published",
            classification="rahasia",
        ),
    ]
    return {"world": world, "public": public, "hidden": hidden}


def _graph(response, fmt: str) -> Graph:
    assert response.status_code == 200, response.content[:300]
    return Graph().parse(data=response.content, format=RDFLIB_FORMATS[fmt])


@pytest.mark.parametrize("fmt", ["jsonld", "ttl", "rdf"])
def test_catalogue_carries_dcat_ap_terms(client, catalogue, fmt):
    response = client.get(f"/catalog.{fmt}")
    graph = _graph(response, fmt)
    catalogues = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogues) == 1
    datasets = list(graph.objects(catalogues[0], DCAT.dataset))
    assert [str(d) for d in datasets] == ["http://testserver/dataset/balita-gizi-buruk"]
    ds = datasets[0]
    assert (ds, RDF.type, DCAT.Dataset) in graph
    for prop in (
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.identifier,
        DCTERMS.issued,
        DCTERMS.modified,
        DCTERMS.publisher,
        DCAT.contactPoint,
        DCAT.theme,
        DCTERMS.spatial,
        DCTERMS.temporal,
        DCTERMS.accrualPeriodicity,
        DCTERMS.license,
        DCAT.keyword,
        DCAT.distribution,
        DCAT.landingPage,
    ):
        assert graph.value(ds, prop) is not None, prop
    publisher = graph.value(ds, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) is not None
    contact = graph.value(ds, DCAT.contactPoint)
    assert (contact, RDF.type, URIRef(VCARD + "Kind")) in graph
    assert str(graph.value(contact, URIRef(VCARD + "hasEmail"))) == "mailto:gizi@example.go.id"
    temporal = graph.value(ds, DCTERMS.temporal)
    assert (temporal, RDF.type, DCTERMS.PeriodOfTime) in graph
    assert str(graph.value(temporal, DCAT.startDate)) == "2020-01-01"
    assert str(graph.value(ds, DCTERMS.accrualPeriodicity)).endswith("/frequency/ANNUAL")
    assert str(graph.value(ds, DCTERMS.spatial)) == "http://testserver/wilayah/51.05"
    distributions = list(graph.objects(ds, DCAT.distribution))
    assert len(distributions) >= 3
    for dist in distributions:
        assert (dist, RDF.type, DCAT.Distribution) in graph
        assert str(graph.value(dist, DCAT.mediaType)).startswith("https://www.iana.org/")
        assert graph.value(dist, DCAT.downloadURL) is not None
        assert graph.value(dist, DCAT.accessURL) is not None
    text = response.content.decode()
    for hidden in catalogue["hidden"]:
        assert hidden.slug not in text and hidden.title not in text


@pytest.mark.parametrize("fmt", ["jsonld", "ttl", "rdf"])
def test_dataset_documents(client, catalogue, fmt):
    graph = _graph(client.get(f"/dataset/balita-gizi-buruk.{fmt}"), fmt)
    subject = URIRef("http://testserver/dataset/balita-gizi-buruk")
    assert (subject, RDF.type, DCAT.Dataset) in graph
    for hidden in catalogue["hidden"]:
        assert client.get(f"/dataset/{hidden.slug}.{fmt}").status_code == 404
    assert client.get("/dataset/tidak-ada.ttl").status_code == 404
    assert client.get("/dataset/balita-gizi-buruk.exe").status_code == 404


def test_paging_and_modified_since(client, catalogue):
    world = catalogue["world"]
    Dataset.objects.bulk_create(
        Dataset(
            slug=f"massal-{i}",
            title=f"Massal {i}",
            organisation=world.other,
            state="published",
            classification="publik",
        )
        for i in range(150)
    )
    seen = set()
    for page in (1, 2):
        graph = _graph(client.get("/catalog.ttl", {"page": page}), "ttl")
        seen |= set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(seen) == 151
    paging = _graph(client.get("/catalog.ttl"), "ttl")
    assert list(paging.objects(None, URIRef(HYDRA + "nextPage")))
    assert client.get("/catalog.ttl", {"page": 3}).status_code == 404
    later = _graph(client.get("/catalog.ttl", {"modified_since": "2999-01-01T00:00:00Z"}), "ttl")
    assert not list(later.subjects(RDF.type, DCAT.Dataset))
    for bad in (
        {"page": "x"},
        {"page": "0"},
        {"modified_since": "kemarin"},
        {"modified_since": "'; DROP TABLE x; --"},
        {"modified_since": "\x00"},
    ):
        assert client.get("/catalog.jsonld", bad).status_code == 400
        assert client.get("/dcat.json", bad).status_code == 400


def test_dcat_json(client, catalogue):
    response = client.get("/dcat.json")
    assert response.status_code == 200
    records = response.json()
    assert [r["title"] for r in records] == ["Jumlah balita gizi buruk"]
    record = records[0]
    assert record["identifier"] and record["distribution"]
    assert record["accrualPeriodicity"] == "ANNUAL"
    assert client.get("/dcat.json", {"page": 2}).status_code == 404
    assert "rahasia" not in json.dumps(records).lower()


def test_logged_in_walidata_still_gets_only_public_data(client, catalogue):
    client.force_login(catalogue["world"].users["walidata"])
    text = client.get("/catalog.ttl").content.decode()
    for hidden in catalogue["hidden"]:
        assert hidden.slug not in text
    assert client.get("/dataset/rahasia-x.jsonld").status_code == 404


def _schema_org(html: str) -> list[dict]:
    import re

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_schema_org_dataset_on_the_public_page_only(client, catalogue):
    html = client.get("/dataset/balita-gizi-buruk").content.decode()
    (data,) = _schema_org(html)
    assert data["@type"] == "Dataset" and data["name"] == "Jumlah balita gizi buruk"
    assert data["keywords"] == ["gizi"]
    assert data["distribution"][0]["contentUrl"].endswith("/dataset/balita-gizi-buruk/unduh.csv")
    assert data["temporalCoverage"] == "2020/2023"
    client.force_login(catalogue["world"].users["walidata"])
    for hidden in catalogue["hidden"]:
        page = client.get(f"/dataset/{hidden.slug}")
        assert page.status_code == 200
        assert _schema_org(page.content.decode()) == []


def test_schema_org_text_is_escaped(client, catalogue):
    public = catalogue["public"]
    Dataset.objects.filter(pk=public.pk).update(
        title='Judul "kutip" </script><b>', description="baris\nbaru \\ garis"
    )
    (data,) = _schema_org(client.get("/dataset/balita-gizi-buruk").content.decode())
    assert data["name"] == 'Judul "kutip" </script><b>'
    assert data["description"] == "baris\nbaru \\ garis"
