"""Warehouse fixtures: the shared test world, English messages, quick password hashing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from satudata.catalog import services as catalog_services
from satudata.core.permissions import SYSTEM
from tests.factories import COMPLETE_METADATA, make_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return make_world("gudang")


@pytest.fixture
def dataset(world):
    """A draft, public-classification dataset of world.owner without data (metadata complete,
    so that a walidata may publish it once verified)."""
    return catalog_services.create_dataset(
        SYSTEM,
        organisation=world.owner,
        title="Data uji gudang",
        topic=world.topic,
        regions=["51.05"],
        **COMPLETE_METADATA,
    )


@pytest.fixture
def client_for(world):
    def _client(role: str) -> Client:
        # English as chosen with the language switch (the cookie /i18n/setlang/ sets).
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return _client
