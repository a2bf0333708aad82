"""The in-process DuckDB engine: one configured connection per task (ingest, query, export).

Connections are cheap (in-memory catalogue) and never shared between threads. Bounds come from
settings with their unit in the name; extensions are never downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from django.conf import settings


def connect(temp_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    config = {
        "memory_limit": f"{settings.SATUDATA_DUCKDB_MEMORY_LIMIT_MB}MB",
        "threads": max(1, int(settings.SATUDATA_DUCKDB_THREADS)),
        # No network at run time: never fetch an extension behind the user's back.
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    return duckdb.connect(":memory:", config=config)


def quote_identifier(name: str) -> str:
    """Quote a column name for SQL; user-chosen names are only ever used through this."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal where DuckDB accepts no parameter (COPY … TO 'path')."""
    return "'" + str(value).replace("'", "''") + "'"
