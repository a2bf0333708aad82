"""accounts.services: permissions, idempotent ensure_* helpers, validation and audit events."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher

from satudata.accounts import services
from satudata.accounts.models import Membership, Organisation, User
from satudata.core.audit import verify_chain
from satudata.core.errors import Conflict, PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from tests.factories import DEFAULT_PASSWORD, make_regions

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def walidata_user():
    org = services.create_organisation(
        SYSTEM, slug="diskominfo", name="Dinas Komunikasi dan Informatika", kind="dinas"
    )
    user = services.create_user(SYSTEM, username="wali", password=DEFAULT_PASSWORD)
    services.add_membership(SYSTEM, user, org, "walidata")
    return user


@pytest.fixture
def produsen_user():
    org = services.create_organisation(SYSTEM, slug="dinkes", name="Dinas Kesehatan", kind="dinas")
    user = services.create_user(SYSTEM, username="produsen", password=DEFAULT_PASSWORD)
    services.add_membership(SYSTEM, user, org, "produsen")
    return user


def test_system_creates_organisation_with_region_code_and_audits_it():
    make_regions()
    org = services.create_organisation(
        SYSTEM,
        slug="kec-banjarangkan",
        name="Kecamatan Banjarangkan",
        short_name="BANJARANGKAN",
        kind="kecamatan",
        region="51.05.01",
        email="kec@example.org",
    )
    assert org.region_id == "51.05.01"
    [event] = _events("organisation.create")
    assert event.object_id == str(org.pk)
    assert event.actor_label == "sistem"
    assert event.changes["region"] == "51.05.01"
    assert verify_chain().ok


def test_organisation_bad_input_is_refused_with_clear_message_and_nothing_stored():
    # Messages are in the UI language (Indonesian by default) and name the culprit.
    with pytest.raises(ValidationFailed, match="Slug hanya boleh") as error:
        services.create_organisation(SYSTEM, slug="bad slug!", name="X", kind="dinas")
    assert error.value.details == {"field": "slug"}
    with pytest.raises(ValidationFailed, match="kementerian"):
        services.create_organisation(SYSTEM, slug="x", name="X", kind="kementerian")
    with pytest.raises(ValidationFailed, match=r"99\.99"):
        services.create_organisation(SYSTEM, slug="x", name="X", kind="dinas", region="99.99")
    with pytest.raises(ValidationFailed):
        services.create_organisation(SYSTEM, slug="x", name="   ", kind="dinas")
    with pytest.raises(ValidationFailed, match="colour"):
        services.create_organisation(SYSTEM, slug="x", name="X", kind="dinas", colour="red")
    assert Organisation.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_organisation_slug_is_a_conflict():
    services.create_organisation(SYSTEM, slug="dinkes", name="Dinas Kesehatan", kind="dinas")
    with pytest.raises(Conflict, match="dinkes"):
        services.create_organisation(SYSTEM, slug="dinkes", name="Another", kind="dinas")
    assert Organisation.objects.get(slug="dinkes").name == "Dinas Kesehatan"


def test_ensure_organisation_changes_nothing_when_already_as_asked():
    first = services.ensure_organisation(
        SYSTEM, slug="dinsos", name="Dinas Sosial", short_name="DINSOS", kind="dinas"
    )
    count = AuditEvent.objects.count()
    again = services.ensure_organisation(
        SYSTEM, slug="dinsos", name="Dinas Sosial", short_name="DINSOS", kind="dinas"
    )
    assert again.pk == first.pk
    assert AuditEvent.objects.count() == count
    assert Organisation.objects.filter(slug="dinsos").count() == 1


def test_ensure_organisation_updates_what_differs_and_keeps_what_was_not_given():
    make_regions()
    services.ensure_organisation(
        SYSTEM, slug="dinsos", name="Dinas Sosial", kind="dinas", region="51.05"
    )
    org = services.ensure_organisation(SYSTEM, slug="dinsos", name="Dinas Sosial P3A", kind="dinas")
    assert org.name == "Dinas Sosial P3A"
    assert org.region_id == "51.05"  # not given the second time: left alone
    [event] = _events("organisation.update")
    assert event.changes == {"name": ["Dinas Sosial", "Dinas Sosial P3A"]}


def test_only_walidata_or_admin_may_create_organisations(walidata_user, produsen_user):
    org = services.create_organisation(walidata_user, slug="dispar", name="Dispar", kind="dinas")
    assert _events("organisation.create")[-1].actor_label == "wali"
    with pytest.raises(PermissionDenied):
        services.create_organisation(produsen_user, slug="bappeda", name="Bappeda", kind="badan")
    with pytest.raises(PermissionDenied):
        services.update_organisation(produsen_user, org, name="Changed")
    assert not Organisation.objects.filter(slug="bappeda").exists()
    assert Organisation.objects.get(slug="dispar").name == "Dispar"


def test_organisation_cannot_be_its_own_parent():
    org = services.create_organisation(SYSTEM, slug="a", name="A", kind="dinas")
    with pytest.raises(ValidationFailed):
        services.update_organisation(SYSTEM, org, parent=org)


def test_create_user_hashes_with_argon2_and_never_audits_the_password(settings):
    from satudata import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the suite hashes with MD5
    user = services.create_user(
        SYSTEM, username="budi", password=DEFAULT_PASSWORD, full_name="Budi Santoso"
    )
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(DEFAULT_PASSWORD)
    [event] = _events("user.create")
    assert event.changes["username"] == "budi"
    assert DEFAULT_PASSWORD not in str(event.changes)
    assert "password" not in event.changes


def test_create_user_rejects_weak_password_bad_username_and_duplicates():
    with pytest.raises(ValidationFailed):
        services.create_user(SYSTEM, username="budi", password="123")
    with pytest.raises(ValidationFailed, match="Nama pengguna hanya boleh"):
        services.create_user(SYSTEM, username="budi santoso", password=DEFAULT_PASSWORD)
    with pytest.raises(ValidationFailed, match="not-an-address bukan alamat surel"):
        services.create_user(
            SYSTEM, username="budi", password=DEFAULT_PASSWORD, email="not-an-address"
        )
    services.create_user(SYSTEM, username="budi", password=DEFAULT_PASSWORD)
    with pytest.raises(Conflict):
        services.create_user(SYSTEM, username="BUDI", password=DEFAULT_PASSWORD)
    assert User.objects.count() == 1


def test_superuser_is_staff_and_only_admin_may_create_one(walidata_user):
    admin = services.create_user(
        SYSTEM, username="root", password=DEFAULT_PASSWORD, is_superuser=True
    )
    assert admin.is_superuser and admin.is_staff
    with pytest.raises(PermissionDenied):
        services.create_user(
            walidata_user, username="sneaky", password=DEFAULT_PASSWORD, is_superuser=True
        )
    # A walidata may create ordinary accounts.
    services.create_user(walidata_user, username="operator", password=DEFAULT_PASSWORD)
    assert not User.objects.filter(username="sneaky").exists()


def test_ensure_user_keeps_an_existing_password_and_is_idempotent():
    services.ensure_user(SYSTEM, username="ani", password=DEFAULT_PASSWORD, full_name="Ani")
    user = User.objects.get(username="ani")
    services.change_password(user, "Sandi-Baru-Ani-2025")
    count = AuditEvent.objects.count()
    again = services.ensure_user(SYSTEM, username="ani", password=DEFAULT_PASSWORD, full_name="Ani")
    assert again.pk == user.pk
    assert again.check_password("Sandi-Baru-Ani-2025")
    assert AuditEvent.objects.count() == count
    renamed = services.ensure_user(
        SYSTEM, username="ani", password=DEFAULT_PASSWORD, full_name="Ani Wulandari"
    )
    assert renamed.full_name == "Ani Wulandari"
    assert _events("user.update")[-1].changes == {"full_name": ["Ani", "Ani Wulandari"]}


def test_membership_add_ensure_remove_and_audit(walidata_user):
    org = services.create_organisation(SYSTEM, slug="dinkes", name="Dinas Kesehatan", kind="dinas")
    user = services.create_user(SYSTEM, username="ops", password=DEFAULT_PASSWORD)
    membership = services.add_membership(walidata_user, user, org, "produsen")
    assert services.ensure_membership(SYSTEM, user, org, "produsen").pk == membership.pk
    with pytest.raises(Conflict):
        services.add_membership(SYSTEM, user, org, "produsen")
    assert Membership.objects.filter(user=user).count() == 1
    [event] = _events("membership.create")[-1:]
    assert event.changes == {"user": "ops", "organisation": "dinkes", "role": "produsen"}
    assert event.organisation_id == org.pk
    services.remove_membership(walidata_user, membership)
    assert not Membership.objects.filter(user=user).exists()
    assert _events("membership.delete")[-1].changes["role"] == "produsen"
    assert verify_chain().ok


def test_membership_permissions_and_bad_role(walidata_user, produsen_user):
    org = Organisation.objects.get(slug="dinkes")
    user = services.create_user(SYSTEM, username="ops", password=DEFAULT_PASSWORD)
    with pytest.raises(PermissionDenied):
        services.add_membership(produsen_user, user, org, "produsen")
    with pytest.raises(PermissionDenied):
        services.add_membership(walidata_user, user, org, "admin")  # only admins make admins
    with pytest.raises(ValidationFailed, match="Peran bupati tidak dikenal"):
        services.add_membership(SYSTEM, user, org, "bupati")
    assert not Membership.objects.filter(user=user).exists()


def test_membership_change_is_seen_by_the_permission_layer_at_once():
    from satudata.core.permissions import actor_for

    org = services.create_organisation(SYSTEM, slug="kominfo", name="Kominfo", kind="dinas")
    user = services.create_user(SYSTEM, username="newwali", password=DEFAULT_PASSWORD)
    assert not actor_for(user).is_walidata
    services.add_membership(SYSTEM, user, org, "walidata")
    assert actor_for(user).is_walidata


def test_messages_follow_the_active_language():
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationFailed, match="Unknown role bupati"):
        services.add_membership(
            SYSTEM,
            services.create_user(SYSTEM, username="x1", password=DEFAULT_PASSWORD),
            services.create_organisation(SYSTEM, slug="x1", name="X", kind="dinas"),
            "bupati",
        )


def test_anonymous_user_may_not_manage_accounts():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.create_user(AnonymousUser(), username="x", password=DEFAULT_PASSWORD)
    with pytest.raises(PermissionDenied):
        services.create_organisation(AnonymousUser(), slug="x", name="X", kind="dinas")
