"""Registry of connector types (shared interface C).

`register(cls)` adds a type (usable as a class decorator), `get(key)` finds one, `all_types()`
lists them for the forms. Built-in types are imported at the bottom so they register on import.
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.util import find_spec

from satudata.connectors.types.base import (
    ConnectorType,
    Pulled,
    SourceError,
    TransientSourceError,
)
from satudata.core.errors import NotFound

__all__ = [
    "ConnectorType",
    "Pulled",
    "SourceError",
    "TransientSourceError",
    "all_types",
    "get",
    "register",
]

_REGISTRY: dict[str, type[ConnectorType]] = {}


def register(cls: type[ConnectorType]) -> type[ConnectorType]:
    """Add a connector type to the registry (its `key` must be unique)."""
    existing = _REGISTRY.get(cls.key)
    if existing is not None and existing is not cls:
        raise ValueError(f"connector type key {cls.key!r} already registered by {existing!r}")
    _REGISTRY[cls.key] = cls
    return cls


def get(key: str) -> type[ConnectorType]:
    """The registered type with this key; `NotFound` otherwise."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise NotFound(f"Unknown connector type: {key}", code="unknown-connector-type") from None


def all_types() -> list[type[ConnectorType]]:
    """Every registered type, in a stable order (by label) for choice lists."""
    return sorted(_REGISTRY.values(), key=lambda cls: str(cls.label))


# Built-in types. A type module that is not there yet (parallel work) is simply skipped; one
# that fails to import is logged and left out, so one broken type cannot take down the others
# (its connectors then fail with "unknown connector type" until it is repaired).
for _module in ("http", "sql", "filedrop", "opensid"):
    _name = f"satudata.connectors.types.{_module}"
    if find_spec(_name) is None:
        continue
    try:
        import_module(_name)
    except Exception:
        logging.getLogger(__name__).exception("connector type %s could not be loaded", _name)
