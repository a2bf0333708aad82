"""Frictionless Data Package download: a ZIP holding `datapackage.json` (the dataset's metadata,
one tabular resource with the version's Table Schema) and the data as CSV (`data/<slug>.csv`,
the same formula-escaped CSV as the CSV download).

The ZIP is written while it is sent: `zipfile` writes into a sink that the response drains after
every CSV batch (ZIP data descriptors, no seeking), so nothing is held in memory or on disk. Member
dates are the version's creation time, so the same version and metadata give the same bytes.
"""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from satudata.warehouse.exports.csv import stream_csv
from satudata.warehouse.models import Version

DESCRIPTOR_NAME = "datapackage.json"
CSV_DIALECT = {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\n"}


class _Sink:
    """A write-only, unseekable file that collects what zipfile writes until it is drained."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the response drains the chunks."""

    def drain(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def package_name(slug: str) -> str:
    """Data Package names are lower-case letters, digits, `-`, `_` and `.`."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in slug)
    return cleaned.lower().strip("-") or "dataset"


def csv_member_name(version: Version) -> str:
    return f"data/{package_name(version.dataset.slug)}.csv"


# Field properties that describe how the *received* file wrote its values (Indonesian number
# formats, day-first dates, yes/no words, "-" for no value). The exported CSV writes plain
# values instead (1234.5, 2024-01-31, true, an empty cell), so its schema must not carry them.
SOURCE_FORMAT_PROPERTIES = ("decimalChar", "groupChar", "bareNumber", "trueValues", "falseValues")
TEMPORAL_TYPES = frozenset({"date", "datetime", "time"})


def export_schema(table_schema: dict[str, Any]) -> dict[str, Any]:
    """The version's Table Schema as it describes the exported CSV."""
    schema = copy.deepcopy(table_schema or {})
    for field in schema.get("fields", []):
        if not isinstance(field, dict):
            continue
        for name in SOURCE_FORMAT_PROPERTIES:
            field.pop(name, None)
        field.pop("missingValues", None)
        if field.get("type") in TEMPORAL_TYPES and field.get("format") not in (None, "default"):
            field["format"] = "default"
    schema["missingValues"] = [""]
    return schema


def _licence(dataset) -> list[dict[str, str]]:
    from satudata.catalog.models import LICENCE_URLS

    if not dataset.licence:
        return []
    licence = {"name": dataset.licence, "title": str(dataset.get_licence_display())}
    if LICENCE_URLS.get(dataset.licence):
        licence["path"] = LICENCE_URLS[dataset.licence]
    return [licence]


def descriptor(version: Version) -> dict[str, Any]:
    """The `datapackage.json` of a version (Data Package v1, tabular)."""
    dataset = version.dataset
    organisation = dataset.organisation
    name = package_name(dataset.slug)
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": name,
        "title": dataset.title,
        "description": dataset.description,
        "version": str(version.number),
        "created": timezone.localtime(version.created_at).isoformat(),
        "licenses": _licence(dataset),
        "keywords": sorted(tag.name for tag in dataset.tags.all()),
        "contributors": [{"title": organisation.name, "role": "publisher"}],
        "sources": [{"title": dataset.data_source}] if dataset.data_source else [],
        "resources": [
            {
                "name": name,
                "path": csv_member_name(version),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": CSV_DIALECT,
                "schema": export_schema(version.table_schema),
            }
        ],
        "satudata": {
            "site": settings.SATUDATA_SITE_NAME,
            "dataset": dataset.slug,
            "version": version.number,
            "status": version.status,
            "rows": version.row_count,
            "classification": dataset.classification,
            "frequency": dataset.frequency,
            "unit": dataset.unit,
            "parquet_sha256": version.parquet_sha256,
            "source_file": version.source_filename,
            "source_sha256": version.raw_sha256,
            "formula_escaping": "text cells starting with = + - @ tab or CR get a leading '",
        },
    }
    if dataset.contact_name or dataset.contact_email:
        contact = {"title": dataset.contact_name or dataset.contact_email, "role": "maintainer"}
        if dataset.contact_email:
            contact["email"] = dataset.contact_email
        package["contributors"].append(contact)
    return package


def _member(name: str, date_time: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def stream_datapackage(version: Version) -> Iterator[bytes]:
    """The ZIP, as a generator. The descriptor is made now (database reads happen in the view,
    not later while the response is sent)."""
    text = json.dumps(descriptor(version), ensure_ascii=False, indent=2, default=str)
    return _zip_chunks(version, text)


def _zip_chunks(version: Version, text: str) -> Iterator[bytes]:
    stamp = timezone.localtime(version.created_at).timetuple()[:6]
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr(_member(DESCRIPTOR_NAME, stamp), text.encode("utf-8"))
        yield sink.drain()
        with archive.open(_member(csv_member_name(version), stamp), "w", force_zip64=True) as out:
            for chunk in stream_csv(version):
                out.write(chunk)
                if data := sink.drain():
                    yield data
    yield sink.drain()
