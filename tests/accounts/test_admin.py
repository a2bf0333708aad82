"""The Django admin for users, organisations and memberships: usable by admins, audited."""

from __future__ import annotations

import pytest

from satudata.accounts import services
from satudata.accounts.models import Membership, Organisation, User
from satudata.core.audit import verify_chain
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = services.create_user(
        SYSTEM, username="root", password=DEFAULT_PASSWORD, is_superuser=True
    )
    client.force_login(admin)
    return client


@pytest.fixture
def org():
    return services.create_organisation(SYSTEM, slug="dinkes", name="Dinas Kesehatan", kind="dinas")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/accounts/organisation/",
        "/admin/accounts/organisation/add/",
        "/admin/accounts/membership/",
        "/admin/accounts/loginfailure/",
    ],
)
def test_admin_pages_open_for_a_superuser(admin_client, org, path):
    assert admin_client.get(path).status_code == 200


def test_admin_is_closed_to_ordinary_users(client, org):
    user = services.create_user(SYSTEM, username="made", password=DEFAULT_PASSWORD)
    services.add_membership(SYSTEM, user, org, "produsen")
    client.force_login(user)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_user_change_page_shows_memberships_inline(admin_client, org):
    user = services.create_user(SYSTEM, username="made", password=DEFAULT_PASSWORD)
    services.add_membership(SYSTEM, user, org, "produsen")
    body = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "memberships-TOTAL_FORMS" in body
    assert "Dinas Kesehatan" in body


def test_organisation_created_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/accounts/organisation/add/",
        {"name": "Dinas Sosial", "short_name": "DINSOS", "slug": "dinsos", "kind": "dinas"},
    )
    assert response.status_code == 302
    org = Organisation.objects.get(slug="dinsos")
    event = AuditEvent.objects.get(action="organisation.create")
    assert event.actor_label == "root" and event.object_id == str(org.pk)
    assert event.changes["name"] == "Dinas Sosial"
    assert verify_chain().ok


def test_user_created_in_the_admin_is_audited_without_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "ketut",
            "full_name": "Ketut Uji",
            "email": "",
            "password1": "Sandi-Admin-Kuat-99",
            "password2": "Sandi-Admin-Kuat-99",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="ketut")
    assert user.check_password("Sandi-Admin-Kuat-99")
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert "Sandi-Admin" not in str(event.changes)


def test_membership_added_inline_is_audited(admin_client, org):
    user = services.create_user(SYSTEM, username="made", password=DEFAULT_PASSWORD)
    data = {
        "username": "made",
        "full_name": "Made",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "08:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-organisation": str(org.pk),
        "memberships-0-role": "walidata",
    }
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(user=user, organisation=org, role="walidata").exists()
    event = AuditEvent.objects.get(action="membership.create")
    assert event.changes == {"user": "made", "organisation": "dinkes", "role": "walidata"}
    assert event.actor_label == "root"


def test_organisation_deleted_in_the_admin_is_audited(admin_client):
    org = services.create_organisation(SYSTEM, slug="lama", name="Dinas Lama", kind="dinas")
    response = admin_client.post(f"/admin/accounts/organisation/{org.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(slug="lama").exists()
    assert AuditEvent.objects.filter(action="organisation.delete", object_id=str(org.pk)).exists()
    assert verify_chain().ok


def test_admin_login_goes_through_the_throttled_portal_login(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/?next=")
    assert "admin/accounts/user" in response["Location"]
    # The admin form cannot be used to dodge the lockout either.
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")


def test_logged_in_non_staff_gets_403_at_admin_login_not_a_loop(client, org):
    user = services.create_user(SYSTEM, username="made", password=DEFAULT_PASSWORD)
    client.force_login(user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_superuser_logs_into_the_admin_through_the_portal(client):
    services.create_user(SYSTEM, username="root", password=DEFAULT_PASSWORD, is_superuser=True)
    response = client.post(
        "/akun/masuk/", {"username": "root", "password": DEFAULT_PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
