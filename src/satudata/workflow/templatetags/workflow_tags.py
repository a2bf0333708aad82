"""The notification bell in the header (one small include in base.html)."""

from __future__ import annotations

from django import template

from satudata.core.permissions import actor_for

register = template.Library()


@register.inclusion_tag("workflow/_bell_inner.html", takes_context=True)
def notification_bell(context) -> dict:
    """Unread count and the links a logged-in user needs (one COUNT query per page)."""
    from satudata.workflow.models import Notification

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    actor = actor_for(user)
    unread = Notification.objects.visible_to(user).filter(read_at__isnull=True).count()
    return {
        "show": True,
        "unread": unread,
        # Anyone with a membership may have submissions to follow or review.
        "show_queue": bool(actor.org_roles) or actor.is_superuser,
        "show_audit": actor.is_walidata,
    }
