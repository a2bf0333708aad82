"""Catalogue test fixtures: a small world of agencies, users per role, topics and regions.

Organisations and users come from `tests.factories.make_world` (accounts.services); datasets are
made through `catalog.services.create_dataset` as SYSTEM, which may set `state="published"`
directly, so these tests do not depend on the warehouse's upload path.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from satudata.catalog import services
from satudata.core.permissions import SYSTEM
from tests.factories import COMPLETE_METADATA, make_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """make_world creates ten users; argon2 would make each test take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return make_world("kat")


@pytest.fixture
def make(world):
    """make(title, **metadata) → a dataset of world.owner (published publik unless told)."""

    def _make(title: str, *, organisation=None, state: str = "published", **metadata):
        values = {**COMPLETE_METADATA, "state": state, **metadata}
        return services.create_dataset(
            SYSTEM, organisation=organisation or world.owner, title=title, **values
        )

    return _make


@pytest.fixture(autouse=True)
def _empty_cache():
    """The anonymous search cache lives in process memory: no answer leaks between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages, whatever catalogue the default language has."""
    with translation.override("en"):
        yield


def english_client(user=None) -> Client:
    """A client that chose English with the language switch (the cookie /i18n/setlang/ sets)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def client_for(world):
    """client_for(role) → a logged-in client speaking English ("anonymous" for none)."""

    def _client(role: str) -> Client:
        return english_client(None if role == "anonymous" else world.users[role])

    return _client
