"""API keys in the user's profile: created (shown once), listed by prefix, revoked; audited."""

from __future__ import annotations

import re

import pytest

from satudata.accounts import services
from satudata.accounts.models import ApiToken
from satudata.core.errors import PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from tests.factories import make_world

pytestmark = pytest.mark.django_db

KEYS = "/akun/kunci-api/"
KEY_RE = re.compile(r'value="(sdk_[A-Za-z0-9_-]{43})"')


@pytest.fixture
def world():
    return make_world("tok")


def test_a_new_key_is_shown_once_then_only_its_prefix(client, world):
    producer = world.users["produsen_own"]
    client.force_login(producer)
    response = client.post(
        KEYS,
        {
            "name": "SIMPUS sync",
            "scope": "write",
            "organisations": [str(world.owner.pk)],
            "expires_in_days": "90",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = KEY_RE.search(html).group(1)
    token = ApiToken.objects.get(user=producer)
    assert token.scope == "write"
    assert list(token.organisations.all()) == [world.owner]
    assert token.expires_at is not None
    listing = client.get(KEYS).content.decode()
    assert token.prefix in listing
    assert key not in listing
    event = AuditEvent.objects.filter(action="api_token.create").latest("id")
    assert event.changes["prefix"] == token.prefix
    assert key not in str(event.changes)


def test_the_key_works_and_stops_working_once_revoked(client, world):
    producer = world.users["produsen_own"]
    client.force_login(producer)
    html = client.post(KEYS, {"name": "uji", "scope": "read", "expires_in_days": ""}).content
    key = KEY_RE.search(html.decode()).group(1)
    token = ApiToken.objects.get(user=producer)
    assert token.expires_at is None
    api = "/api/3/action/status_show"
    assert client.get(api, HTTP_X_API_KEY=key).status_code == 200
    response = client.post(f"{KEYS}{token.pk}/cabut/", follow=True)
    assert "revoked" in response.content.decode() or "dicabut" in response.content.decode()
    assert client.get(api, HTTP_X_API_KEY=key).json()["code"] == "api-key-revoked"
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()


def test_nobody_revokes_someone_elses_key_from_the_page(client, world):
    token, _ = services.create_api_token(world.users["produsen_own"], name="milik orang")
    client.force_login(world.users["produsen_other"])
    assert client.post(f"{KEYS}{token.pk}/cabut/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(world.users["produsen_other"], token)
    # An administrator may revoke it (e.g. a leaked key).
    services.revoke_api_token(world.users["admin"], token)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_key_cannot_cover_an_organisation_the_user_is_not_in(world):
    with pytest.raises(ValidationFailed) as refused:
        services.create_api_token(
            world.users["produsen_own"], name="x", organisations=[world.other]
        )
    assert refused.value.code == "organisation-not-allowed"
    assert not ApiToken.objects.exists()


def test_a_write_key_needs_a_role_that_may_write(client, world):
    with pytest.raises(ValidationFailed) as refused:
        services.create_api_token(world.users["pembina"], name="x", scope="write")
    assert refused.value.code == "write-scope-not-allowed"
    client.force_login(world.users["pembina"])
    response = client.post(KEYS, {"name": "x", "scope": "write", "expires_in_days": "30"})
    assert "notice-error" in response.content.decode()
    assert not ApiToken.objects.exists()
    # A read key is fine for the pembina.
    services.create_api_token(world.users["pembina"], name="baca", scope="read")


def test_the_keys_page_needs_a_log_in(client):
    response = client.get(KEYS)
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"]


def test_an_administrator_revokes_a_key_in_the_admin(client, world):
    token, key = services.create_api_token(world.users["produsen_own"], name="bocor")
    superuser = world.users["superuser"]
    superuser.is_staff = True
    superuser.save()
    client.force_login(superuser)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert token.prefix in listing.content.decode()
    assert key not in listing.content.decode()
    client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).exists()
