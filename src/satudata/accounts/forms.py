"""Log-in with throttling, and password change that writes through accounts.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satudata.accounts import services


def client_ip(request) -> str | None:
    """The client address as the server saw it.

    X-Forwarded-For is not trusted: anyone can send it, and trusting it would let an attacker
    dodge the per-address throttle.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def lockout_message() -> str:
    minutes = max(1, round(settings.SATUDATA_LOGIN_LOCKOUT_S / 60))
    return ngettext(
        "Too many failed log-in attempts. For your security, log-in is paused for this account "
        "or address; please try again in %(minutes)d minute.",
        "Too many failed log-in attempts. For your security, log-in is paused for this account "
        "or address; please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LoginForm(AuthenticationForm):
    """Django's log-in form, refusing attempts while the username or address is locked out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is not correct. Both are case-sensitive; please try again."
        ),
        "throttled": "",  # built at run time so the window length is current
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        address = client_ip(self.request)
        # Checked before the password so a locked-out attacker learns nothing, even when right.
        if services.login_blocked(username, address):
            raise forms.ValidationError(lockout_message(), code="throttled")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            services.record_login_failure(username, address)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ChangePasswordForm(PasswordChangeForm):
    """Django's password-change form; saving goes through accounts.services (audited)."""

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].widget.attrs["autocomplete"] = "current-password"
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def save(self, commit: bool = True):
        return services.change_password(self.user, self.cleaned_data["new_password1"])
