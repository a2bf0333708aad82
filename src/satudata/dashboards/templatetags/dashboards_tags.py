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


HOME_CARDS_MAX = 3


@register.inclusion_tag("dashboards/_home_section.html", takes_context=True)
def dashboards_home_section(context):
    """The home page's dashboard block: the regency dashboard's first indicator cards (drawn on
    the server from cached queries, no JavaScript) and links to every dashboard."""
    from satudata.dashboards import indicators, queries

    request = context.get("request")
    user = getattr(request, "user", None)
    dashboards = list(queries.visible_dashboards(user))
    home = next((d for d in dashboards if d.is_home), None)
    cards = []
    if home is not None:
        panels = [p for p in queries.panels_of(home, user) if p.indicator_id]
        for panel in panels[:HOME_CARDS_MAX]:
            cards.append(
                (panel.indicator, indicators.indicator_card(panel.indicator), f"home{panel.pk}")
            )
    return {"home": home, "dashboards": dashboards, "cards": cards}
