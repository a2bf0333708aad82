"""Log-in with throttling, and password change that writes through accounts.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satudata.accounts import services
from satudata.core import net


def client_ip(request) -> str | None:
    """The client address, through the trusted proxies only (core/net.py): a forged
    X-Forwarded-For cannot dodge the per-address throttle, and behind the local reverse proxy
    one client's failures do not lock everybody out."""
    return net.client_ip(request)


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


# Expiry choices of a new API key, in days ("" = never expires).
API_KEY_EXPIRY_DAYS = (30, 90, 180, 365)


class ApiTokenForm(forms.Form):
    """A new API key: name, scope, organisations (among the user's), expiry."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. the system that will use it."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        widget=forms.RadioSelect,
        initial="read",
        help_text=_("A write key may send data to datasets of your organisations (push)."),
    )
    organisations = forms.MultipleChoiceField(
        label=_("Organisations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every organisation you belong to."),
    )
    expires_in_days = forms.ChoiceField(label=_("Expires"), initial="90", required=False)

    def __init__(self, user, *args, **kwargs) -> None:
        from satudata.accounts.models import Organisation, TokenScope

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["scope"].choices = TokenScope.choices
        orgs = Organisation.objects.filter(memberships__user=user).distinct().order_by("name")
        self.fields["organisations"].choices = [(str(org.pk), org.name) for org in orgs]
        self.fields["expires_in_days"].choices = [
            (str(days), ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days})
            for days in API_KEY_EXPIRY_DAYS
        ] + [("", _("never"))]

    def expires_at(self):
        from datetime import timedelta

        from django.utils import timezone

        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timedelta(days=int(days)) if days else None
