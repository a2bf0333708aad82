"""Prepare the process before Django loads: the home folder, the settings module, setup."""

from __future__ import annotations

import os
import sys
from pathlib import Path


class HomeError(Exception):
    """The home folder cannot be used (a file in its place, no permission, full disk)."""


def prepare(home: str | None = None) -> None:
    """Point SATUDATA_HOME at `home` (when given) before the settings are imported."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    if home:
        os.environ["SATUDATA_HOME"] = str(Path(home).expanduser().resolve())
        _warn_if_settings_already_loaded(Path(os.environ["SATUDATA_HOME"]))


def _warn_if_settings_already_loaded(home: Path) -> None:
    # Inside one process the settings load once; a later --home cannot move them (tests).
    from django.conf import settings

    if settings.configured and Path(settings.SATUDATA_HOME) != home:
        print(
            f"warning: settings already loaded from {settings.SATUDATA_HOME}; --home ignored",
            file=sys.stderr,
        )


def setup_django() -> None:
    """`django.setup()`, turning an unusable home folder into a HomeError with a clear cause."""
    import django

    try:
        django.setup()
    except OSError as exc:
        home = os.environ.get("SATUDATA_HOME", "satudata-data")
        raise HomeError(f"cannot use the home folder {home}: {exc.strerror or exc}") from exc


def fail(message: str, status: int = 1) -> int:
    """Print an error for the person at the terminal and return the exit status."""
    print(f"satudata: error: {message}", file=sys.stderr)
    return status
