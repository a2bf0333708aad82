"""Log-in (with throttling), log-out, password change, profile: what a person sees and gets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from satudata.accounts import services
from satudata.accounts.models import LoginFailure
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/akun/masuk/"
LOGOUT = "/akun/keluar/"
PASSWORD = "/akun/sandi/"
PROFILE = "/akun/"


@pytest.fixture
def person():
    org = services.create_organisation(
        SYSTEM, slug="dinkes", name="Dinas Kesehatan Kabupaten Klungkung", kind="dinas"
    )
    user = services.create_user(
        SYSTEM, username="made", password=DEFAULT_PASSWORD, full_name="I Made Uji"
    )
    services.add_membership(SYSTEM, user, org, "produsen")
    return user


def _login(client, username="made", password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, **_ip())


def _ip(address="10.0.0.1"):
    return {"REMOTE_ADDR": address}


def test_contract_urls():
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:logout") == LOGOUT
    assert reverse("accounts:password_change") == PASSWORD
    assert reverse("accounts:profile") == PROFILE


def test_login_page_has_labelled_fields_in_indonesian(client):
    response = client.get(LOGIN)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id">' in body
    assert 'for="id_username"' in body and 'for="id_password"' in body
    assert "Nama pengguna" in body and "Kata sandi" in body
    assert 'autocomplete="current-password"' in body


def test_successful_login_redirects_safely_and_is_audited(client, person):
    response = _login(client, next="/akun/")
    assert response.status_code == 302
    assert response["Location"] == "/akun/"
    [event] = AuditEvent.objects.filter(action="user.login")
    assert event.actor_label == "made"
    assert event.changes == {"ip_address": "10.0.0.1"}
    page = client.get(PROFILE).content.decode()
    assert "I Made Uji" in page
    assert 'action="/akun/keluar/"' in page


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example.org/", "//evil.example.org/x", "javascript:alert(1)", "\\\\evil.org"],
)
def test_login_never_redirects_off_site(client, person, next_url):
    response = _login(client, next=next_url)
    assert response.status_code == 302
    assert "evil" not in response["Location"]
    assert not response["Location"].startswith("javascript")


def test_wrong_password_is_refused_counted_and_audited_without_the_password(client, person):
    response = _login(client, password="salah-sekali-123")
    body = response.content.decode()
    assert response.status_code == 200
    assert "tidak benar" in body  # clear message in Indonesian
    assert 'role="alert"' in body
    assert LoginFailure.objects.filter(username="made").count() == 1
    [event] = AuditEvent.objects.filter(action="user.login_failed")
    assert event.actor_label == "anonim"
    assert event.changes["username"] == "made"
    assert "salah-sekali-123" not in str(event.changes) + event.object_label
    assert "_auth_user_id" not in client.session


def test_unknown_username_counts_as_failure_too(client, person):
    _login(client, username="nobody", password="whatever-123")
    assert LoginFailure.objects.filter(username="nobody").count() == 1
    assert AuditEvent.objects.filter(action="user.login_failed").count() == 1


def test_lockout_by_username_refuses_even_the_right_password(client, person, settings):
    settings.SATUDATA_LOGIN_MAX_FAILURES = 3
    settings.SATUDATA_LOGIN_LOCKOUT_S = 600
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # spread over addresses
        client.post(LOGIN, {"username": "made", "password": "salah-123"}, **_ip(address))
    response = client.post(
        LOGIN, {"username": "MADE", "password": DEFAULT_PASSWORD}, **_ip("10.0.0.9")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Terlalu banyak" in body and "10 menit" in body
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="user.login").exists()
    # Refused attempts do not add failures (an attacker cannot stretch the window forever).
    assert LoginFailure.objects.count() == 3


def test_lockout_by_client_address(client, person, settings):
    settings.SATUDATA_LOGIN_MAX_FAILURES = 3
    services.create_user(SYSTEM, username="other", password=DEFAULT_PASSWORD)
    for name in ("a1", "a2", "a3"):  # different usernames, one address
        client.post(LOGIN, {"username": name, "password": "x-123456"}, **_ip("10.9.9.9"))
    blocked = client.post(
        LOGIN, {"username": "other", "password": DEFAULT_PASSWORD}, **_ip("10.9.9.9")
    )
    assert "Terlalu banyak" in blocked.content.decode()
    allowed = client.post(
        LOGIN, {"username": "other", "password": DEFAULT_PASSWORD}, **_ip("10.1.1.1")
    )
    assert allowed.status_code == 302


def test_behind_the_local_reverse_proxy_each_client_is_throttled_on_its_own(
    client, person, settings
):
    settings.SATUDATA_LOGIN_MAX_FAILURES = 3
    services.create_user(SYSTEM, username="other", password=DEFAULT_PASSWORD)

    def via_proxy(client_address: str, forged: str = "") -> dict:
        forwarded = ", ".join(part for part in (forged, client_address) if part)
        return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}

    for name in ("a1", "a2", "a3"):  # an attacker forging a different address each time
        client.post(
            LOGIN, {"username": name, "password": "x-123456"}, **via_proxy("10.9.9.9", name[-1])
        )
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"10.9.9.9"}
    blocked = client.post(
        LOGIN, {"username": "other", "password": DEFAULT_PASSWORD}, **via_proxy("10.9.9.9")
    )
    assert "Terlalu banyak" in blocked.content.decode()
    allowed = client.post(  # another citizen behind the same proxy is not locked out
        LOGIN, {"username": "other", "password": DEFAULT_PASSWORD}, **via_proxy("10.1.1.1")
    )
    assert allowed.status_code == 302


def test_lockout_ends_after_the_window(client, person, settings):
    settings.SATUDATA_LOGIN_MAX_FAILURES = 2
    settings.SATUDATA_LOGIN_LOCKOUT_S = 600
    _login(client, password="salah-1")
    _login(client, password="salah-2")
    assert "Terlalu banyak" in _login(client).content.decode()
    from datetime import timedelta

    from django.utils import timezone

    LoginFailure.objects.update(created_at=timezone.now() - timedelta(seconds=601))
    assert _login(client).status_code == 302


def test_successful_login_clears_the_username_failures(client, person, settings):
    settings.SATUDATA_LOGIN_MAX_FAILURES = 3
    _login(client, password="salah-1")
    _login(client, password="salah-2")
    assert _login(client).status_code == 302
    assert not LoginFailure.objects.filter(username="made").exists()


def test_inactive_user_cannot_log_in(client, person):
    services.update_user(SYSTEM, person, is_active=False)
    response = _login(client)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "", "password": ""},
        {"username": "made"},
        {"username": "x" * 5000, "password": "y" * 5000},
        {"username": "made' OR '1'='1", "password": "' OR 1=1 --"},
        {"username": "<script>alert(1)</script>", "password": "x"},
    ],
)
def test_hostile_login_input_gets_a_form_error_not_a_crash(client, person, data):
    response = client.post(LOGIN, data, **_ip())
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, person):
    client.force_login(person)
    assert client.get(LOGOUT).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="user.logout", actor_label="made").exists()


def test_logout_without_csrf_token_is_refused(person):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    response = strict.post(LOGOUT)
    assert response.status_code == 403
    assert "_auth_user_id" in strict.session
    assert "kedaluwarsa" in response.content.decode()  # our friendly 403_csrf page


def test_profile_needs_login_and_shows_memberships(client, person):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")
    client.force_login(person)
    body = client.get(PROFILE).content.decode()
    assert "Dinas Kesehatan Kabupaten Klungkung" in body
    assert 'href="/organization/dinkes"' in body
    assert "Produsen data" in body or "produsen" in body.lower()


def test_password_change_works_and_is_audited(client, person):
    client.force_login(person)
    assert client.get(PASSWORD).status_code == 200
    response = client.post(
        PASSWORD,
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "Sandi-Baru-Yang-Kuat-77",
            "new_password2": "Sandi-Baru-Yang-Kuat-77",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    person.refresh_from_db()
    assert person.check_password("Sandi-Baru-Yang-Kuat-77")
    # Still logged in after the change.
    assert client.get(PROFILE).status_code == 200
    [event] = AuditEvent.objects.filter(action="user.password_change")
    assert event.actor_label == "made"
    assert "Sandi-Baru" not in str(event.changes)


@pytest.mark.parametrize(
    ("old", "new1", "new2"),
    [
        ("wrong-old-password", "Sandi-Baru-Yang-Kuat-77", "Sandi-Baru-Yang-Kuat-77"),
        (DEFAULT_PASSWORD, "Sandi-Baru-Yang-Kuat-77", "Sandi-Lain-Yang-Kuat-77"),
        (DEFAULT_PASSWORD, "12345678", "12345678"),
        (DEFAULT_PASSWORD, "", ""),
    ],
)
def test_password_change_bad_input_keeps_the_old_password(client, person, old, new1, new2):
    client.force_login(person)
    response = client.post(
        PASSWORD, {"old_password": old, "new_password1": new1, "new_password2": new2}
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


def test_password_change_needs_login(client):
    response = client.get(PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_header_shows_name_and_logout_when_logged_in(client, person):
    client.force_login(person)
    body = client.get(PROFILE).content.decode()
    assert 'href="/akun/"' in body and "I Made Uji" in body
    assert 'action="/akun/keluar/"' in body
    assert 'href="/akun/masuk/' not in body


def test_login_page_header_shows_the_portal_name(client, settings):
    body = client.get(LOGIN).content.decode()
    assert settings.SATUDATA_SITE_NAME in body
    assert "testserver" not in body


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    body = render_to_string("500.html")
    assert "500" in body and "Terjadi kesalahan" in body


def test_forbidden_page_is_friendly(client, rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/dataset/rahasia/ubah")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    body = response.content.decode()
    assert response.status_code == 403
    assert "Akses ditolak" in body and "/akun/masuk/?next=" in body


def test_every_page_gives_htmx_the_csrf_token(client):
    response = client.get(LOGIN)
    token = response.cookies["csrftoken"].value
    assert token
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.content.decode()
