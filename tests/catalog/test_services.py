"""catalog.services: permissions, validation, audit events, the search index refresh."""

from __future__ import annotations

import pytest

from satudata.catalog import services
from satudata.catalog.models import Dataset, Tag, Topic
from satudata.core.audit import verify_chain
from satudata.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def snapshot() -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        list(Dataset.objects.order_by("pk").values()),
        list(Dataset.regions.through.objects.order_by("pk").values()),
        list(Dataset.tags.through.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


# --- create ---------------------------------------------------------------------------------------


def test_produsen_creates_for_own_organisation_with_slug_tags_regions_and_audit(world):
    user = world.users["produsen_own"]
    dataset = services.create_dataset(
        user,
        organisation=world.owner,
        title="  Jumlah Penduduk   per Kecamatan ",
        description="Data kependudukan",
        topic=world.topic.slug,
        tags=["Penduduk", "penduduk ", "Demografi"],
        regions=["51.05", "51.05.01"],
        temporal_start=2020,
        temporal_end=2023,
    )
    assert dataset.slug == "jumlah-penduduk-per-kecamatan"
    assert dataset.title == "Jumlah Penduduk per Kecamatan"
    assert dataset.created_by == user
    assert dataset.state == "draft"
    assert dataset.topic == world.topic
    assert sorted(t.name for t in dataset.tags.all()) == ["Demografi", "Penduduk"]
    assert sorted(r.code for r in dataset.regions.all()) == ["51.05", "51.05.01"]
    assert 0 < dataset.completeness < 100
    assert " duduk " in dataset.search_text  # the stem of "kependudukan"/"penduduk"
    [event] = events("dataset.create")
    assert event.object_id == str(dataset.pk)
    assert event.actor_id == user.pk
    assert event.organisation_id == world.owner.pk
    assert event.changes["title"] == {"before": None, "after": "Jumlah Penduduk per Kecamatan"}
    assert event.changes["regions"]["after"] == ["51.05", "51.05.01"]
    assert verify_chain().ok


@pytest.mark.parametrize("role", ["produsen_other", "pembina", "pimpinan", "user", "operator_desa"])
def test_creating_for_an_organisation_one_does_not_produce_for_is_refused(world, role):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.create_dataset(world.users[role], organisation=world.owner, title="Tidak Boleh")
    assert snapshot() == before


def test_anonymous_cannot_create(world):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.create_dataset(AnonymousUser(), organisation=world.owner, title="X")
    assert not Dataset.objects.exists()


@pytest.mark.parametrize("role", ["walidata", "admin"])
def test_walidata_and_admin_create_for_any_organisation(world, role):
    dataset = services.create_dataset(world.users[role], organisation=world.other, title="Wisata")
    assert dataset.organisation == world.other


def test_slug_from_title_is_made_unique_but_a_given_duplicate_slug_is_a_conflict(world):
    first = services.create_dataset(SYSTEM, organisation=world.owner, title="Data Gizi")
    second = services.create_dataset(SYSTEM, organisation=world.owner, title="Data Gizi")
    assert (first.slug, second.slug) == ("data-gizi", "data-gizi-2")
    before = snapshot()
    with pytest.raises(Conflict, match="data-gizi") as error:
        services.create_dataset(SYSTEM, organisation=world.owner, title="Lain", slug="data-gizi")
    assert error.value.details["field"] == "slug"
    assert snapshot() == before


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"title": "   "}, "title"),
        ({"title": "X", "slug": "bukan slug!"}, "slug"),
        ({"title": "X", "slug": "baru"}, "slug"),
        ({"title": "X", "regions": ["99.99"]}, "regions"),
        ({"title": "X", "regions": "51.05, 5105x"}, "regions"),
        ({"title": "X", "topic": "tidak-ada"}, "topic"),
        ({"title": "X", "frequency": "kadang-kadang"}, "frequency"),
        ({"title": "X", "contact_email": "bukan-email"}, "contact_email"),
        ({"title": "X", "temporal_start": 2024, "temporal_end": 2020}, "temporal_end"),
        ({"title": "X", "temporal_start": 20}, "temporal_start"),
        ({"title": "X", "ms_ind": {"warna": "merah"}}, "MS-IND"),
        ({"title": "X", "tags": ["x" * 61]}, "tags"),
        ({"title": "X", "colour": "red"}, None),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_field_and_nothing_stored(
    world, kwargs, field
):
    before = snapshot()
    with pytest.raises(ValidationFailed) as error:
        services.create_dataset(SYSTEM, organisation=world.owner, **kwargs)
    assert error.value.message
    if field:
        assert error.value.details.get("field") == field
    assert snapshot() == before
    assert not Tag.objects.filter(name="x" * 61).exists()


def test_only_walidata_may_set_the_state(world):
    with pytest.raises(PermissionDenied):
        services.create_dataset(
            world.users["produsen_own"], organisation=world.owner, title="X", state="published"
        )
    dataset = services.create_dataset(
        world.users["walidata"], organisation=world.owner, title="X", state="published"
    )
    assert dataset.state == "published"


def test_derived_fields_cannot_be_set_by_callers(world):
    with pytest.raises(ValidationFailed, match="completeness"):
        services.create_dataset(SYSTEM, organisation=world.owner, title="X", completeness=100)


# --- update ---------------------------------------------------------------------------------------


def test_update_records_only_changed_fields_before_and_after(world, make):
    dataset = make("Angka Kelahiran", tags=["lahir"], regions=["51.05"])
    user = world.users["produsen_own"]
    updated = services.update_dataset(
        user,
        dataset,
        description="Baru",
        tags=["lahir", "bayi"],
        regions=["51.05"],  # unchanged
        unit=dataset.unit,  # unchanged
    )
    assert updated.description == "Baru"
    [event] = events("dataset.update")
    assert event.actor_id == user.pk
    assert set(event.changes) == {"description", "tags"}
    assert event.changes["tags"] == {"before": ["lahir"], "after": ["bayi", "lahir"]}
    assert event.changes["description"]["after"] == "Baru"
    assert " bayi " in Dataset.objects.get(pk=dataset.pk).search_text
    assert verify_chain().ok


def test_update_without_changes_appends_no_event(world, make):
    dataset = make("Tanpa Perubahan")
    services.update_dataset(world.users["walidata"], dataset, title="Tanpa Perubahan")
    assert events("dataset.update") == []


@pytest.mark.parametrize(
    "role, error",
    [
        ("produsen_other", PermissionDenied),  # sees the published dataset, may not edit
        ("pembina", PermissionDenied),
        ("user", PermissionDenied),
    ],
)
def test_update_refusals_leave_everything_unchanged(world, make, role, error):
    dataset = make("Milik Dinkes", classification="publik")
    before = snapshot()
    with pytest.raises(error):
        services.update_dataset(world.users[role], dataset, description="diretas")
    assert snapshot() == before


def test_update_of_a_hidden_dataset_is_not_found(world, make):
    dataset = make("Rahasia Dinkes", state="draft", classification="rahasia")
    before = snapshot()
    with pytest.raises(NotFound):
        services.update_dataset(world.users["produsen_other"], dataset, description="x")
    assert snapshot() == before


def test_produsen_cannot_move_a_dataset_to_another_organisation(world, make):
    dataset = make("Pindah")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.update_dataset(world.users["produsen_own"], dataset, organisation=world.other)
    assert snapshot() == before
    moved = services.update_dataset(world.users["walidata"], dataset, organisation=world.other)
    assert moved.organisation == world.other
    [event] = events("dataset.update")
    assert event.changes["organisation"] == {"before": world.owner.slug, "after": world.other.slug}


def test_update_slug_conflict_and_bad_region_change_nothing(world, make):
    make("Satu", slug="satu")
    two = make("Dua", slug="dua", regions=["51.05"])
    before = snapshot()
    with pytest.raises(Conflict):
        services.update_dataset(SYSTEM, two, slug="satu")
    with pytest.raises(ValidationFailed):
        services.update_dataset(SYSTEM, two, regions=["51.05", "00.00"], description="x")
    assert snapshot() == before


# --- index and topics -----------------------------------------------------------------------------


def test_refresh_index_reads_columns_and_formats_of_the_published_version(world, make):
    from satudata.warehouse.models import Version

    dataset = make("Kunjungan Wisatawan")
    version = Version.objects.create(
        dataset=dataset,
        number=1,
        status="terbit",
        source_format="xls",
        raw_sha256="0" * 64,
        table_schema={
            "fields": [
                {"name": "kode_wilayah", "type": "string"},
                {"name": "jumlahWisatawanMancanegara", "title": "Wisman"},
            ]
        },
    )
    Dataset.objects.filter(pk=dataset.pk).update(published_version=version)
    dataset.refresh_from_db()
    services.refresh_dataset_index(dataset)
    stored = Dataset.objects.get(pk=dataset.pk)
    assert stored.formats == "CSV,XLSX,JSON,XML,PARQUET,ZIP,XLS"
    for word in ("kode", "wilayah", "mancanegara", "wisman"):
        assert f" {word} " in stored.search_text
    assert stored.modified_at == dataset.modified_at


def test_ensure_topic_is_idempotent_and_audited_once(db):
    topic = services.ensure_topic("pendidikan", "Pendidikan", "Education")
    again = services.ensure_topic("pendidikan", "Pendidikan", "Education")
    assert topic.pk == again.pk
    assert len(events("topic.create")) == 1
    assert events("topic.update") == []
    services.ensure_topic("pendidikan", "Pendidikan", "Schooling")
    assert Topic.objects.get(slug="pendidikan").name_en == "Schooling"
    [event] = events("topic.update")
    assert event.changes == {"name_en": {"before": "Education", "after": "Schooling"}}


def test_ensure_topic_needs_walidata(world):
    with pytest.raises(PermissionDenied):
        services.ensure_topic("x", "X", actor=world.users["produsen_own"])
    assert not Topic.objects.filter(slug="x").exists()
