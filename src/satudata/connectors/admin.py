"""Django admin for connectors: read-only views for administrators.

Connectors are configured through the web forms and `connectors.services` (permissions, audit,
encryption of credentials). The admin only shows them, and never the encrypted credentials.
"""

from __future__ import annotations

from django.contrib import admin

from satudata.connectors.models import Connector, SyncRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Connector)
class ConnectorAdmin(ReadOnlyAdmin):
    list_display = ("name", "type_key", "dataset", "organisation", "schedule", "enabled")
    list_filter = ("type_key", "schedule", "enabled")
    search_fields = ("name", "title")
    exclude = ("secrets_encrypted",)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "connector",
        "status",
        "trigger",
        "started_at",
        "rows_read",
        "rows_imported",
    )
    list_filter = ("status", "trigger")
    search_fields = ("connector__name", "error")
