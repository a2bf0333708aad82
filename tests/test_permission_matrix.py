"""The permission matrix (DESIGN §6): every role, dataset state, classification and endpoint.

The expectations are written out by hand below from DESIGN §4 and §6; they are NOT computed by
asking the permission layer under test. One module-wide fixture builds six datasets (draft and
published, each publik, terbatas and rahasia) owned by one OPD, plus one user per role, inside
an outer transaction that is rolled back at the end; each test runs in a savepoint, so write
tests leave nothing behind. Read-only pages are fetched once per (role, URL), shared by tests.

Outcomes:
  OK        the role may use the endpoint (page 200 showing the dataset, write succeeds)
  DENIED    the role sees the dataset but may not do this: 403, or 404 (which leaks nothing
            either); anonymous: also a log-in redirect
  HIDDEN    the role must not learn the dataset exists: 404 (anonymous: 404 or log-in redirect),
            and the title appears nowhere in the answer (never 403)
  NOTHING   the dataset is visible but the thing asked for is not (no public version yet, an
            unpublished version): 404
  LISTED    a list/search/count page shows the dataset
  ABSENT    a list/search/count page does not show it (title and link absent)
  MAY       the page may or may not show it (the home page shows only a few newest datasets)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

from tests.factories import (
    CLASSIFICATIONS,
    CODE_CSV,
    ROLES,
    STATES,
    make_dataset,
    make_world,
    read_form,
    upload_csv,
    verify,
)

OK, DENIED, HIDDEN, NOTHING = "OK", "DENIED", "HIDDEN", "NOTHING"
LISTED, ABSENT, MAY = "LISTED", "ABSENT", "MAY"

# ---------------------------------------------------------------------------------------------
# The expectations (DESIGN §4 classification, §6 roles). Letters: P publik, T terbatas, R rahasia.
#
# - Anonymous visitors and users who belong to no organisation: published publik only.
# - Any member of a government organisation also reads published terbatas ("inside government").
# - Rahasia: only the owning OPD, walidata and admin.
# - Unpublished things (draft datasets, a new version not yet published): the owning OPD,
#   walidata/admin, and the two overseeing roles (pembina reviews metadata, pimpinan monitors
#   delivery), never rahasia for those two.
# - Village operators and kecamatan verifiers have no catalogue privileges beyond membership.
#
#                          (draft,  published)
SEES: dict[str, tuple[str, str]] = {
    "anonymous":             ("",    "P"),
    "user":                  ("",    "P"),
    "produsen_own":          ("PTR", "PTR"),
    "produsen_other":        ("",    "PT"),
    "walidata":              ("PTR", "PTR"),
    "pembina":               ("PT",  "PT"),
    "pimpinan":              ("PT",  "PT"),
    "operator_desa":         ("",    "PT"),
    "verifikator_kecamatan": ("",    "PT"),
    "admin":                 ("PTR", "PTR"),
    "superuser":             ("PTR", "PTR"),
}  # fmt: skip
# Edit the metadata and upload new data: the owning OPD's produsen, walidata, admin.
EDITS = frozenset({"produsen_own", "walidata", "admin", "superuser"})
# Publish a version: walidata and admin only (contracts: warehouse:publish).
PUBLISHES = frozenset({"walidata", "admin", "superuser"})

# Single-object endpoints. {newest} is the newest version, which is never published:
# a draft dataset's v1, or the v2 uploaded after a published dataset's v1 — submitted and
# verified, so that publishing it is allowed to the publishing roles (review workflow).
OBJECT_URLS = {
    "dataset_page": "/dataset/{slug}",
    "preview": "/dataset/{slug}/data",
    "csv_download": "/dataset/{slug}/unduh.csv",
    "xlsx_download": "/dataset/{slug}/unduh.xlsx",
    "newest_version_csv": "/dataset/{slug}/versi/{newest}/unduh.csv",
    "edit_get": "/dataset/{slug}/ubah",
    "upload_get": "/dataset/{slug}/unggah",
    # Warehouse pages (issue 4): data view with filter/sort, column statistics, versions,
    # comparison, validation report, schema, every export format, upload jobs.
    "data_view_filtered": "/dataset/{slug}/data?f.nama_wilayah=wilayah&sort=jumlah&desc=1",
    "newest_data_view": "/dataset/{slug}/data?v={newest}",
    "data_stats": "/dataset/{slug}/data/statistik",
    "newest_data_stats": "/dataset/{slug}/data/statistik?v={newest}",
    "version_compare": "/dataset/{slug}/versi/banding",
    "compare_with_newest": "/dataset/{slug}/versi/banding?a=1&b={newest}",
    "newest_report": "/dataset/{slug}/versi/{newest}/laporan",
    "newest_schema_json": "/dataset/{slug}/versi/{newest}/skema.json",
    "json_download": "/dataset/{slug}/unduh.json",
    "parquet_download": "/dataset/{slug}/unduh.parquet",
    "datapackage_download": "/dataset/{slug}/unduh.zip",
    "newest_version_xlsx": "/dataset/{slug}/versi/{newest}/unduh.xlsx",
    "newest_version_parquet": "/dataset/{slug}/versi/{newest}/unduh.parquet",
    "newest_version_zip": "/dataset/{slug}/versi/{newest}/unduh.zip",
    "schema_edit_get": "/dataset/{slug}/versi/{newest}/skema",
    "upload_jobs": "/dataset/{slug}/unggahan",
    "upload_job_status": "/dataset/{slug}/unggahan/{job}",
}
LIST_URLS = {
    "catalogue": "/dataset",
    "search": "/dataset?q=zebrakuda",
    # Each dataset covers its own year: the year facet (and filtering on it) must not betray it.
    "year_facet": "/dataset",
    "year_filter": "/dataset?tahun={year}",
    "organisation_page": "/organization/{owner}",
    "topic_page": "/topik/{topic}",
    "region_page": "/wilayah/51.05",
    "home": "/",
}
WRITE_ENDPOINTS = ("edit_post", "upload_post", "publish_post", "restore_post")
# The current public version in every format: like csv_download.
CURRENT_DOWNLOADS = (
    "csv_download",
    "xlsx_download",
    "json_download",
    "parquet_download",
    "datapackage_download",
)
# Pages about the newest (never published) version: like newest_version_csv.
NEWEST_VERSION = (
    "newest_version_csv",
    "newest_data_view",
    "newest_data_stats",
    "compare_with_newest",
    "newest_report",
    "newest_schema_json",
    "newest_version_xlsx",
    "newest_version_parquet",
    "newest_version_zip",
)
# Pages about the version the dataset page shows the role: like the dataset page.
SHOWN_VERSION = ("dataset_page", "preview", "data_view_filtered", "data_stats", "version_compare")
# Working material of editors: the schema editor, upload jobs.
EDITORS_ONLY = ("edit_get", "edit_post", "upload_get", "upload_post", "schema_edit_get")
EDITORS_ONLY += ("upload_jobs", "upload_job_status", "restore_post")


def expectation(role: str, state: str, classification: str, endpoint: str) -> str:
    """Read the tables above for one cell of the matrix."""
    letter = classification[0].upper()
    sees = letter in SEES[role][state == "published"]
    sees_unpublished = letter in SEES[role][0]
    if endpoint in SHOWN_VERSION:
        return OK if sees else HIDDEN
    if endpoint in CURRENT_DOWNLOADS:  # the current public version
        if not sees:
            return HIDDEN
        return OK if state == "published" else NOTHING
    if endpoint in NEWEST_VERSION:
        return OK if sees_unpublished else (NOTHING if sees else HIDDEN)
    if endpoint in EDITORS_ONLY:  # restore_post restores version 1, visible like the dataset
        return OK if role in EDITS else (DENIED if sees else HIDDEN)
    if endpoint == "publish_post":
        if role in PUBLISHES:
            return OK
        return DENIED if sees_unpublished else (NOTHING if sees else HIDDEN)
    if endpoint == "home":
        return MAY if sees else ABSENT
    if endpoint in LIST_URLS:
        return LISTED if sees else ABSENT
    raise KeyError(endpoint)


# ---------------------------------------------------------------------------------------------
# The data: six datasets of one OPD, one user (and logged-in client) per role.


# One distinct coverage year per dataset, so that the year facet shows whose data it counts.
YEARS = {cell: 1961 + index for index, cell in enumerate(product(STATES, CLASSIFICATIONS))}


def title_for(state: str, classification: str) -> str:
    # Distinct words so that no title is part of another; "zebrakuda" is the shared search word.
    return f"Zebrakuda {state.capitalize()} {classification.capitalize()} Matriks"


@dataclass
class Matrix:
    world: object
    datasets: dict  # (state, classification) -> Dataset
    newest: dict  # (state, classification) -> newest version number
    clients: dict  # role -> Client
    jobs: dict = field(default_factory=dict)  # (state, classification) -> an upload job id
    pages: dict = field(default_factory=dict)  # (role, url) -> Page, fetched once

    def get(self, role: str, url: str) -> Page:
        key = (role, url)
        if key not in self.pages:
            self.pages[key] = Page.of(self.clients[role].get(url))
        return self.pages[key]


@dataclass
class Page:
    status: int
    location: str
    body: str
    context: Any = None  # the template context (test client), for the count checks

    @classmethod
    def of(cls, response) -> Page:
        streamed = getattr(response, "streaming", False)
        raw = b"".join(response.streaming_content) if streamed else response.content
        return cls(
            response.status_code,
            response.get("Location", ""),
            raw.decode(errors="replace"),
            getattr(response, "context", None),
        )

    @property
    def goes_to_login(self) -> bool:
        return self.status in (301, 302, 303) and self.location.startswith("/akun/masuk/")


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    blob_root.mkdir(parents=True, exist_ok=True)
    with override_settings(BLOB_ROOT=blob_root), django_db_blocker.unblock(), transaction.atomic():
        yield _build_matrix()
        transaction.set_rollback(True)


def _build_matrix() -> Matrix:
    world = make_world("mx")
    datasets, newest = {}, {}
    for state in STATES:
        for classification in CLASSIFICATIONS:
            dataset = make_dataset(
                world.owner,
                title=title_for(state, classification),
                slug=f"mx-{state}-{classification}",
                state=state,
                classification=classification,
                topic=world.topic,
                regions=["51.05"],
                csv=CODE_CSV if state == "draft" else None,
                temporal_start=YEARS[state, classification],
                temporal_end=YEARS[state, classification],
            )
            if state == "published":  # a newer, unpublished version next to the public one
                upload_csv(dataset, CODE_CSV + "51.05.02,Wilayah baru,99\n")
            datasets[state, classification] = dataset
            newest_version = dataset.versions.order_by("-number")[0]
            # Submitted and verified (review workflow): what a walidata may publish.
            verify(newest_version)
            newest[state, classification] = newest_version.number
    clients = {"anonymous": Client()}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    jobs = {cell: _finished_upload_job(dataset, world) for cell, dataset in datasets.items()}
    return Matrix(world=world, datasets=datasets, newest=newest, clients=clients, jobs=jobs)


def _finished_upload_job(dataset, world) -> int:
    """The record of the produsen's upload of the newest version (what the status page shows)."""
    from satudata.warehouse.models import IngestJob

    newest_version = dataset.versions.order_by("-number")[0]
    return IngestJob.objects.create(
        dataset=dataset,
        filename="data.csv",
        status="done",
        version=newest_version,
        created_version=True,
        created_by=world.users["produsen_own"],
    ).pk


def _cells(endpoints) -> list:
    return [
        pytest.param(
            role, state, classification, endpoint, id=f"{endpoint}-{role}-{state}-{classification}"
        )
        for endpoint in endpoints
        for role in ROLES
        for state in STATES
        for classification in CLASSIFICATIONS
    ]


def _url(template: str, matrix: Matrix, state: str, classification: str) -> str:
    return template.format(
        slug=f"mx-{state}-{classification}",
        newest=matrix.newest[state, classification],
        owner=matrix.world.owner.slug,
        topic=matrix.world.topic.slug,
        year=YEARS[state, classification],
        job=matrix.jobs.get((state, classification), 0),
    )


def _assert_refused(page: Page, outcome: str, role: str, title: str, what: str) -> None:
    anonymous_ok = role == "anonymous" and page.goes_to_login
    if outcome == HIDDEN:
        assert page.status == 404 or anonymous_ok, f"{what}: expected 404, got {page.status}"
        assert title not in page.body, f"{what}: the 404 answer leaks the title"
    elif outcome == DENIED:
        refused = page.status in (403, 404) or anonymous_ok
        assert refused, f"{what}: expected 403 (or 404), got {page.status}"
    elif outcome == NOTHING:
        assert page.status == 404 or anonymous_ok, f"{what}: expected 404, got {page.status}"
    else:
        raise AssertionError(outcome)


# ---------------------------------------------------------------------------------------------
# The tests.


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(OBJECT_URLS))
def test_object_endpoint(matrix, role, state, classification, endpoint):
    outcome = expectation(role, state, classification, endpoint)
    url = _url(OBJECT_URLS[endpoint], matrix, state, classification)
    page = matrix.get(role, url)
    title = title_for(state, classification)
    what = f"{role} GET {url}"
    if outcome != OK:
        _assert_refused(page, outcome, role, title, what)
        return
    assert page.status == 200, f"{what}: expected 200, got {page.status} {page.location}"
    if endpoint in ("dataset_page", "edit_get"):
        assert title in page.body, f"{what}: the page does not show the title"
    if endpoint in ("preview", "csv_download", "newest_version_csv", "json_download"):
        for code in ("51.10", "0101", "3273180", "51.05.01.2001"):
            assert code in page.body, f"{what}: code {code} missing from the data"


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(LIST_URLS))
def test_listing(matrix, role, state, classification, endpoint):
    outcome = expectation(role, state, classification, endpoint)
    url = _url(LIST_URLS[endpoint], matrix, state, classification)
    page = matrix.get(role, url)
    what = f"{role} GET {url}"
    assert page.status == 200, f"{what}: expected 200, got {page.status}"
    title = title_for(state, classification)
    link = f'/dataset/mx-{state}-{classification}"'
    if endpoint == "year_facet":  # the year shows as text only where a facet value counts it
        title = link = f">{YEARS[state, classification]}<"
    if outcome == LISTED:
        assert title in page.body, f"{what}: should show {title!r}"
    elif outcome == ABSENT:
        assert title not in page.body, f"{what}: leaks {title!r}"
        assert link not in page.body, f"{what}: leaks a link to {link}"


# Counts: with only the six matrix datasets in the database, every number a page shows must be
# the number of those the role sees according to SEES (hidden datasets must not be counted).


def visible_cells(role: str) -> list[tuple[str, str]]:
    return [
        (state, classification)
        for state, classification in product(STATES, CLASSIFICATIONS)
        if classification[0].upper() in SEES[role][state == "published"]
    ]


def _facet(context, param: str) -> dict[str, int]:
    for block in context["facets"]:
        if block["param"] == param:
            return {value.value: value.count for value in block["values"]}
    return {}


def _count_of(objects, slug: str) -> int:
    return next(obj.dataset_count for obj in objects if obj.slug == slug)


# check -> (URL, how to read the number from the page's context, what it is)
COUNT_CHECKS = {
    "home_total": ("/", lambda m, c: c["dataset_count"]),
    "home_sector_card": (
        "/",
        lambda m, c: next((t.dataset_count for t in c["topics"] if t.pk == m.world.topic.pk), 0),
    ),
    "catalogue_total": ("/dataset", lambda m, c: c["result_count"]),
    "search_total": ("/dataset?q=zebrakuda", lambda m, c: c["result_count"]),
    "opd_facet": ("/dataset", lambda m, c: _facet(c, "opd").get(m.world.owner.slug, 0)),
    "sector_facet": ("/dataset", lambda m, c: _facet(c, "sektor").get(m.world.topic.slug, 0)),
    "region_facet": ("/dataset", lambda m, c: _facet(c, "wilayah").get("51.05", 0)),
    "opd_filter_total": ("/dataset?opd={owner}", lambda m, c: c["result_count"]),
    "organisation_list": (
        "/organization",
        lambda m, c: _count_of(c["organisations"], m.world.owner.slug),
    ),
    "organisation_page_total": ("/organization/{owner}", lambda m, c: c["result_count"]),
    "topic_list": ("/topik", lambda m, c: _count_of(c["topics"], m.world.topic.slug)),
    "topic_page_total": ("/topik/{topic}", lambda m, c: c["result_count"]),
}


@pytest.mark.parametrize("check", COUNT_CHECKS)
@pytest.mark.parametrize("role", ROLES)
def test_counts(matrix, role, check):
    template, read = COUNT_CHECKS[check]
    url = _url(template, matrix, "draft", "publik")
    page = matrix.get(role, url)
    assert page.status == 200, f"{role} GET {url}: {page.status}"
    expected = len(visible_cells(role))
    assert read(matrix, page.context) == expected, f"{role} GET {url}: {check} should be {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_year_facet_counts(matrix, role):
    page = matrix.get(role, "/dataset")
    expected = {str(YEARS[cell]): 1 for cell in visible_cells(role)}
    assert _facet(page.context, "tahun") == expected


def _edit_form(matrix: Matrix, state: str, classification: str):
    """The edit form as the walidata sees it: a complete, valid submission for any role."""
    url = _url(OBJECT_URLS["edit_get"], matrix, state, classification)
    page = matrix.get("walidata", url)
    assert page.status == 200, f"walidata cannot open {url} ({page.status})"
    return read_form(page.body, with_field="title")


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(WRITE_ENDPOINTS))
def test_write_endpoint(matrix, db, role, state, classification, endpoint):
    outcome = expectation(role, state, classification, endpoint)
    dataset = matrix.datasets[state, classification]
    slug = dataset.slug
    client = matrix.clients[role]
    title = title_for(state, classification)
    if endpoint == "edit_post":
        form = _edit_form(matrix, state, classification)
        url = f"/dataset/{slug}/ubah"
        marker = f"Diubah oleh {role}"
        data = {**form.fields, "description": marker}
        page = Page.of(client.post(url, data))
        dataset.refresh_from_db()
        changed = dataset.description == marker
    elif endpoint == "upload_post":
        url = f"/dataset/{slug}/unggah"
        before = dataset.versions.count()
        page = Page.of(client.post(url, _upload_payload(matrix, state, classification, role)))
        changed = dataset.versions.count() == before + 1
    elif endpoint == "restore_post":
        # Version 1 back as a new draft; in a draft dataset version 1 is the newest already,
        # so a permitted restore succeeds without a new version.
        url = f"/dataset/{slug}/versi/1/pulihkan"
        before = dataset.versions.count()
        page = Page.of(client.post(url))
        changed = dataset.versions.count() == before + 1
        if outcome == OK and state == "draft":
            changed = not changed
    else:
        number = matrix.newest[state, classification]
        url = f"/dataset/{slug}/versi/{number}/terbitkan"
        page = Page.of(client.post(url))
        dataset.refresh_from_db()
        current = dataset.published_version
        changed = current is not None and current.number == number
    what = f"{role} POST {url}"
    if outcome == OK:
        assert page.status in (200, 302, 303), f"{what}: expected success, got {page.status}"
        assert changed, f"{what}: answered {page.status} but nothing changed"
    else:
        _assert_refused(page, outcome, role, title, what)
        assert not changed, f"{what}: was refused ({page.status}) but the change happened"


def _upload_payload(matrix: Matrix, state: str, classification: str, role: str) -> dict:
    """The upload form as the walidata sees it, with a CSV that differs per role (a new version)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = _url(OBJECT_URLS["upload_get"], matrix, state, classification)
    page = matrix.get("walidata", url)
    assert page.status == 200, f"walidata cannot open {url} ({page.status})"
    form = read_form(page.body, with_file=True)
    content = (CODE_CSV + f"51.05.03,Diunggah oleh {role},1\n").encode()
    upload = SimpleUploadedFile("data.csv", content, content_type="text/csv")
    return {**form.fields, form.files[0]: upload}
