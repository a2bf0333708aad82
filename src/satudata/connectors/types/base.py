"""The contract every connector type fulfils (shared interface C).

A connector type knows how to read one kind of source (an HTTP API, an SQL database, a folder
of files, an OpenSID database) and nothing else: `pull()` returns the rows as the source has
them. Everything after that — mapping, validation, versions, schedules, runs — belongs to the
connectors app (`connectors.services` / `connectors.sync`), so every type gets it the same way.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa
from django import forms

from satudata.core.errors import SatuDataError


class SourceError(SatuDataError):
    """The source answered, but not with something we can import: the run fails, no retry.

    Examples: wrong credentials, HTML instead of JSON, an SQL statement that writes, a
    response over the size cap, a missing column.
    """

    code = "source-error"
    status = 502


class TransientSourceError(SourceError):
    """The source could not be reached right now (timeout, 5xx, refused): the run is retried
    with exponential backoff before it is recorded as failed."""

    code = "source-unavailable"
    status = 503


@dataclass
class Pulled:
    """What one pull read: rows with the source's own column names."""

    table: pa.Table
    # New incremental position (e.g. the largest `updated_at` seen), given back as `since`
    # on the next pull. None: the type does not pull incrementally, or nothing new.
    cursor: str | None = None
    # Short human lines for the run log. Never secrets, never personal data.
    log: list[str] = field(default_factory=list)


class ConnectorType(abc.ABC):
    """Base class of the connector types; subclasses register with `types.register`."""

    key: ClassVar[str]
    label: ClassVar[str]
    # Non-secret settings, validated by this form and stored as JSON on the connector.
    config_form: ClassVar[type[forms.Form]]
    # Names of settings stored encrypted and never shown back (passwords, tokens, keys).
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # Whether `pull(since=...)` means something for this type.
    supports_incremental: ClassVar[bool] = False

    @abc.abstractmethod
    def pull(
        self, config: dict, secrets: dict, *, since: str | None, limit: int | None = None
    ) -> Pulled:
        """Read the source. `since`: the cursor of the last good run (None: everything);
        `limit`: at most this many rows (the "try it" preview), None = all.

        Raise `TransientSourceError` for faults worth retrying, `SourceError` for the rest.
        """
