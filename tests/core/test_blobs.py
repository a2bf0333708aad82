"""The content-addressed blob store: layout, idempotence, atomic writes, size limits."""

from __future__ import annotations

import hashlib
import io
import stat

import pytest

from satudata.core import blobs


def test_put_bytes_is_content_addressed(settings):
    data = b"kode,nama\n51.10,Sumba\n"
    digest = hashlib.sha256(data).hexdigest()
    ref = blobs.put_bytes(data)
    assert ref.sha256 == digest
    assert ref.size == len(data)
    assert ref.path == settings.BLOB_ROOT / "sha256" / digest[:2] / digest[2:4] / digest
    assert blobs.exists(digest)
    with blobs.open_blob(digest) as handle:
        assert handle.read() == data
    # Immutable on disk: nobody (not even the app) writes to a stored blob by accident.
    assert not ref.path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_same_bytes_same_file(settings):
    first = blobs.put_stream(io.BytesIO(b"sama"))
    second = blobs.put_bytes(b"sama")
    assert first == second
    leftovers = [p for p in (settings.BLOB_ROOT / "tmp").iterdir() if p.name.startswith("stage-")]
    assert leftovers == []


def test_put_file_copy_and_move(tmp_path):
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * 3_000_000)  # several chunks
    ref = blobs.put_file(source)
    assert source.exists()
    assert ref.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    staged = blobs.default_store().tmp_dir / "to-move"
    staged.write_bytes(b"pindah")
    moved = blobs.put_file(staged, move=True)
    assert not staged.exists()
    assert moved.path.read_bytes() == b"pindah"


def test_size_limit_stores_nothing(settings):
    with pytest.raises(blobs.BlobTooLarge):
        blobs.put_stream(io.BytesIO(b"a" * 100), max_bytes=10)
    assert not blobs.exists(hashlib.sha256(b"a" * 100).hexdigest())
    assert not [p for p in (settings.BLOB_ROOT / "tmp").iterdir() if p.name.startswith("stage-")]


def test_uncommitted_stage_is_discarded():
    with blobs.stage() as staged:
        staged.write(b"belum")
        path = staged.path
        assert path.exists()
    assert not path.exists()
    assert not blobs.exists(hashlib.sha256(b"belum").hexdigest())


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "g" * 64, "a" * 63, ""])
def test_hash_is_checked(bad):
    with pytest.raises(ValueError):
        blobs.blob_path(bad)
