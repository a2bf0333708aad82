"""Template filters for dashboards: Indonesian numbers (`1.234,5`)."""

from __future__ import annotations

from django import template

from satudata.dashboards.formatting import format_number

register = template.Library()


@register.filter
def idnum(value):
    """Numbers as `1.234,5`; anything else unchanged (text cells of a data table)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else value
    return format_number(value)
