"""Downloads of a version, one module per format.

Every format is either *streamed* (a generator of bytes over DuckDB record batches: CSV, JSON, XML,
GeoJSON and the Data Package ZIP), *built* into a temporary file first (XLSX, which openpyxl must
finish before sending), or the Parquet blob itself. Spreadsheet formats (CSV, XLSX and the CSV in
the Data Package) escape formulas (escape.py). `http.download_response` serves any of them with a
strong ETag, 304 answers and a safe file name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from satudata.warehouse.models import Version

Streamer = Callable[[Version], Iterator[bytes]]
Builder = Callable[[Version, Path], None]
# Bump when an exporter changes its output for the same version, so ETags change with it.
EXPORT_REVISION = "2"


@dataclass(frozen=True)
class ExportFormat:
    """One download format. `key` is the URL suffix (`unduh.<key>`)."""

    key: str
    label: str
    extension: str
    content_type: str
    stream: Streamer | None = None
    build: Builder | None = None
    # The file carries dataset metadata (title, licence, translated labels) besides the rows.
    carries_metadata: bool = False
    spatial_only: bool = False
    is_blob: bool = False
    # Versions with more rows than this are not offered in this format (None: no limit).
    max_rows: Callable[[], int] | None = None

    def available_for(self, version: Version) -> bool:
        return not self.unavailable_reason(version)

    def unavailable_reason(self, version: Version) -> str:
        """Why `version` is not offered in this format ("" when it is)."""
        from django.utils.translation import gettext as _

        if self.spatial_only:
            from satudata.warehouse.exports.geojson import geometry_field

            if geometry_field(version) is None:
                return _("GeoJSON downloads exist only for spatial datasets.")
        if self.max_rows is not None and (version.row_count or 0) > self.max_rows():
            return _(
                "Version %(number)d has %(rows)s rows, more than %(format)s offers "
                "(%(limit)s rows: the size of one Excel sheet); download it as CSV or Parquet."
            ) % {
                "number": version.number,
                "rows": f"{version.row_count:,}",
                "format": self.label,
                "limit": f"{self.max_rows():,}",
            }
        return ""


def export_formats() -> dict[str, ExportFormat]:
    """Every download format, in the order the page offers them."""
    from satudata.warehouse.exports import csv, datapackage, geojson, json, xlsx, xml

    formats = [
        ExportFormat("csv", "CSV", "csv", "text/csv; charset=utf-8", stream=csv.stream_csv),
        ExportFormat(
            "xlsx",
            "XLSX",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            build=xlsx.export_xlsx,
            carries_metadata=True,
            max_rows=xlsx.xlsx_max_rows,
        ),
        ExportFormat(
            "json", "JSON", "json", "application/json; charset=utf-8", stream=json.stream_json
        ),
        ExportFormat("xml", "XML", "xml", "application/xml; charset=utf-8", stream=xml.stream_xml),
        ExportFormat(
            "geojson",
            "GeoJSON",
            "geojson",
            "application/geo+json",
            stream=geojson.stream_geojson,
            spatial_only=True,
        ),
        ExportFormat(
            "parquet", "Parquet", "parquet", "application/vnd.apache.parquet", is_blob=True
        ),
        ExportFormat(
            "zip",
            "Data Package",
            "zip",
            "application/zip",
            stream=datapackage.stream_datapackage,
            carries_metadata=True,
        ),
    ]
    return {item.key: item for item in formats}


def formats_for(version: Version) -> list[ExportFormat]:
    """The formats a version can be downloaded in (GeoJSON only for spatial versions, XLSX only
    up to `SATUDATA_XLSX_MAX_ROWS` rows)."""
    return [item for item in export_formats().values() if item.available_for(version)]


def formats_withheld(version: Version) -> list[str]:
    """Why formats other than GeoJSON are not offered for `version` (shown beside the links)."""
    return [
        item.unavailable_reason(version)
        for item in export_formats().values()
        if not item.spatial_only and not item.available_for(version)
    ]


def catalogue_formats(version: Version) -> list[str]:
    """The format codes the catalogue lists and facets for a version: every download format it
    is offered in (by file extension: CSV, XLSX, JSON, XML, GEOJSON, PARQUET, ZIP) and the format
    the agency delivered it in (ODS, XLS, …) when that is another one."""
    codes = [item.extension.upper() for item in formats_for(version)]
    source = (version.source_format or "").strip().upper()
    if source.isalnum() and source not in codes:
        codes.append(source)
    return codes
