"""DCAT-AP 3 descriptions of the public catalogue (issue 6 point 6), built as an rdflib graph and
serialised to JSON-LD, Turtle or RDF/XML; plus the legacy DCAT-JSON list of ckanext-dcat.

Only public, published datasets (`ckan.public_datasets()`, i.e. what an anonymous visitor sees).
URIs are the portal's own pages: the dataset page is the dataset's URI, the organisation page
its publisher's, `/wilayah/<kode>` a region's (dct:spatial), and each download URL a
distribution's. Frequencies map to the EU frequency authority table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from satudata.api import ckan
from satudata.catalog.models import LICENCE_URLS, Dataset

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SCHEMA = Namespace("http://schema.org/")
FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
LANG_ID = URIRef("http://publications.europa.eu/resource/authority/language/IND")
IANA = "https://www.iana.org/assignments/media-types/"
PAGE_SIZE = 100
FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml"}
CONTENT_TYPES = {
    "jsonld": "application/ld+json",
    "ttl": "text/turtle; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
}
FREQUENCIES = {
    "harian": "DAILY",
    "mingguan": "WEEKLY",
    "bulanan": "MONTHLY",
    "triwulanan": "QUARTERLY",
    "semesteran": "ANNUAL_2",
    "tahunan": "ANNUAL",
    "dua_tahunan": "BIENNIAL",
    "lima_tahunan": "OTHER",
    "sepuluh_tahunan": "DECENNIAL",
    "tidak_tentu": "IRREG",
}
# Our sektor slugs that have an EU data theme (the topic page URI is always given too).
EU_THEMES = {
    "kesehatan": "HEAL",
    "pendidikan": "EDUC",
    "ekonomi": "ECON",
    "keuangan": "ECON",
    "pertanian": "AGRI",
    "lingkungan": "ENVI",
    "lingkungan-hidup": "ENVI",
    "energi": "ENER",
    "transportasi": "TRAN",
    "perhubungan": "TRAN",
    "pemerintahan": "GOVE",
    "kependudukan": "SOCI",
    "sosial": "SOCI",
    "pariwisata": "ECON",
    "ilmu-pengetahuan": "TECH",
    "hukum": "JUST",
}
JSONLD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "hydra": str(HYDRA),
    "xsd": str(XSD),
}


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in JSONLD_CONTEXT.items():
        graph.bind(prefix, namespace)
    return graph


def _time(value: dt.datetime | None) -> Literal | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def dataset_uri(base_url: str, ds: Dataset) -> URIRef:
    return URIRef(base_url + reverse("catalog:dataset_detail", args=[ds.slug]))


def _publisher(graph: Graph, base_url: str, ds: Dataset) -> URIRef:
    org = ds.organisation
    node = URIRef(base_url + reverse("catalog:organization_detail", args=[org.slug]))
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(org.name, lang="id")))
    if org.email:
        graph.add((node, FOAF.mbox, URIRef("mailto:" + org.email)))
    if org.website:
        graph.add((node, FOAF.homepage, URIRef(org.website)))
    return node


def _contact(graph: Graph, ds: Dataset) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, VCARD.fn, Literal(ds.contact_name or ds.organisation.name)))
    email = ds.contact_email or ds.organisation.email
    if email:
        graph.add((node, VCARD.hasEmail, URIRef("mailto:" + email)))
    return node


def _temporal(graph: Graph, ds: Dataset) -> BNode | None:
    if not ds.temporal_start and not ds.temporal_end:
        return None
    node = BNode()
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    if ds.temporal_start:
        start = dt.date(ds.temporal_start, 1, 1).isoformat()
        graph.add((node, DCAT.startDate, Literal(start, datatype=XSD.date)))
    if ds.temporal_end:
        end = dt.date(ds.temporal_end, 12, 31).isoformat()
        graph.add((node, DCAT.endDate, Literal(end, datatype=XSD.date)))
    return node


def _distributions(graph: Graph, base_url: str, ds: Dataset, subject: URIRef) -> None:
    landing = str(subject)
    licence = LICENCE_URLS.get(ds.licence)
    for resource in ckan.resources_for(ds, base_url):
        node = URIRef(resource["url"])
        graph.add((subject, DCAT.distribution, node))
        graph.add((node, RDF.type, DCAT.Distribution))
        graph.add((node, DCTERMS.identifier, Literal(resource["id"])))
        graph.add((node, DCTERMS.title, Literal(resource["name"], lang="id")))
        graph.add((node, DCAT.accessURL, URIRef(landing)))
        graph.add((node, DCAT.downloadURL, node))
        graph.add((node, DCAT.mediaType, URIRef(IANA + resource["mimetype"])))
        graph.add((node, DCTERMS.format, Literal(resource["format"])))
        if licence:
            graph.add((node, DCTERMS.license, URIRef(licence)))
        issued = ds.published_version.published_at if ds.published_version else None
        if issued is not None:
            graph.add((node, DCTERMS.issued, _time(issued)))


def add_dataset(graph: Graph, base_url: str, ds: Dataset) -> URIRef:
    """Describe one public dataset in `graph` (DCAT-AP 3 mandatory and recommended properties)."""
    subject = dataset_uri(base_url, ds)
    graph.add((subject, RDF.type, DCAT.Dataset))
    graph.add((subject, DCTERMS.identifier, Literal(ckan.make_id(ckan.KIND_DATASET, ds.pk))))
    graph.add((subject, DCTERMS.title, Literal(ds.title, lang="id")))
    graph.add((subject, DCTERMS.description, Literal(ds.description or ds.title, lang="id")))
    graph.add((subject, DCAT.landingPage, subject))
    graph.add((subject, DCTERMS.language, LANG_ID))
    graph.add((subject, DCTERMS.publisher, _publisher(graph, base_url, ds)))
    graph.add((subject, DCAT.contactPoint, _contact(graph, ds)))
    issued = ds.published_at or ds.created_at
    graph.add((subject, DCTERMS.issued, _time(issued)))
    graph.add((subject, DCTERMS.modified, _time(ds.modified_at)))
    if ds.topic is not None:
        topic_uri = URIRef(base_url + reverse("catalog:topic_detail", args=[ds.topic.slug]))
        graph.add((subject, DCAT.theme, topic_uri))
        if ds.topic.slug in EU_THEMES:
            graph.add((subject, DCAT.theme, THEME[EU_THEMES[ds.topic.slug]]))
    for tag in ds.tags.all():
        graph.add((subject, DCAT.keyword, Literal(tag.name, lang="id")))
    for region in ds.regions.all():
        region_uri = URIRef(base_url + reverse("regions:detail", args=[region.code]))
        graph.add((subject, DCTERMS.spatial, region_uri))
        graph.add((region_uri, RDF.type, DCTERMS.Location))
        graph.add((region_uri, DCTERMS.identifier, Literal(region.code)))
        graph.add((region_uri, FOAF.name, Literal(region.name, lang="id")))
    temporal = _temporal(graph, ds)
    if temporal is not None:
        graph.add((subject, DCTERMS.temporal, temporal))
    if ds.frequency in FREQUENCIES:
        graph.add((subject, DCTERMS.accrualPeriodicity, FREQ[FREQUENCIES[ds.frequency]]))
    licence = LICENCE_URLS.get(ds.licence)
    if licence:
        graph.add((subject, DCTERMS.license, URIRef(licence)))
        graph.add((URIRef(licence), RDF.type, DCTERMS.LicenseDocument))
    _distributions(graph, base_url, ds, subject)
    return subject


def parse_modified_since(text: str | None) -> dt.datetime | None:
    """`?modified_since=` as an aware datetime; raises ValueError for an unreadable date."""
    if not text:
        return None
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def catalogue_page(modified_since: dt.datetime | None, page: int) -> tuple[list[Dataset], int]:
    """One page of public datasets (newest change first) and the total count."""
    qs: QuerySet = ckan.public_datasets()
    if modified_since is not None:
        qs = qs.filter(modified_at__gte=modified_since)
    total = qs.count()
    start = (page - 1) * PAGE_SIZE
    rows = (
        qs.order_by("-modified_at", "-pk")
        .select_related("organisation", "topic", "published_version")
        .prefetch_related("tags", "regions")[start : start + PAGE_SIZE]
    )
    return list(rows), total


def catalogue_graph(
    base_url: str,
    page_url: str,
    datasets: Iterable[Dataset],
    *,
    page: int,
    total: int,
    query: str = "",
) -> Graph:
    graph = _graph()
    catalogue = URIRef(base_url + "/catalog")
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal(settings.SATUDATA_SITE_NAME, lang="id")))
    graph.add((catalogue, DCTERMS.description, Literal(settings.SATUDATA_SITE_NAME, lang="id")))
    graph.add((catalogue, FOAF.homepage, URIRef(base_url + "/")))
    graph.add((catalogue, DCTERMS.language, LANG_ID))
    publisher = URIRef(base_url + "/")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(settings.SATUDATA_SITE_NAME)))
    graph.add((catalogue, DCTERMS.publisher, publisher))
    latest = None
    for ds in datasets:
        graph.add((catalogue, DCAT.dataset, add_dataset(graph, base_url, ds)))
        latest = max(latest, ds.modified_at) if latest else ds.modified_at
    if latest is not None:
        graph.add((catalogue, DCTERMS.modified, _time(latest)))
    # Hydra paging, as ckanext-dcat writes it.
    paging = URIRef(f"{page_url}?page={page}{query}")
    last = max(1, -(-total // PAGE_SIZE))
    graph.add((paging, RDF.type, HYDRA.PagedCollection))
    graph.add((paging, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((paging, HYDRA.itemsPerPage, Literal(PAGE_SIZE, datatype=XSD.integer)))
    graph.add((paging, HYDRA.firstPage, Literal(f"{page_url}?page=1{query}")))
    graph.add((paging, HYDRA.lastPage, Literal(f"{page_url}?page={last}{query}")))
    if page < last:
        graph.add((paging, HYDRA.nextPage, Literal(f"{page_url}?page={page + 1}{query}")))
    if page > 1:
        graph.add((paging, HYDRA.previousPage, Literal(f"{page_url}?page={page - 1}{query}")))
    return graph


def dataset_graph(base_url: str, ds: Dataset) -> Graph:
    graph = _graph()
    add_dataset(graph, base_url, ds)
    return graph


def serialise(graph: Graph, fmt: str) -> bytes:
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True).encode()
    return graph.serialize(format=FORMATS[fmt]).encode()


def dcat_json_record(base_url: str, ds: Dataset) -> dict[str, Any]:
    """One dataset in the DCAT-JSON (DCAT-US style) shape ckanext-dcat's JSON harvester reads."""
    package = ckan.package_dict(ds, base_url)
    return {
        "@type": "dcat:Dataset",
        "identifier": package["id"],
        "title": ds.title,
        "description": ds.description,
        "landingPage": package["url"],
        "keyword": [t["name"] for t in package["tags"]],
        "issued": ckan.ckan_time(ds.published_at or ds.created_at),
        "modified": package["metadata_modified"],
        "language": ["id"],
        "publisher": {"name": ds.organisation.name, "identifier": package["owner_org"]},
        "contactPoint": {
            "fn": ds.contact_name or ds.organisation.name,
            "hasEmail": "mailto:" + (ds.contact_email or ds.organisation.email or ""),
        },
        "accessLevel": "public",
        "license": LICENCE_URLS.get(ds.licence, ""),
        "theme": [ds.topic.name] if ds.topic else [],
        "spatial": ",".join(r.code for r in ds.regions.all()),
        "temporal": (
            f"{ds.temporal_start}/{ds.temporal_end or ds.temporal_start}"
            if ds.temporal_start
            else ""
        ),
        "accrualPeriodicity": FREQUENCIES.get(ds.frequency, ""),
        "distribution": [
            {
                "title": r["name"],
                "format": r["format"],
                "mediaType": r["mimetype"],
                "downloadURL": r["url"],
                "accessURL": package["url"],
            }
            for r in package["resources"]
        ],
    }
