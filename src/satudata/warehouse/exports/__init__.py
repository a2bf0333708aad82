"""Downloads of a version, one module per format (csv.py, xlsx.py; issue 4 adds JSON, XML,
Parquet, GeoJSON and the Data Package). Every exporter writes to a file path so large downloads
are streamed from disk, never built in memory, and every one escapes spreadsheet formulas
(escape.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from satudata.warehouse.models import Version

Exporter = Callable[[Version, Path], None]


def exporters() -> dict[str, tuple[Exporter, str]]:
    """Format name → (exporter, content type)."""
    from satudata.warehouse.exports import csv, xlsx

    return {
        "csv": (csv.export_csv, "text/csv; charset=utf-8"),
        "xlsx": (
            xlsx.export_xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
