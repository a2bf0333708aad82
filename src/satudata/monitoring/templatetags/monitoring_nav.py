from django import template

from satudata.core.permissions import actor_for

register = template.Library()


@register.filter
def oversees_all(user) -> bool:
    """Walidata, pembina, pimpinan and admins: who sees the monitoring link."""
    return actor_for(user).oversees_all
