"""ZIP containers: a ZIP of data files, and the ZIP inside every XLSX/ODS workbook.

Both are opened only within named bounds, so a zip bomb (a few kilobytes that inflate to
gigabytes) is refused before it fills the disk or the memory:

- `SATUDATA_ZIP_MAX_RATIO`: how many times larger than its compressed size one member may be;
- `SATUDATA_ZIP_MAX_UNCOMPRESSED_MB`: all members together, uncompressed;
- `SATUDATA_ZIP_MAX_FILES`: how many entries the archive may list.

The sizes written in the ZIP's directory are checked first (cheap), then the real number of
inflated bytes is counted while extracting or verifying, because a forged directory can lie.
Member names never become paths on disk (no "zip slip"): a member is extracted to a fixed name
inside the scratch folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed
from satudata.warehouse.ingest.report import fail

COPY_CHUNK_BYTES = 1024 * 1024
# Members that are not data: folders, macOS resource forks, hidden and Office lock files.
IGNORED_PREFIXES = ("__MACOSX/",)
IGNORED_NAME_STARTS = (".", "~$")


def max_ratio() -> int:
    return int(getattr(settings, "SATUDATA_ZIP_MAX_RATIO", 100))


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "SATUDATA_ZIP_MAX_UNCOMPRESSED_MB", 1024)) * 1024 * 1024


def max_files() -> int:
    return int(getattr(settings, "SATUDATA_ZIP_MAX_FILES", 10_000))


def _bomb(filename: str, reason: str) -> ValidationFailed:
    return fail(
        "source-error",
        _("The archive “%(name)s” was not opened: %(reason)s")
        % {"name": filename, "reason": reason},
    )


def _ratio_reason(member: str, ratio: float) -> str:
    return _(
        "“%(member)s” would grow %(ratio)d times larger than it is compressed (the limit is"
        " %(limit)d times, SATUDATA_ZIP_MAX_RATIO). Such files are used to exhaust servers."
    ) % {"member": member, "ratio": int(ratio), "limit": max_ratio()}


def _total_reason() -> str:
    return _(
        "its contents would be larger than %(limit)d MB uncompressed"
        " (SATUDATA_ZIP_MAX_UNCOMPRESSED_MB). Split it or ask the administrator."
    ) % {"limit": max_uncompressed_bytes() // (1024 * 1024)}


def _open(path: Path, filename: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise fail(
            "format-error",
            _("The file “%(name)s” is damaged: its ZIP structure cannot be read.")
            % {"name": filename},
        ) from None


def check_directory(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse on what the ZIP directory declares: too many entries, ratio, total size."""
    entries = archive.infolist()
    if len(entries) > max_files():
        raise _bomb(
            filename,
            _("it lists %(count)d files (the limit is %(limit)d, SATUDATA_ZIP_MAX_FILES).")
            % {"count": len(entries), "limit": max_files()},
        )
    total = 0
    for info in entries:
        if info.flag_bits & 0x1:
            raise fail(
                "source-error",
                _(
                    "The archive “%(name)s” is protected with a password; upload the file"
                    " without a password."
                )
                % {"name": filename},
            )
        total += info.file_size
        if total > max_uncompressed_bytes():
            raise _bomb(filename, _total_reason())
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > COPY_CHUNK_BYTES and ratio > max_ratio():
            raise _bomb(filename, _ratio_reason(info.filename, ratio))


class _Budget:
    """Counts inflated bytes over a whole archive (directory sizes may be forged)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.total = 0

    def add(self, info: zipfile.ZipInfo, member_bytes: int, chunk: int) -> None:
        self.total += chunk
        if self.total > max_uncompressed_bytes():
            raise _bomb(self.filename, _total_reason())
        ratio = member_bytes / max(info.compress_size, 1)
        # A tiny member may inflate by more than the ratio without harm; only count real mass.
        if member_bytes > COPY_CHUNK_BYTES and ratio > max_ratio():
            raise _bomb(self.filename, _ratio_reason(info.filename, ratio))


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, sink) -> None:
    written = 0
    try:
        with archive.open(info) as source:
            while chunk := source.read(COPY_CHUNK_BYTES):
                written += len(chunk)
                budget.add(info, written, len(chunk))
                if sink is not None:
                    sink.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise fail(
            "format-error",
            _("“%(member)s” in the archive cannot be read (%(error)s).")
            % {"member": info.filename, "error": exc.__class__.__name__},
        ) from None


def check_container(path: Path, filename: str) -> None:
    """Verify a workbook's ZIP (XLSX/ODS) within the limits before a parser inflates it."""
    with _open(path, filename) as archive:
        check_directory(archive, filename)
        budget = _Budget(filename)
        for info in archive.infolist():
            if not info.is_dir():
                _inflate(archive, info, budget, None)


def _is_data_member(info: zipfile.ZipInfo) -> bool:
    from satudata.warehouse.ingest.sniff import FORMAT_BY_EXTENSION

    name = info.filename
    base = PurePosixPath(name).name
    if info.is_dir() or name.startswith(IGNORED_PREFIXES) or base.startswith(IGNORED_NAME_STARTS):
        return False
    suffix = PurePosixPath(base).suffix.lower().lstrip(".")
    return suffix in FORMAT_BY_EXTENSION or suffix in {"xlsm", "xlsb"}


def _choose(members: list[zipfile.ZipInfo], wanted: str | None, filename: str) -> zipfile.ZipInfo:
    names = [info.filename for info in members]
    if wanted:
        for info in members:
            if wanted in (info.filename, PurePosixPath(info.filename).name):
                return info
        error = fail(
            "source-error",
            _("The archive “%(name)s” has no file “%(member)s”. It holds: %(names)s.")
            % {"name": filename, "member": wanted, "names": ", ".join(names) or "—"},
        )
        error.details["choices"] = {"members": names}
        raise error
    if not members:
        raise fail(
            "source-error",
            _("The archive “%(name)s” holds no data file (CSV, Excel, ODS, JSON, GeoJSON or XML).")
            % {"name": filename},
        )
    if len(members) > 1:
        error = fail(
            "source-error",
            _(
                "The archive “%(name)s” holds %(count)d data files: %(names)s. Choose the one"
                " to read."
            )
            % {"name": filename, "count": len(members), "names": ", ".join(names[:20])},
        )
        error.details["choices"] = {"members": names}
        raise error
    return members[0]


def extract_member(
    path: Path, filename: str, workdir: Path, options
) -> tuple[Path, str, list[str]]:
    """Extract the chosen (or only) data file; returns (path on disk, its name, all data names)."""
    with _open(path, filename) as archive:
        check_directory(archive, filename)
        members = [info for info in archive.infolist() if _is_data_member(info)]
        info = _choose(members, getattr(options, "member", None), filename)
        suffix = PurePosixPath(info.filename).suffix.lower()[:10]
        target = workdir / f"zip-member{suffix}"
        with target.open("wb") as sink:
            _inflate(archive, info, _Budget(filename), sink)
    return target, PurePosixPath(info.filename).name, [m.filename for m in members]
