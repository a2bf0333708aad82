"""Shared fixtures. Blobs go to a per-session temporary folder, never to ./satudata-data."""

from __future__ import annotations

import pytest

FAST_TEST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


def pytest_configure(config):
    # Production hashes with Argon2 (about 0.1 s and 100 MB per password, on purpose); the suite
    # creates and logs in thousands of users, so it hashes with MD5. The one test that checks
    # the production hasher switches Argon2 back on (tests/accounts/test_services.py).
    from django.conf import settings

    settings.PASSWORD_HASHERS = [FAST_TEST_HASHER]


@pytest.fixture(autouse=True)
def _isolated_blob_root(settings, tmp_path_factory):
    settings.BLOB_ROOT = tmp_path_factory.getbasetemp() / "blobs"
    settings.BLOB_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def english(settings):
    """The portal in English for tests that read the English source texts (the UI speaks
    Indonesian unless the visitor switched; those tests check the Indonesian catalogue).
    Use with `pytestmark = pytest.mark.usefixtures("english")`."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
