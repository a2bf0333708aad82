"""API keys at the gateway: Bearer and X-API-Key, and what a broken key gets (401, clear code).

Scoping a key to organisations narrows what its user sees through the permission layer.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from satudata.accounts import services
from satudata.accounts.models import ApiToken
from satudata.api.auth import api_user, hash_key, require_write
from satudata.catalog.models import Dataset
from satudata.core.errors import PermissionDenied
from tests.factories import make_dataset, make_world

pytestmark = pytest.mark.django_db

PROBE = "/api/3/action/status_show"


def make_key(user, *, scope="read", organisations=(), expires_at=None, name="Uji"):
    token, key = services.create_api_token(
        user, name=name, scope=scope, organisations=organisations, expires_at=expires_at
    )
    return token, key


@pytest.fixture
def world():
    return make_world("key")


def test_a_key_is_stored_only_as_its_hash(world):
    token, key = make_key(world.users["produsen_own"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith(stored.prefix)
    assert stored.token_hash == hash_key(key)
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().first())


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_valid_key_is_accepted_in_either_header(client, world, header):
    token, key = make_key(world.users["produsen_own"])
    headers = (
        {"HTTP_AUTHORIZATION": f"Bearer {key}"} if header == "bearer" else {"HTTP_X_API_KEY": key}
    )
    response = client.get(PROBE, **headers)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "case, code",
    [
        ("unknown", "invalid-api-key"),
        ("garbage", "invalid-api-key"),
        ("expired", "api-key-expired"),
        ("revoked", "api-key-revoked"),
    ],
)
def test_a_bad_key_gets_401_with_a_clear_code(client, world, case, code):
    user = world.users["produsen_own"]
    if case == "unknown":
        key = "sdk_" + "A" * 43
    elif case == "garbage":
        key = "' OR 1=1 --" + "x" * 500
    elif case == "expired":
        token, key = make_key(user, expires_at=timezone.now() + timedelta(seconds=1))
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        token, key = make_key(user)
        services.revoke_api_token(user, token)
    response = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == code
    assert body["message"]


def test_anonymous_reads_need_no_key(client):
    assert client.get(PROBE).status_code == 200


def test_a_key_limited_to_one_organisation_sees_only_that_ones_drafts(rf, world):
    owner_draft = make_dataset(world.owner, title="Draf Dinkes")
    other_draft = make_dataset(world.other, title="Draf Dispar")
    # A person who produces for both agencies.
    person = world.users["produsen_own"]
    services.ensure_membership(services_system(), person, world.other, "produsen")
    _, key = make_key(person, organisations=[world.owner])
    request = rf.get("/api/v1/", HTTP_X_API_KEY=key)
    user = api_user(request)
    visible = set(Dataset.objects.visible_to(user).values_list("pk", flat=True))
    assert owner_draft.pk in visible
    assert other_draft.pk not in visible
    # The same person without a key (session) still sees both.
    person.__dict__.pop("_satudata_actor", None)
    both = set(Dataset.objects.visible_to(person).values_list("pk", flat=True))
    assert {owner_draft.pk, other_draft.pk} <= both


def test_require_write_refuses_read_keys_and_other_agencies(rf, world):
    producer = world.users["produsen_own"]
    _, read_key = make_key(producer, scope="read")
    _, write_key = make_key(producer, scope="write")
    with pytest.raises(PermissionDenied) as refused:
        require_write(rf.post("/api/v1/x", HTTP_X_API_KEY=read_key), world.owner)
    assert refused.value.code == "api-key-read-only"
    require_write(rf.post("/api/v1/x", HTTP_X_API_KEY=write_key), world.owner)
    with pytest.raises(PermissionDenied) as refused:
        require_write(rf.post("/api/v1/x", HTTP_X_API_KEY=write_key), world.other)
    assert refused.value.code == "organisation-not-allowed"


def services_system():
    from satudata.core.permissions import SYSTEM

    return SYSTEM
