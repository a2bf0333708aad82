"""Content-addressed blob store (DESIGN §2): raw uploads, Parquet versions, anything immutable.

A blob lives at `BLOB_ROOT/sha256/ab/cd/<hash>`. Writes stream into a temporary file on the same
file system (`BLOB_ROOT/tmp`), are fsynced and then renamed into place, so a reader never sees a
half-written blob and a crash leaves at most a stray temporary file. Writing the same bytes twice
gives the same file (idempotent).

The interface is deliberately small (`put_stream`, `put_file`, `open_blob`, `blob_path`, `exists`,
`stage`) so that an S3-compatible backend with the same key layout can replace `LocalBlobStore`
later: `blob_path` is the only call that assumes a local file, and its callers (DuckDB reads,
file responses) would get a locally cached copy from such a backend.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

CHUNK_BYTES = 1024 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class BlobTooLarge(ValueError):
    """The stream passed its size limit; nothing was stored."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"blob larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int
    path: Path


def _check_hash(sha256: str) -> str:
    # Also what keeps a caller from walking out of the store with `../`.
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class StagedBlob:
    """A blob being written: write bytes, then `commit()` to move it into the store.

    Used as a context manager; leaving the block without committing deletes the temporary file,
    so a failed ingest stores nothing.
    """

    def __init__(self, store: LocalBlobStore, max_bytes: int | None = None) -> None:
        self._store = store
        self._max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self.size = 0
        fd, name = tempfile.mkstemp(prefix="stage-", dir=store.tmp_dir)
        self.path = Path(name)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self.ref: BlobRef | None = None

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise ValueError("staged blob already closed")
        self.size += len(chunk)
        if self._max_bytes is not None and self.size > self._max_bytes:
            raise BlobTooLarge(self._max_bytes)
        self._hash.update(chunk)
        self._file.write(chunk)

    def close(self) -> None:
        """Finish writing (flush + fsync); the bytes can now be read at `self.path`."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def commit(self) -> BlobRef:
        self.close()
        if self.ref is None:
            self.ref = self._store._adopt(self.path, self.sha256, self.size)
        return self.ref

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.ref is None:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> StagedBlob:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def tmp_dir(self) -> Path:
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def blob_path(self, sha256: str) -> Path:
        sha256 = _check_hash(sha256)
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.blob_path(sha256).is_file()

    def open_blob(self, sha256: str) -> BinaryIO:
        return self.blob_path(sha256).open("rb")

    def stage(self, *, max_bytes: int | None = None) -> StagedBlob:
        return StagedBlob(self, max_bytes=max_bytes)

    def put_stream(self, fileobj: BinaryIO, *, max_bytes: int | None = None) -> BlobRef:
        with self.stage(max_bytes=max_bytes) as staged:
            while chunk := fileobj.read(CHUNK_BYTES):
                staged.write(chunk)
            return staged.commit()

    def put_bytes(self, data: bytes) -> BlobRef:
        with self.stage() as staged:
            staged.write(data)
            return staged.commit()

    def put_file(self, path: Path | str, *, move: bool = False) -> BlobRef:
        """Store a local file. `move=True` renames it in (no copy) when it is on the same disk."""
        path = Path(path)
        if move and path.stat().st_dev == self.tmp_dir.stat().st_dev:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    digest.update(chunk)
                os.fsync(handle.fileno())
            return self._adopt(path, digest.hexdigest(), path.stat().st_size)
        with path.open("rb") as handle:
            ref = self.put_stream(handle)
        if move:
            path.unlink(missing_ok=True)
        return ref

    def _adopt(self, temp_path: Path, sha256: str, size: int) -> BlobRef:
        """Rename a finished, fsynced temporary file to its content address."""
        final = self.blob_path(sha256)
        if final.is_file():
            # Same bytes already stored: keep the existing file (idempotent).
            temp_path.unlink(missing_ok=True)
            return BlobRef(sha256, final.stat().st_size, final)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp_path, 0o444)  # blobs are immutable
        os.replace(temp_path, final)
        _fsync_dir(final.parent)
        return BlobRef(sha256, size, final)

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Path]:
        """A private scratch folder on the store's disk (so results can be renamed in)."""
        folder = Path(tempfile.mkdtemp(prefix="work-", dir=self.tmp_dir))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def default_store() -> LocalBlobStore:
    # Read the setting each time: tests (and `satudata demo --home`) point it elsewhere.
    return LocalBlobStore(Path(settings.BLOB_ROOT))


def put_stream(fileobj: BinaryIO, *, max_bytes: int | None = None) -> BlobRef:
    return default_store().put_stream(fileobj, max_bytes=max_bytes)


def put_bytes(data: bytes) -> BlobRef:
    return default_store().put_bytes(data)


def put_file(path: Path | str, *, move: bool = False) -> BlobRef:
    return default_store().put_file(path, move=move)


def open_blob(sha256: str) -> BinaryIO:
    return default_store().open_blob(sha256)


def blob_path(sha256: str) -> Path:
    return default_store().blob_path(sha256)


def exists(sha256: str) -> bool:
    return default_store().exists(sha256)


def stage(*, max_bytes: int | None = None) -> StagedBlob:
    return default_store().stage(max_bytes=max_bytes)


def workspace():
    return default_store().workspace()
