"""Admin: reports, editions and subscriptions are shown read-only; they change only through the
report pages and services (which check permissions and write the audit log)."""

from __future__ import annotations

from django.contrib import admin

from satudata.reports.models import Edition, Report, Subscription


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "slug", "schedule", "is_public", "is_demo", "updated_at")
    list_filter = ("schedule", "is_public", "is_demo")
    search_fields = ("title", "slug")


@admin.register(Edition)
class EditionAdmin(ReadOnlyAdmin):
    list_display = ("report", "period_label", "page_count", "scheduled", "generated_at")
    list_filter = ("scheduled",)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("report", "email", "confirmed_at", "created_at")
    list_filter = ("report",)
