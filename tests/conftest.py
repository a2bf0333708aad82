"""Shared fixtures. Blobs go to a per-session temporary folder, never to ./satudata-data."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_blob_root(settings, tmp_path_factory):
    settings.BLOB_ROOT = tmp_path_factory.getbasetemp() / "blobs"
    settings.BLOB_ROOT.mkdir(parents=True, exist_ok=True)
