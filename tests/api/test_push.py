"""Push ingest: POST /api/v1/<sektor>/<slug> with a write key makes a new draft version through
the upload's ingest and validation; every refusal stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from satudata.accounts import services
from satudata.accounts.models import ApiToken
from satudata.api.models import IdempotencyRecord
from satudata.core.errors import ValidationFailed
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from tests.factories import CODE_CSV, ROLES, make_dataset, make_world

pytestmark = pytest.mark.django_db

NEW_ROWS = [
    {"kode_wilayah": "51.05.01", "nama_wilayah": "Nusa Penida", "jumlah": 77},
    {"kode_wilayah": "51.05.02", "nama_wilayah": "Banjarangkan", "jumlah": 12},
]


@pytest.fixture
def world():
    return make_world("push")


@pytest.fixture
def dataset(world):
    return make_dataset(
        world.owner, title="Jumlah balita gizi buruk", state="published", topic=world.topic
    )


def key_for(user, *, scope="write", organisations=()):
    return services.create_api_token(user, name="uji", scope=scope, organisations=organisations)[1]


def url(dataset, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/{dataset.topic.slug}/{dataset.slug}" + (f"?{query}" if query else "")


def post_json(client, target, body, key=None, **headers):
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(target, data=data, content_type="application/json", **headers)


def versions(dataset) -> list[int]:
    return list(Version.objects.filter(dataset=dataset).values_list("number", flat=True))


def test_append_makes_a_new_draft_with_old_and_new_rows(client, world, dataset):
    key = key_for(world.users["produsen_own"])
    response = post_json(client, url(dataset, mode="append"), {"rows": NEW_ROWS}, key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["status"] == "draft"
    assert body["rows_pushed"] == 2
    assert body["rows"] == 4 + 2
    assert "stats" in body["report"]
    version = Version.objects.get(dataset=dataset, number=body["version"])
    assert version.status == "draft"
    assert version.row_count == 6
    # The schema is the previous version's: codes stay text, 51.10 is not 51.1.
    first = Version.objects.get(dataset=dataset, number=1)
    assert version.table_schema["fields"] == first.table_schema["fields"]
    dataset.refresh_from_db()
    assert dataset.published_version.number == 1  # nothing published by a push


def test_replace_with_csv_makes_the_rows_the_whole_table(client, world, dataset):
    key = key_for(world.users["produsen_own"])
    csv_body = "kode_wilayah;nama_wilayah;jumlah\n51.05.01;Nusa Penida;5\n"
    response = client.post(
        url(dataset, mode="replace", message="Kiriman SIMPUS"),
        data=csv_body,
        content_type="text/csv",
        HTTP_X_API_KEY=key,
    )
    assert response.status_code == 201, response.content
    version = Version.objects.get(dataset=dataset, number=response.json()["version"])
    assert version.row_count == 1
    assert version.message == "Kiriman SIMPUS"


def test_a_row_that_breaks_the_schema_is_reported_not_hidden(client, world, dataset):
    key = key_for(world.users["produsen_own"])
    rows = [{"kode_wilayah": "51.05.01", "nama_wilayah": "X", "jumlah": "banyak sekali"}]
    response = post_json(client, url(dataset), rows, key)
    assert response.status_code == 201
    body = response.json()
    assert body["valid"] is False
    assert body["report"]["stats"]["errors"] >= 1


def test_idempotency_key_replays_the_answer_and_refuses_another_body(client, world, dataset):
    key = key_for(world.users["produsen_own"])
    target = url(dataset)
    first = post_json(client, target, NEW_ROWS, key, HTTP_IDEMPOTENCY_KEY="kirim-2024-01")
    assert first.status_code == 201
    count = len(versions(dataset))
    again = post_json(client, target, NEW_ROWS, key, HTTP_IDEMPOTENCY_KEY="kirim-2024-01")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(versions(dataset)) == count
    other = post_json(client, target, NEW_ROWS[:1], key, HTTP_IDEMPOTENCY_KEY="kirim-2024-01")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency-key-reused"
    assert len(versions(dataset)) == count
    # Another mode with the same key is another request too.
    replace = post_json(
        client, url(dataset, mode="replace"), NEW_ROWS, key, HTTP_IDEMPOTENCY_KEY="kirim-2024-01"
    )
    assert replace.status_code == 422
    assert len(versions(dataset)) == count


def test_a_refusal_under_an_idempotency_key_is_replayed_too(client, world, dataset):
    key = key_for(world.users["produsen_own"])
    bad = [{"kolom_asing": 1}]
    first = post_json(client, url(dataset), bad, key, HTTP_IDEMPOTENCY_KEY="k1")
    again = post_json(client, url(dataset), bad, key, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json()


def test_a_key_of_agency_a_never_pushes_to_agency_b(client, world, dataset):
    other_key = key_for(world.users["produsen_other"])
    before = versions(dataset)
    response = post_json(client, url(dataset), NEW_ROWS, other_key)
    assert response.status_code == 403
    assert response.json()["code"] == "organisation-not-allowed"
    # A private draft of agency A is not even acknowledged to exist.
    hidden = make_dataset(world.owner, title="Data rahasia", topic=world.topic)
    response = post_json(client, url(hidden), NEW_ROWS, other_key)
    assert response.status_code == 404
    assert versions(dataset) == before
    assert not Version.objects.filter(dataset=hidden).exists()


def test_a_producer_of_both_agencies_is_held_to_the_keys_organisations(client, world, dataset):
    person = world.users["produsen_other"]
    services.ensure_membership(SYSTEM, person, world.owner, "produsen")
    only_other = key_for(person, organisations=[world.other])
    response = post_json(client, url(dataset), NEW_ROWS, only_other)
    assert response.status_code in (403, 404)
    assert versions(dataset) == [1]
    both = key_for(person)
    assert post_json(client, url(dataset), NEW_ROWS, both).status_code == 201


@pytest.mark.parametrize(
    "credential, status, code",
    [
        ("none", 401, "unauthenticated"),
        ("session", 401, "unauthenticated"),
        ("read", 403, "api-key-read-only"),
        ("expired", 401, "api-key-expired"),
        ("revoked", 401, "api-key-revoked"),
    ],
)
def test_push_needs_a_live_write_key(client, world, dataset, credential, status, code):
    producer = world.users["produsen_own"]
    headers = {}
    if credential == "session":
        client.force_login(producer)
    elif credential != "none":
        token, key = services.create_api_token(
            producer, name="uji", scope="read" if credential == "read" else "write"
        )
        if credential == "expired":
            ApiToken.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
        if credential == "revoked":
            services.revoke_api_token(producer, token)
        headers["HTTP_X_API_KEY"] = key
    response = post_json(client, url(dataset), NEW_ROWS, **headers)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert versions(dataset) == [1]


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        (b'[{"kode_wilayah": "51.05.01",', "application/json", 400, "invalid-json"),
        (b"[]", "application/json", 400, "no-rows"),
        (b'{"rows": [], "hapus": true}', "application/json", 422, "unknown-fields"),
        (b'[{"kolom_baru": 1}]', "application/json", 422, "unknown-fields"),
        (b'[{"jumlah": {"nested": 1}}]', "application/json", 422, "nested-value"),
        (b'[{"jumlah": NaN}]', "application/json", 400, "invalid-json"),
        (b'["not an object"]', "application/json", 422, "not-an-object"),
        (b'{"rows": {"a": 1}}', "application/json", 422, "not-a-list"),
        (b'[{"jumlah\'; DROP TABLE x;--": 1}]', "application/json", 422, "unknown-fields"),
        (b"\xff\xfe\x00a", "application/json", 400, "invalid-encoding"),
        (b"<rows/>", "application/xml", 415, "unsupported-media-type"),
        (b"kode=1", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        (b"a,b\n1,2,3\n", "text/csv", 400, "invalid-csv"),
        (b"x", "application/json; charset=latin-1", 415, "unsupported-media-type"),
    ],
)
def test_bad_bodies_get_a_clear_4xx_and_store_nothing(
    client, world, dataset, body, content_type, status, code
):
    key = key_for(world.users["produsen_own"])
    response = client.post(url(dataset), data=body, content_type=content_type, HTTP_X_API_KEY=key)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert versions(dataset) == [1]


def test_unknown_parameters_and_modes_are_refused(client, world, dataset):
    key = key_for(world.users["produsen_own"])
    response = post_json(client, url(dataset, mode="merge"), NEW_ROWS, key)
    assert (response.status_code, response.json()["code"]) == (422, "invalid-mode")
    response = post_json(client, url(dataset, hapus_semua="1"), NEW_ROWS, key)
    assert (response.status_code, response.json()["code"]) == (422, "unknown-parameters")
    response = post_json(client, url(dataset), NEW_ROWS, key, HTTP_IDEMPOTENCY_KEY="a b")
    assert (response.status_code, response.json()["code"]) == (400, "invalid-idempotency-key")
    assert versions(dataset) == [1]
    assert not IdempotencyRecord.objects.exists()


def test_a_huge_body_is_refused_before_it_is_stored(client, world, dataset, settings):
    settings.SATUDATA_API_PUSH_MAX_MB = 1
    key = key_for(world.users["produsen_own"])
    row = {"kode_wilayah": "51.05.01", "nama_wilayah": "x" * 1000, "jumlah": 1}
    body = json.dumps([row] * 1100)  # about 1.1 MB
    response = post_json(client, url(dataset), body, key)
    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"
    # A declared length over the limit is refused without reading the body.
    response = post_json(client, url(dataset), "[]", key, CONTENT_LENGTH=str(10**12))
    assert response.status_code == 413
    assert versions(dataset) == [1]


def test_push_operation_is_documented_in_openapi(client):
    document = client.get("/api/v1/openapi.json").json()
    post = document["paths"]["/api/v1/{sektor}/{slug}"]["post"]
    assert "application/json" in post["requestBody"]["content"]
    assert "text/csv" in post["requestBody"]["content"]
    assert {"201", "401", "403", "413", "415", "422"} <= set(post["responses"])


WRITERS = {"produsen_own", "walidata", "admin", "superuser"}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize("state", ["draft", "published"])
def test_push_permission_matrix(client, world, role, state):
    """Every role and dataset state: only the owning agency's producer, the walidata and admins
    create a version; everyone else is refused (403, or 404 when they cannot see the dataset)
    and nothing is stored."""
    dataset = make_dataset(
        world.owner,
        title=f"Matriks {role} {state}",
        state=state,
        topic=world.topic,
        csv=None if state == "published" else CODE_CSV,
    )
    user = world.users[role]
    try:
        _, key = services.create_api_token(user, name="matriks", scope="write")
    except ValidationFailed:
        assert role not in WRITERS
        _, key = services.create_api_token(user, name="matriks", scope="read")
    before = versions(dataset)
    response = post_json(client, url(dataset), NEW_ROWS, key)
    if role in WRITERS:
        assert response.status_code == 201, (role, response.content)
        assert len(versions(dataset)) == len(before) + 1
    else:
        assert response.status_code in (403, 404), (role, response.status_code)
        assert versions(dataset) == before


def test_push_needs_no_csrf_token_but_a_key(world, dataset):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    key = key_for(world.users["produsen_own"])
    assert post_json(strict, url(dataset), NEW_ROWS, key).status_code == 201
    # A logged-in browser session (cookie) cannot push: the key is the only credential.
    strict.force_login(world.users["produsen_own"])
    assert post_json(strict, url(dataset), NEW_ROWS).status_code == 401


def test_pushes_to_one_dataset_run_one_at_a_time(client, world, dataset):
    from satudata.api.models import PushLock

    key = key_for(world.users["produsen_own"])
    lock = PushLock.objects.create(dataset_id=dataset.pk)  # another push is running
    response = post_json(client, url(dataset), NEW_ROWS, key, HTTP_IDEMPOTENCY_KEY="antri")
    assert (response.status_code, response.json()["code"]) == (409, "push-in-progress")
    assert versions(dataset) == [1]
    # Not remembered as the answer: the same request goes through once the lock is free.
    lock.delete()
    retry = post_json(client, url(dataset), NEW_ROWS, key, HTTP_IDEMPOTENCY_KEY="antri")
    assert retry.status_code == 201
    assert not PushLock.objects.exists()
    # A lock left by a dead process is taken over after its timeout.
    stale = PushLock.objects.create(dataset_id=dataset.pk)
    PushLock.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert post_json(client, url(dataset), NEW_ROWS[:1], key).status_code == 201
