"""`{% sync_health_block %}`: the small sync-health block of the monitoring dashboard."""

from __future__ import annotations

from django import template

from satudata.connectors.queries import health_summary

register = template.Library()


@register.inclusion_tag("connectors/_health_block.html", takes_context=True)
def sync_health_block(context) -> dict:
    request = context.get("request")
    return {"summary": health_summary(request.user if request else None)}
