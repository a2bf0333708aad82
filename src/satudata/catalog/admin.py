"""Django admin for the catalogue (read and repair by administrators).

Day-to-day edits go through the web forms and `catalog.services` (permission checks, audit
events); the admin is the administrator's tool of last resort, so saving here also refreshes the
derived search fields.
"""

from __future__ import annotations

from django.contrib import admin

from satudata.catalog.models import Dataset, Tag, Topic
from satudata.catalog.services import refresh_dataset_index
from satudata.core import audit


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "slug", "ordering")
    list_editable = ("ordering",)
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "organisation",
        "topic",
        "state",
        "classification",
        "completeness",
        "modified_at",
    )
    list_filter = ("state", "classification", "topic", "is_statistical", "is_synthetic")
    search_fields = ("title", "slug", "description")
    list_select_related = ("organisation", "topic")
    autocomplete_fields = ("tags",)
    raw_id_fields = ("regions", "published_version", "created_by")
    readonly_fields = (
        "formats",
        "completeness",
        "search_text",
        "search_title",
        "created_at",
        "modified_at",
        "published_at",
    )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        refresh_dataset_index(form.instance)
        # The admin's change view runs inside a transaction, so the event commits with the change.
        audit.record(
            request.user,
            "dataset.update" if change else "dataset.create",
            form.instance,
            organisation_id=form.instance.organisation_id,
            changes={
                name: {
                    "before": _plain(form.initial.get(name)),
                    "after": _plain(form.cleaned_data.get(name)),
                }
                for name in form.changed_data
            },
        )


def _plain(value):
    """A JSON-able form value for the audit log (objects become their primary keys)."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "__iter__") and not isinstance(value, str | dict):
        return sorted(str(_plain(item)) for item in value)
    return value
