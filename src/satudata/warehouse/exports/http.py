"""Serving a download: format lookup, strong ETag and 304, safe file name, streamed body.

Callers (views, later the API) have already found the version through `visible_to(user)`; this
module never widens access. The ETag is derived from the Parquet sha256 (versions are immutable),
the format and the exporter revision; formats that also carry the dataset's metadata (XLSX, Data
Package) add a digest of that metadata and of the UI language, because their bytes change with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from satudata.core import audit, blobs
from satudata.warehouse.exports import EXPORT_REVISION, ExportFormat, export_formats
from satudata.warehouse.exports.datapackage import package_name
from satudata.warehouse.models import Version


def find_format(version: Version, key: str) -> ExportFormat:
    """The format behind `unduh.<key>`; 404 with a clear message when unknown or unavailable."""
    found = export_formats().get(key)
    if found is None:
        raise Http404(_("Unknown download format."))
    reason = found.unavailable_reason(version)
    if reason:
        raise Http404(reason)
    return found


def export_etag(version: Version, fmt: ExportFormat) -> str:
    """The (unquoted) strong ETag of `version` downloaded as `fmt`."""
    if fmt.is_blob:
        return version.parquet_sha256
    parts = [EXPORT_REVISION, fmt.key, audit.canonical_json(version.table_schema)]
    if fmt.carries_metadata:
        dataset = version.dataset
        parts += [
            dataset.modified_at.isoformat() if dataset.modified_at else "",
            dataset.organisation.name,
            version.status,
            version.published_at.isoformat() if version.published_at else "",
            get_language() or "",
        ]
    suffix = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{version.parquet_sha256}-{fmt.key}-{suffix}"


def download_filename(version: Version, fmt: ExportFormat) -> str:
    """`<slug>-v<number>.<ext>`, ASCII letters, digits, `-`, `_` and `.` only."""
    stem = f"{package_name(version.dataset.slug)}-v{version.number}"
    if fmt.key == "zip":
        stem += "-datapackage"
    return f"{stem}.{fmt.extension}"


def _publicly_visible(version: Version) -> bool:
    return Version.objects.visible_to(None).filter(pk=version.pk).exists()


def _finish(response: HttpResponseBase, etag: str, public: bool) -> HttpResponseBase:
    response.headers["ETag"] = etag
    # Always revalidate (cheap: 304) — the current-version URL moves when a version is published,
    # and a dataset may become restricted later; private unless anybody may see it.
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, no-cache"
    return response


def built_files_dir() -> Path:
    folder = Path(settings.BLOB_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _built_file(version: Version, fmt: ExportFormat, etag: str):
    """The built file (XLSX), kept under its ETag: the same bytes are never built twice (a
    workbook of a million rows takes minutes to build). Built under a temporary name and renamed,
    so a half-built file is never served; kept `SATUDATA_EXPORT_CACHE_MAX_AGE_H` hours after
    its last use."""
    kept = built_files_dir() / f"{hashlib.sha256(etag.encode()).hexdigest()}.{fmt.extension}"
    try:
        handle = kept.open("rb")
    except OSError:
        pass
    else:
        os.utime(kept, None)
        return handle
    _purge_built_files()
    fd, name = tempfile.mkstemp(prefix="export-", suffix=f".{fmt.extension}", dir=kept.parent)
    os.close(fd)
    path = Path(name)
    try:
        fmt.build(version, path)
        os.replace(path, kept)
        return kept.open("rb")
    finally:
        path.unlink(missing_ok=True)


def _purge_built_files() -> None:
    max_age = float(getattr(settings, "SATUDATA_EXPORT_CACHE_MAX_AGE_H", 72)) * 3600
    now = time.time()
    for path in built_files_dir().iterdir():
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > max_age:
                path.unlink()


def _withheld(request: HttpRequest, dataset, version: Version, fmt: ExportFormat, reason: str):
    """A page saying why this format is not offered, with the formats that are (404: there is
    no such file), instead of the bare "page not found"."""
    from satudata.warehouse.exports import formats_for

    context = {
        "dataset": dataset,
        "version": version,
        "format": fmt,
        "reason": reason,
        "formats": formats_for(version),
    }
    return render(request, "warehouse/download_withheld.html", context, status=404)


def download_response(request: HttpRequest, dataset, version: Version, key: str):
    """The download of `version` (already permission-checked) in format `key`."""
    version.dataset = dataset  # the exporters read its metadata; no second query
    known = export_formats().get(key)
    if known is not None and known.max_rows is not None:
        reason = known.unavailable_reason(version)
        if reason:
            return _withheld(request, dataset, version, known, reason)
    fmt = find_format(version, key)
    if not version.parquet_sha256 or not blobs.exists(version.parquet_sha256):
        raise Http404(_("The data file of this version is missing."))
    etag = quote_etag(export_etag(version, fmt))
    public = _publicly_visible(version)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _finish(not_modified, etag, public)
    filename = download_filename(version, fmt)
    if fmt.is_blob:
        handle = blobs.blob_path(version.parquet_sha256).open("rb")
        response = FileResponse(handle, content_type=fmt.content_type)
    elif fmt.build is not None:
        response = FileResponse(_built_file(version, fmt, etag), content_type=fmt.content_type)
    else:
        response = StreamingHttpResponse(fmt.stream(version), content_type=fmt.content_type)
    response.headers["Content-Disposition"] = content_disposition_header(True, filename)
    return _finish(response, etag, public)
