"""Regions in the Django admin: searchable, read-only.

Regions are reference data owned by the Kemendagri list; they change only through
`regions.loader` (which is audited), never by hand-editing a row here.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from satudata.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "bps_code", "has_boundary")
    list_filter = ("level", "depth")
    search_fields = ("code", "name", "bps_code")
    ordering = ("code",)
    list_select_related = ("parent",)
    list_per_page = 100
    # Counting 91,599 rows on every search is wasted work; the admin shows "Show all" instead.
    show_full_result_count = False
    fields = (
        "code",
        "name",
        "level",
        "depth",
        "parent",
        "bps_code",
        "bps_name",
        "latitude",
        "longitude",
    )
    readonly_fields = fields

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, region: Region) -> bool:
        return region.boundary is not None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
