"""Small template helpers for the catalogue pages."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def topic_name(topic) -> str:
    """The topic's name in the current UI language (English name when the UI is English)."""
    if topic is None:
        return ""
    language = (get_language() or "id").split("-")[0]
    return topic.display_name(language)


@register.filter
def split_formats(formats: str) -> list[str]:
    return [part for part in (formats or "").split(",") if part]


@register.filter
def score_level(score: int) -> str:
    """A CSS modifier for a completeness score: low, medium or high."""
    if score >= 80:
        return "high"
    if score >= 50:
        return "medium"
    return "low"
