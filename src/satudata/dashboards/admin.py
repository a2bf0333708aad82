"""Django admin for dashboards: reading only (administrators look, the pages and
`dashboards.services` change — with permission checks and audit events)."""

from __future__ import annotations

from django.contrib import admin

from satudata.dashboards.models import Chart, Dashboard, Indicator, Panel


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Chart)
class ChartAdmin(ReadOnlyAdmin):
    list_display = ("title", "key", "kind", "dataset", "created_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "key", "dataset__title")


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "dataset", "measure", "unit", "polarity")
    search_fields = ("name", "slug")


class PanelInline(admin.TabularInline):
    model = Panel
    extra = 0
    fields = ("position", "chart", "indicator", "width")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dashboard)
class DashboardAdmin(ReadOnlyAdmin):
    list_display = ("title", "slug", "is_home", "is_published", "position", "updated_at")
    inlines = [PanelInline]
