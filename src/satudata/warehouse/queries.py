"""Read helpers for the warehouse (permission-scoped)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def data_panel(request: HttpRequest, dataset) -> dict[str, Any]:
    """Context for `{% include "warehouse/_data_panel.html" %}` (filled in as the data path lands)."""
    return {"panel": {"version": None, "dataset": dataset}}
