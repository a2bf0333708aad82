"""Workflow fixtures: the shared test world (every user with an e-mail address), a dataset with
complete metadata and a draft version, clients per role, English messages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from satudata.accounts import services as account_services
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.workflow.models import Comment, Notification, Review, Transition
from tests.factories import CODE_CSV, make_dataset, make_world

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def give_emails(world) -> None:
    """Every user of the world gets an address (through accounts.services), so e-mails go out."""
    for role, user in world.users.items():
        account_services.ensure_user(
            SYSTEM, username=user.username, password=None, email=f"{role}@example.org"
        )
        user.refresh_from_db()


@pytest.fixture
def world(db):
    world = make_world("alur")
    give_emails(world)
    return world


@pytest.fixture
def dataset(world):
    """A draft dataset of world.owner with complete metadata and one draft version (v1)."""
    return make_dataset(
        world.owner,
        title="Jumlah Posyandu Aktif",
        slug="jumlah-posyandu",
        topic=world.topic,
        regions=["51.05"],
        csv=CODE_CSV,
    )


@pytest.fixture
def version(dataset):
    return Version.objects.get(dataset=dataset, number=1)


@pytest.fixture
def client_for(world):
    def _client(role: str) -> Client:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return _client


def review_url(version, action: str = "") -> str:
    base = f"/tinjauan/{version.dataset.slug}/{version.number}"
    return f"{base}/{action}" if action else base


def token_in(html: str) -> str:
    found = TOKEN_RE.search(html)
    assert found, "the page has no form with a state token"
    return found.group(1)


def snapshot(version) -> dict:
    """What a refused action must leave untouched."""
    version.refresh_from_db()
    review = Review.objects.filter(version=version).first()
    return {
        "status": version.status,
        "revision": review.revision if review else None,
        "tier": review.tier if review else None,
        "audit": AuditEvent.objects.count(),
        "transitions": Transition.objects.count(),
        "comments": Comment.objects.count(),
        "notifications": Notification.objects.count(),
    }


def refused(response) -> bool:
    """403 or 404, or the log-in page for anonymous visitors."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"].startswith("/akun/masuk/")


@pytest.fixture
def other_kecamatan_verifier(world):
    """The verifier of Kecamatan Banjarangkan (51.05.02), next to Nusa Penida (51.05.01)."""
    from satudata.regions.models import Region
    from tests.factories import make_organisation, make_user

    region, _ = Region.objects.get_or_create(
        code="51.05.02",
        defaults={"name": "Banjarangkan", "level": "kecamatan", "depth": 3, "parent_id": "51.05"},
    )
    org = make_organisation("alur-kec-lain", "Kecamatan Lain", kind="kecamatan", region=region)
    return make_user("alur_verifikator_lain", memberships=[(org, "verifikator_kecamatan")])
