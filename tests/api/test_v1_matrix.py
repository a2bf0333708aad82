"""API v1 in the permission matrix (DESIGN §6): every role x dataset state x classification for
the API's dataset endpoints, with the hand-written expectations of tests/test_permission_matrix.py
(read there, not recomputed from the permission layer under test).

Endpoints and the matrix column they follow:
  dataset metadata                          like the dataset page (OK / HIDDEN)
  rows of the current public version,
  and the sector path                       like the current-version downloads
  rows, schema, report of the newest
  (never published) version                 like the newest-version pages
  search and the year filter                LISTED / ABSENT
"""

from __future__ import annotations

from itertools import product

import pytest
from django.test import Client

from tests.factories import (
    CLASSIFICATIONS,
    CODE_CSV,
    ROLES,
    STATES,
    make_dataset,
    make_world,
    upload_csv,
)
from tests.test_permission_matrix import (
    ABSENT,
    HIDDEN,
    LISTED,
    NOTHING,
    OK,
    expectation,
)

ENDPOINTS = {
    "dataset_page": "/api/v1/datasets/{slug}",
    "csv_download": "/api/v1/datasets/{slug}/rows",
    "json_download": "/api/v1/{topic}/{slug}",
    "newest_data_view": "/api/v1/datasets/{slug}/versions/{newest}/rows",
    "newest_schema_json": "/api/v1/datasets/{slug}/versions/{newest}/schema",
    "newest_report": "/api/v1/datasets/{slug}/versions/{newest}/report",
}
LISTS = {
    "search": "/api/v1/datasets?q=zebrakuda&page_size=100",
    "year_filter": "/api/v1/datasets?year={year}",
}
YEARS = {cell: 1961 + index for index, cell in enumerate(product(STATES, CLASSIFICATIONS))}


@pytest.fixture
def matrix(db):
    world = make_world("apimx")
    datasets, newest = {}, {}
    for state, classification in product(STATES, CLASSIFICATIONS):
        year = YEARS[(state, classification)]
        dataset = make_dataset(
            world.owner,
            title=f"Zebrakuda {state} {classification} api",
            slug=f"zebrakuda-{state}-{classification}",
            state=state,
            classification=classification,
            topic=world.topic,
            csv=CODE_CSV,
            temporal_start=year,
            temporal_end=year,
        )
        if state == "published":
            upload_csv(dataset, CODE_CSV + "51.05.01,Baru,99\n")  # v2, never published
        datasets[(state, classification)] = dataset
        newest[(state, classification)] = 2 if state == "published" else 1
    clients = {"anonymous": Client()}
    for role in ROLES[1:]:
        clients[role] = Client()
        clients[role].force_login(world.users[role])
    return world, datasets, newest, clients


def test_api_v1_follows_the_permission_matrix(matrix):
    world, datasets, newest, clients = matrix
    wrong = []
    for role in ROLES:
        client = clients[role]
        for (state, classification), dataset in datasets.items():
            for endpoint, pattern in ENDPOINTS.items():
                url = pattern.format(
                    slug=dataset.slug,
                    topic=world.topic.slug,
                    newest=newest[(state, classification)],
                )
                expected = expectation(role, state, classification, endpoint)
                response = client.get(url)
                got = {200: OK, 404: HIDDEN}.get(response.status_code, str(response.status_code))
                if expected == NOTHING:
                    expected = HIDDEN  # the API answers 404 for both, with nothing in it
                if got != expected:
                    wrong.append((role, state, classification, endpoint, expected, got))
                if got == HIDDEN:
                    assert dataset.title.encode() not in response.content
            for name, pattern in LISTS.items():
                url = pattern.format(year=YEARS[(state, classification)])
                expected = expectation(role, state, classification, name)
                slugs = {d["slug"] for d in client.get(url).json()["results"]}
                got = LISTED if dataset.slug in slugs else ABSENT
                if got != expected:
                    wrong.append((role, state, classification, name, expected, got))
    assert not wrong, "\n".join(map(str, wrong))
