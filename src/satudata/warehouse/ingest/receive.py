"""Step 1: receive the bytes — bounded by `SATUDATA_UPLOAD_MAX_MB`, hashed (sha256) while streamed
to a staged blob. Nothing is stored until the service commits the staged blob."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.core import blobs
from satudata.warehouse.ingest.report import fail

FILENAME_MAX_CHARS = 200
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Received:
    filename: str
    blob: blobs.StagedBlob

    @property
    def sha256(self) -> str:
        return self.blob.sha256

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def path(self) -> Path:
        return self.blob.path

    @property
    def extension(self) -> str:
        suffix = PurePosixPath(self.filename).suffix
        return suffix[1:].lower() if suffix else ""


def upload_limit_bytes() -> int:
    return int(settings.SATUDATA_UPLOAD_MAX_MB) * 1024 * 1024


def clean_filename(filename: str) -> str:
    """The base name only (no folders from either OS), without control characters, bounded."""
    name = PureWindowsPath(PurePosixPath(str(filename or "")).name).name
    name = _CONTROL_RE.sub("", unicodedata.normalize("NFC", name)).strip()
    if len(name) > FILENAME_MAX_CHARS:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: FILENAME_MAX_CHARS - len(suffix)] + suffix
    return name or "data"


def too_large_message() -> str:
    return _(
        "The file is larger than the limit of %(limit)d MB. Split it or ask the administrator."
    ) % {"limit": int(settings.SATUDATA_UPLOAD_MAX_MB)}


def _too_large():
    return fail("source-error", too_large_message())


def _chunks(data: bytes | BinaryIO | Path) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), blobs.CHUNK_BYTES):
            yield bytes(view[start : start + blobs.CHUNK_BYTES])
        return
    if isinstance(data, str | Path):
        with Path(data).open("rb") as handle:
            while chunk := handle.read(blobs.CHUNK_BYTES):
                yield chunk
        return
    if hasattr(data, "seek"):
        with contextlib.suppress(OSError, ValueError):
            data.seek(0)
    while chunk := data.read(blobs.CHUNK_BYTES):
        yield chunk


def _declared_size(data) -> int | None:
    if isinstance(data, bytes | bytearray | memoryview):
        return len(data)
    if isinstance(data, str | Path):
        return Path(data).stat().st_size
    size = getattr(data, "size", None)  # Django UploadedFile
    return size if isinstance(size, int) else None


@contextlib.contextmanager
def receive(data: bytes | BinaryIO | Path, filename: str) -> Iterator[Received]:
    """Stage the bytes; the staged blob is deleted on exit unless the caller committed it."""
    limit = upload_limit_bytes()
    declared = _declared_size(data)
    if declared is not None and declared > limit:
        raise _too_large()
    with blobs.stage(max_bytes=limit) as staged:
        try:
            for chunk in _chunks(data):
                staged.write(chunk)
        except blobs.BlobTooLarge:
            raise _too_large() from None
        staged.close()
        yield Received(filename=clean_filename(filename), blob=staged)
