"""The review workflow through API v1 with API keys: submit → return with a cell comment →
resubmit → verify → publish, each by the right role's write key; every other role's key is
refused at each step (403, or 404 for what it may not see) and nothing changes; a read-only key,
a stale token, an out-of-order action and a session without a key are refused too."""

from __future__ import annotations

import pytest
from django.test import Client

from satudata.accounts.models import TokenScope
from satudata.accounts.services import create_api_token
from satudata.workflow.models import Comment
from tests.workflow.conftest import snapshot

ROLES = [
    "user",
    "produsen_own",
    "produsen_other",
    "walidata",
    "pembina",
    "pimpinan",
    "operator_desa",
    "verifikator_kecamatan",
    "admin",
]


@pytest.fixture
def keys(world):
    """A write key per role (a read key where the role may not hold a write key)."""
    from satudata.core.errors import SatuDataError

    found = {}
    for role in ROLES:
        user = world.users[role]
        try:
            _token, key = create_api_token(user, name=f"uji {role}", scope=TokenScope.WRITE)
        except SatuDataError:
            _token, key = create_api_token(user, name=f"uji {role}", scope=TokenScope.READ)
        found[role] = key
    return found


def url(version, action: str = "") -> str:
    base = f"/api/v1/reviews/{version.dataset.slug}/{version.number}"
    return f"{base}/{action}" if action else base


def call(key: str, version, action: str = "", body: dict | None = None):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if not action:
        return client.get(url(version), **headers)
    return client.post(url(version, action), body or {}, content_type="application/json", **headers)


def token_of(key: str, version) -> str:
    response = call(key, version)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def everyone_else_refused(keys, version, action: str, allowed: set[str], body: dict) -> None:
    token = token_of(keys["walidata"], version)
    before = snapshot(version)
    for role in ROLES:
        if role in allowed:
            continue
        response = call(keys[role], version, action, {"token": token, **body})
        assert response.status_code in (403, 404), (role, action, response.status_code)
        assert set(response.json()) == {"code", "message", "details"}
        assert snapshot(version) == before, (role, action)


def act(key: str, version, action: str, body: dict | None = None):
    response = call(key, version, action, {"token": token_of(key, version), **(body or {})})
    version.refresh_from_db()
    return response


def test_the_review_flow_through_the_api(world, version, keys):
    everyone_else_refused(keys, version, "submit", {"produsen_own"}, {})
    response = act(keys["produsen_own"], version, "submit", {"note": "Lengkap."})
    assert response.status_code == 200 and response.json()["status"] == "diajukan"
    assert version.status == "diajukan"

    cell = {"note": "Baris 2 perlu dicek.", "target": "cell", "column": "jumlah", "row": 2}
    everyone_else_refused(keys, version, "return", {"walidata", "admin"}, cell)
    response = act(keys["walidata"], version, "return", cell)
    assert response.status_code == 200 and version.status == "dikembalikan"
    pinned = Comment.objects.get(version=version, target="cell")
    assert (pinned.row, pinned.column, pinned.cell_value) == (2, "jumlah", "20")

    assert act(keys["produsen_own"], version, "submit").status_code == 200
    everyone_else_refused(keys, version, "verify", {"walidata", "admin"}, {})
    assert act(keys["walidata"], version, "verify").json()["status"] == "diverifikasi"

    everyone_else_refused(keys, version, "publish", {"walidata", "admin"}, {})
    response = act(keys["walidata"], version, "publish")
    assert response.status_code == 200 and version.status == "terbit"
    assert response.json()["actions"] == ["withdraw"]


def test_bad_api_requests_change_nothing(world, version, keys):
    _t, read_key = create_api_token(world.users["produsen_own"], name="baca")
    before = snapshot(version)
    # A session is not enough to write (no cross-site form can make a browser act).
    session = Client()
    session.force_login(world.users["produsen_own"])
    token = token_of(keys["produsen_own"], version)
    response = session.post(url(version, "submit"), {"token": token}, "application/json")
    assert response.status_code == 401
    # A read-only key, an unknown action, a stale token, an out-of-order action.
    assert call(read_key, version, "submit", {"token": token}).status_code == 403
    assert call(keys["produsen_own"], version, "hapus", {"token": token}).status_code == 422
    stale = call(keys["produsen_own"], version, "submit", {"token": token + "0"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale-state"
    early = call(keys["walidata"], version, "publish", {"token": token})
    assert early.status_code in (400, 409)
    assert snapshot(version) == before
    # Anonymous: the review is not found.
    assert Client().get(url(version)).status_code == 404
