"""Django admin for users (with their memberships), organisations and memberships.

The admin writes models through Django's forms rather than accounts.services, so every save and
delete here appends the same audit events the services append (never a password or its hash).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import ApiToken, LoginFailure, Membership, Organisation, User
from satudata.accounts.views import admin_login
from satudata.core import audit

# One log-in for the whole site: the admin's own form would bypass throttling and audit.
admin.site.login = admin_login


def _form_changes(form) -> dict[str, Any]:
    """The changed form fields with their new values, leaving out anything about passwords."""
    if form is None:
        return {}
    return {
        name: str(form.cleaned_data.get(name, ""))
        for name in form.changed_data
        if "password" not in name
    }


def _organisation_id(obj: models.Model) -> int | None:
    if isinstance(obj, Organisation):
        return obj.pk
    return getattr(obj, "organisation_id", None)


class AuditedAdmin(admin.ModelAdmin):
    """Append `<audit_name>.create|update|delete` for every save and delete made in the admin."""

    audit_name = ""

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = "update" if change else "create"
            audit.record(
                request.user,
                f"{self.audit_name}.{action}",
                obj,
                organisation_id=_organisation_id(obj),
                changes=_form_changes(form),
            )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            audit.record(
                request.user,
                f"{self.audit_name}.delete",
                obj,
                organisation_id=_organisation_id(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record(
                    request.user,
                    f"{self.audit_name}.delete",
                    obj,
                    organisation_id=_organisation_id(obj),
                )
            super().delete_queryset(request, queryset)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    fields = ("organisation", "role")
    autocomplete_fields = ("organisation",)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    audit_name = "user"
    inlines = (MembershipInline,)
    list_display = ("username", "full_name", "email", "is_active", "is_superuser", "last_login")
    list_filter = ("is_active", "is_superuser", "is_staff", "memberships__role")
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "email", "password1", "password2"),
            },
        ),
    )

    def save_formset(self, request, form, formset, change) -> None:
        """Memberships edited inline: audit each one created, changed or deleted."""
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            instances = formset.save(commit=False)
            for membership in formset.deleted_objects:
                audit.record(
                    request.user,
                    "membership.delete",
                    membership,
                    organisation_id=membership.organisation_id,
                    changes={"role": membership.role},
                )
                membership.delete()
            for membership in instances:
                created = membership.pk is None
                membership.save()
                audit.record(
                    request.user,
                    "membership.create" if created else "membership.update",
                    membership,
                    organisation_id=membership.organisation_id,
                    changes={
                        "user": membership.user.get_username(),
                        "organisation": membership.organisation.slug,
                        "role": membership.role,
                    },
                )
            formset.save_m2m()

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the new password itself; a redirect means it did.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit.record(request.user, "user.password_set", User.objects.get(pk=id))
        return response


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    audit_name = "organisation"
    list_display = ("name", "short_name", "kind", "region", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("region", "parent")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = (
        "name",
        "short_name",
        "slug",
        "kind",
        "parent",
        "region",
        "description",
        "email",
        "website",
    )


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    audit_name = "membership"
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__full_name", "organisation__name")
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Recent failed log-ins; deleting the rows of a username lifts its lockout early."""

    list_display = ("username", "ip_address", "created_at")
    search_fields = ("username", "ip_address")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API keys: look and revoke only (keys are made by their owners; the secret is never here)."""

    list_display = ("name", "prefix", "user", "scope", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("scope", "revoked_at")
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "organisations",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_at",
    )
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoked keys stay listed: the request log and the audit trail name them.
        return False

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset) -> None:
        from satudata.accounts import services
        from satudata.core.errors import SatuDataError

        for token in queryset.select_related("user"):
            try:
                services.revoke_api_token(request.user, token)
            except SatuDataError as exc:
                self.message_user(request, exc.message, level="error")
                return
