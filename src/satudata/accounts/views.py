"""Log-in, log-out, password change and the profile page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from satudata.accounts import services
from satudata.accounts.forms import ApiTokenForm, ChangePasswordForm, LoginForm, client_ip
from satudata.accounts.models import ApiToken, Membership
from satudata.core.errors import SatuDataError
from satudata.core.permissions import actor_for


class LoginView(auth_views.LoginView):
    """Django's log-in view (safe `next` handling included) with throttling and audit."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Django puts the request host here; the page header wants the portal's name.
        context["site_name"] = settings.SATUDATA_SITE_NAME
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_login_success(form.get_user(), client_ip(self.request))
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405), so a link or image cannot log anyone out."""

    def post(self, request, *args, **kwargs):
        user = request.user
        address = client_ip(request)
        response = super().post(request, *args, **kwargs)
        services.record_logout(user, address)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        form.save()
        # Keep this session logged in; other sessions of the user end with the old hash.
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


def admin_login(request, extra_context=None):
    """The Django admin's log-in page, replaced by the portal's throttled and audited one.

    Otherwise /admin/login/ would be a second door that ignores the lockout.
    """
    if request.user.is_authenticated:
        # Logged in but not staff: sending them to log in again would loop.
        raise PermissionDenied
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("accounts:login"))


@never_cache
@login_required
def profile(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )
    return render(
        request,
        "accounts/profile.html",
        {"memberships": memberships, "is_walidata": actor_for(request.user).is_walidata},
    )


# --- API keys ---------------------------------------------------------------------------------


def _key_list(user):
    return (
        ApiToken.objects.filter(user=user)
        .prefetch_related("organisations")
        .order_by("revoked_at", "-created_at")
    )


@never_cache
@login_required
def api_keys(request):
    """The user's API keys; a new one is created here and shown once, on this answer only."""
    new_key = None
    if request.method == "POST":
        form = ApiTokenForm(request.user, request.POST)
        if form.is_valid():
            try:
                token, new_key = services.create_api_token(
                    request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    organisations=[int(pk) for pk in form.cleaned_data["organisations"]],
                    expires_at=form.expires_at(),
                )
            except SatuDataError as exc:
                form.add_error(None, exc.message)
            else:
                form = ApiTokenForm(request.user)
                messages.success(request, _("API key “%(name)s” created.") % {"name": token.name})
    else:
        form = ApiTokenForm(request.user)
    # never_cache sends no-store: the key is on this page once and no cache may keep it.
    return render(
        request,
        "accounts/api_keys.html",
        {
            "form": form,
            "tokens": _key_list(request.user),
            "new_key": new_key,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def revoke_api_key(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.revoke_api_token(request.user, token)
    except SatuDataError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("API key “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:api_keys")
