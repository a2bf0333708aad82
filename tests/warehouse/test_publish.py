"""Publishing moves the dataset's public pointer: walidata/admin only, audited, idempotent."""

from __future__ import annotations

import pytest

from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.warehouse.services import ingest_upload, publish_version
from tests.factories import CODE_CSV, verify


@pytest.fixture
def draft(dataset):
    return ingest_upload(SYSTEM, dataset, filename="a.csv", data=CODE_CSV.encode()).version


@pytest.mark.parametrize("role", ["walidata", "admin"])
def test_walidata_publishes(draft, world, role):
    verify(draft)  # a walidata publishes verified versions (review workflow, issue 5)
    published = publish_version(world.users[role], draft)
    dataset = Dataset.objects.get(pk=draft.dataset_id)
    assert published.status == "terbit" and published.published_at is not None
    assert dataset.published_version_id == draft.pk
    assert dataset.state == "published" and dataset.published_at is not None
    event = AuditEvent.objects.filter(action="version.publish").latest("pk")
    assert event.actor_id == world.users[role].pk
    assert event.changes == {"published_version": [None, 1], "state": ["draft", "published"]}
    # Publishing the public version again changes nothing.
    count = AuditEvent.objects.count()
    publish_version(world.users[role], draft)
    assert AuditEvent.objects.count() == count


@pytest.mark.parametrize("role", ["produsen_own", "pembina", "pimpinan"])
def test_others_may_not_publish(draft, world, role):
    with pytest.raises(PermissionDenied):
        publish_version(world.users[role], draft)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert Dataset.objects.get(pk=draft.dataset_id).published_version_id is None


@pytest.mark.parametrize("role", ["produsen_other", "user", "operator_desa"])
def test_hidden_draft_is_not_found(draft, world, role):
    with pytest.raises(NotFound):
        publish_version(world.users[role], draft)


def test_new_upload_never_touches_the_published_version(draft, world, dataset):
    publish_version(world.users["walidata"], verify(draft))
    second = ingest_upload(SYSTEM, dataset, filename="b.csv", data=b"kode\n0101\n").version
    draft.refresh_from_db()
    dataset.refresh_from_db()
    assert second.status == "draft" and second.number == 2
    assert dataset.published_version_id == draft.pk and draft.status == "terbit"
    publish_version(world.users["walidata"], verify(second))
    dataset.refresh_from_db()
    assert dataset.published_version_id == second.pk
    event = AuditEvent.objects.filter(action="version.publish").latest("pk")
    assert event.changes["published_version"] == [1, 2]


def test_version_with_errors_cannot_be_published(draft, world):
    Version.objects.filter(pk=draft.pk).update(error_count=2)
    draft.refresh_from_db()
    with pytest.raises(ValidationFailed):
        publish_version(world.users["walidata"], draft)
