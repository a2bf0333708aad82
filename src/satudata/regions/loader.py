"""Load the packaged region data: the Kemendagri list, Klungkung's boundaries, the Bali BPS bridge.

Every function is idempotent: it compares the file with the database and writes only what differs
(bulk inserts for new codes, bulk updates for changed names/levels/parents), inside one
transaction, and appends one audit event when something changed. A second run changes nothing.
Codes that disappear from a newer list are kept (datasets may still refer to them) and counted.

The data files and their sources are listed in `data/ATTRIBUTION.md`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from satudata.core import audit
from satudata.core.errors import PermissionDenied, ValidationFailed
from satudata.core.permissions import SYSTEM
from satudata.regions.codes import (
    code_depth,
    is_region_code,
    normalise_region_code,
    parent_code,
)
from satudata.regions.models import LEVEL_DEPTH, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_FILE = DATA_DIR / "indonesia_wilayah_kemendagri_2025.csv.gz"
BPS_BRIDGE_FILE = DATA_DIR / "bali_bridging_kode_bps_kemendagri_2020.csv"
BOUNDARY_FILES: tuple[Path, ...] = (
    DATA_DIR / "klungkung_kabupaten.geojson",
    DATA_DIR / "klungkung_kecamatan.geojson",
    DATA_DIR / "klungkung_desa.geojson",
)
# Rows handed to one bulk call (and one progress tick); Django splits further per backend limit.
WRITE_BATCH_ROWS = 5000
# How many changed names an audit event lists by code (the counts are always complete).
AUDIT_SAMPLE_CHANGES = 20

Progress = Callable[[int, int], None]

_NAME_MAX_CHARS = Region._meta.get_field("name").max_length
_BPS_CODE_MAX_CHARS = Region._meta.get_field("bps_code").max_length
_LEVEL_DEPTHS: dict[str, int] = {str(level): depth for level, depth in LEVEL_DEPTH.items()}
_REGION_FIELDS = ("name", "level", "depth", "parent")
_GEOMETRY_TYPES = frozenset({"Polygon", "MultiPolygon"})


@dataclass(frozen=True)
class RegionRow:
    """One line of the Kemendagri list, checked."""

    code: str
    name: str
    level: str
    depth: int
    parent_code: str | None

    def as_tuple(self) -> tuple[str, str, int, str | None]:
        return (self.name, self.level, self.depth, self.parent_code)


@dataclass(frozen=True)
class RegionLoadResult:
    total: int  # codes in the list (inside `within`, when given)
    created: int
    updated: int
    unchanged: int
    not_in_list: int  # codes in the database that the list no longer has (kept)


# ---------------------------------------------------------------------------------------------
# Permission and reading


def _require_admin(actor) -> None:
    """Only admins (and the SYSTEM actor) may rewrite reference data (Region.scope_editable)."""
    if Region.objects.editable_by(actor).query.is_empty():
        raise PermissionDenied(_("Only an administrator may load region data."))


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _row_error(path: Path, line: int, message: str) -> ValidationFailed:
    return ValidationFailed(
        _("%(file)s, line %(line)d: %(message)s")
        % {"file": path.name, "line": line, "message": message},
        code="invalid-region-file",
        details={"file": path.name, "line": line},
    )


def _check_row(raw: dict, path: Path, line: int) -> RegionRow:
    code = raw.get("kode") or ""
    if not is_region_code(code):
        try:
            dotted = normalise_region_code(code)
        except ValidationFailed as error:
            raise _row_error(path, line, error.message) from None
        raise _row_error(path, line, _("the code must be written in dotted form (%s).") % dotted)
    name = (raw.get("nama") or "").strip()
    if not name or len(name) > _NAME_MAX_CHARS:
        raise _row_error(path, line, _("the name must have 1 to %d characters.") % _NAME_MAX_CHARS)
    level = (raw.get("level") or "").strip()
    depth = code_depth(code)
    if _LEVEL_DEPTHS.get(level) != depth:
        raise _row_error(
            path,
            line,
            _("level '%(level)s' does not fit code %(code)s.")
            % {"level": level[:30], "code": code},
        )
    parent = (raw.get("parent_kode") or "").strip() or None
    if parent != parent_code(code):
        raise _row_error(
            path,
            line,
            _("parent '%(parent)s' does not fit code %(code)s.")
            % {"parent": (parent or "")[:30], "code": code},
        )
    return RegionRow(code, name, level, depth, parent)


def read_region_rows(path: Path = REGIONS_FILE) -> list[RegionRow]:
    """All rows of a Kemendagri list (CSV, optionally gzipped: `kode,nama,level,parent_kode`).

    Raises ValidationFailed naming the file and line of the first bad row or duplicate code.
    """
    rows: list[RegionRow] = []
    seen: set[str] = set()
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        missing = {"kode", "nama", "level", "parent_kode"} - set(reader.fieldnames or ())
        if missing:
            raise _row_error(path, 1, _("missing columns: %s.") % ", ".join(sorted(missing)))
        for line, raw in enumerate(reader, start=2):
            row = _check_row(raw, path, line)
            if row.code in seen:
                raise _row_error(path, line, _("code %s appears twice.") % row.code)
            seen.add(row.code)
            rows.append(row)
    return rows


def _within(code: str, scope: str | None) -> bool:
    """Is `code` the scope region, one of its ancestors, or one of its descendants?"""
    if scope is None:
        return True
    return code == scope or code.startswith(scope + ".") or scope.startswith(code + ".")


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------
# Regions


def sync_regions(
    rows: Iterable[RegionRow],
    *,
    actor=SYSTEM,
    progress: Progress | None = None,
    source: str = "",
    within: str | None = None,
) -> RegionLoadResult:
    """Make the Region table match `rows`: insert new codes, update changed ones, keep the rest."""
    _require_admin(actor)
    wanted = {row.code: row for row in rows if _within(row.code, within)}
    total = len(wanted)
    with transaction.atomic():
        existing_qs = Region.objects.all()
        if within is not None:
            existing_qs = existing_qs.filter(
                Q(code__in=_scope_codes(within)) | Q(code__startswith=within + ".")
            )
        existing = {
            code: (name, level, depth, parent)
            for code, name, level, depth, parent in existing_qs.values_list(
                "code", "name", "level", "depth", "parent_id"
            )
        }
        new = [row for code, row in wanted.items() if code not in existing]
        changed = [
            row
            for code, row in wanted.items()
            if code in existing and existing[code] != row.as_tuple()
        ]
        done = total - len(new) - len(changed)
        if progress:
            progress(done, total)
        done = _insert_regions(new, done, total, progress)
        renamed = _update_regions(changed, existing, done, total, progress)
        not_in_list = sum(1 for code in existing if code not in wanted)
        result = RegionLoadResult(
            total=total,
            created=len(new),
            updated=len(changed),
            unchanged=total - len(new) - len(changed),
            not_in_list=not_in_list,
        )
        if new or changed:
            audit.record(
                actor,
                "regions.load",
                object_type="regions.region",
                object_id=within or "",
                changes={
                    "source": source,
                    "created": result.created,
                    "updated": result.updated,
                    "not_in_list": result.not_in_list,
                    "renamed": renamed,
                },
            )
    return result


def _scope_codes(scope: str) -> list[str]:
    parts = scope.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


_INSERT_COLUMNS = ("code", "name", "level", "depth", "parent_id", "bps_code", "bps_name")


def _insert_regions(new: list[RegionRow], done: int, total: int, progress: Progress | None) -> int:
    """Insert new codes in bulk: COPY on PostgreSQL, one `executemany` per batch elsewhere.

    `bulk_create` spends ~3 s building 91,599 model instances and SQL strings (SQLite caps it at
    99 rows per statement); psycopg's executemany still pays a round trip per row (~8 s). COPY
    and SQLite's in-process executemany each take well under a second for the whole list.
    """
    meta = Region._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(
        quote(meta.get_field(c.removesuffix("_id")).column) for c in _INSERT_COLUMNS
    )
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", cursor)
        use_copy = connection.vendor == "postgresql" and hasattr(raw, "copy")
        for batch in _batches(new, WRITE_BATCH_ROWS):
            values = [(r.code, r.name, r.level, r.depth, r.parent_code, "", "") for r in batch]
            if use_copy:
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                    values,
                )
            done += len(batch)
            if progress:
                progress(done, total)
    return done


def _update_regions(
    changed: list[RegionRow],
    existing: dict[str, tuple],
    done: int,
    total: int,
    progress: Progress | None,
) -> dict[str, list[str]]:
    """Bulk-update changed rows; return a sample of renames (code → [old, new]) for the audit."""
    renamed: dict[str, list[str]] = {}
    for batch in _batches(changed, WRITE_BATCH_ROWS):
        objects = []
        for row in batch:
            old_name = existing[row.code][0]
            if old_name != row.name and len(renamed) < AUDIT_SAMPLE_CHANGES:
                renamed[row.code] = [old_name, row.name]
            objects.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    depth=row.depth,
                    parent_id=row.parent_code,
                )
            )
        Region.objects.bulk_update(objects, _REGION_FIELDS, batch_size=500)
        done += len(batch)
        if progress:
            progress(done, total)
    return renamed


def load_region_file(
    path: Path = REGIONS_FILE,
    *,
    actor=SYSTEM,
    progress: Progress | None = None,
    within: str | None = None,
) -> RegionLoadResult:
    """Read a Kemendagri list and sync the Region table with it (see `sync_regions`)."""
    rows = read_region_rows(path)
    return sync_regions(rows, actor=actor, progress=progress, source=path.name, within=within)


def load_regions(
    progress: Progress | None = None, *, actor=SYSTEM, within: str | None = None
) -> int:
    """Load the packaged Kemendagri list (91,599 codes); returns how many codes the list has.

    `within="51.05"` loads only that region, its ancestors and its descendants (for tests and
    small installations); without it, the whole country.
    """
    return load_region_file(REGIONS_FILE, actor=actor, progress=progress, within=within).total


# ---------------------------------------------------------------------------------------------
# Boundaries


def _read_features(path: Path) -> list[dict]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed(
            _("%(file)s is not a readable GeoJSON file: %(error)s")
            % {"file": path.name, "error": str(error)[:200]},
            code="invalid-boundary-file",
        ) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationFailed(
            _("%s is not a GeoJSON FeatureCollection.") % path.name, code="invalid-boundary-file"
        )
    return list(collection.get("features") or [])


def _boundary_of(feature: dict, path: Path, index: int) -> tuple[str, dict, float, float]:
    """(code, geometry, latitude, longitude) of one feature, or ValidationFailed."""
    properties = feature.get("properties") or {}
    geometry = feature.get("geometry") or {}
    try:
        code = normalise_region_code(str(properties.get("kode", "")))
    except ValidationFailed as error:
        raise ValidationFailed(
            _("%(file)s, feature %(index)d: %(message)s")
            % {"file": path.name, "index": index, "message": error.message},
            code="invalid-boundary-file",
        ) from None
    if geometry.get("type") not in _GEOMETRY_TYPES or not geometry.get("coordinates"):
        raise ValidationFailed(
            _(
                "%(file)s, feature %(index)d (%(code)s): the geometry must be a Polygon or "
                "MultiPolygon."
            )
            % {"file": path.name, "index": index, "code": code},
            code="invalid-boundary-file",
        )
    latitude, longitude = properties.get("lat"), properties.get("lng")
    if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
        longitude, latitude = bbox_centre(geometry)
    return code, geometry, float(latitude), float(longitude)


def bbox_centre(geometry: dict) -> tuple[float, float]:
    """(lng, lat) centre of a (Multi)Polygon's bounding box: a fallback label point."""
    lngs, lats = [], []
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        for lng, lat, *_rest in polygon[0]:
            lngs.append(lng)
            lats.append(lat)
    return (min(lngs) + max(lngs)) / 2, (min(lats) + max(lats)) / 2


def load_boundaries(*, actor=SYSTEM, files: Iterable[Path] = BOUNDARY_FILES) -> int:
    """Attach the packaged GeoJSON geometries (and centroid lat/lng) to their regions.

    Returns how many regions carry a boundary from the files; regions not loaded yet are skipped.
    """
    _require_admin(actor)
    boundaries: dict[str, tuple[dict, float, float]] = {}
    for path in files:
        for index, feature in enumerate(_read_features(path), start=1):
            code, geometry, latitude, longitude = _boundary_of(feature, path, index)
            boundaries[code] = (geometry, latitude, longitude)
    with transaction.atomic():
        regions = Region.objects.in_bulk(list(boundaries))
        changed = []
        for code, region in regions.items():
            geometry, latitude, longitude = boundaries[code]
            if (region.boundary, region.latitude, region.longitude) != (
                geometry,
                latitude,
                longitude,
            ):
                region.boundary, region.latitude, region.longitude = geometry, latitude, longitude
                changed.append(region)
        if changed:
            Region.objects.bulk_update(
                changed, ["boundary", "latitude", "longitude"], batch_size=50
            )
            audit.record(
                actor,
                "regions.load_boundaries",
                object_type="regions.region",
                changes={
                    "files": [Path(path).name for path in files],
                    "updated": len(changed),
                    "codes": sorted(region.code for region in changed)[:AUDIT_SAMPLE_CHANGES],
                },
            )
    return len(regions)


# ---------------------------------------------------------------------------------------------
# BPS bridge


def _read_bridge(path: Path) -> dict[str, tuple[str, str]]:
    """Kemendagri code → (BPS code, BPS name) from the bridging CSV."""
    bridge: dict[str, tuple[str, str]] = {}
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        needed = {"kode_bps", "nama_bps", "kode_dagri_bertitik"}
        missing = needed - set(reader.fieldnames or ())
        if missing:
            raise _row_error(path, 1, _("missing columns: %s.") % ", ".join(sorted(missing)))
        for line, raw in enumerate(reader, start=2):
            try:
                code = normalise_region_code(raw["kode_dagri_bertitik"] or "")
            except ValidationFailed as error:
                raise _row_error(path, line, error.message) from None
            bps_code = (raw["kode_bps"] or "").strip()
            if (
                not bps_code.isascii()
                or not bps_code.isdigit()
                or len(bps_code) > _BPS_CODE_MAX_CHARS
            ):
                raise _row_error(path, line, _("'%s' is not a BPS code.") % bps_code[:20])
            bridge[code] = (bps_code, (raw["nama_bps"] or "").strip()[:_NAME_MAX_CHARS])
    return bridge


def load_bps_bridge(*, actor=SYSTEM, path: Path = BPS_BRIDGE_FILE) -> int:
    """Fill bps_code/bps_name from the Bali bridge; returns how many regions carry a BPS code."""
    _require_admin(actor)
    bridge = _read_bridge(path)
    with transaction.atomic():
        regions = Region.objects.in_bulk(list(bridge))
        changed = []
        for code, region in regions.items():
            bps_code, bps_name = bridge[code]
            if (region.bps_code, region.bps_name) != (bps_code, bps_name):
                region.bps_code, region.bps_name = bps_code, bps_name
                changed.append(region)
        if changed:
            Region.objects.bulk_update(changed, ["bps_code", "bps_name"], batch_size=500)
            audit.record(
                actor,
                "regions.load_bps_bridge",
                object_type="regions.region",
                changes={"source": path.name, "updated": len(changed)},
            )
    return len(regions)


# ---------------------------------------------------------------------------------------------
# Everything


def load_all(progress: Progress | None = None, *, actor=SYSTEM) -> dict[str, int]:
    """Regions, then boundaries, then the BPS bridge. Idempotent; returns counts.

    Keys: `regions` (codes in the list), `regions_created`, `regions_updated`,
    `regions_not_in_list`, `boundaries` (regions with a boundary), `bps_bridge` (regions with a
    BPS code).
    """
    result = load_region_file(REGIONS_FILE, actor=actor, progress=progress)
    return {
        "regions": result.total,
        "regions_created": result.created,
        "regions_updated": result.updated,
        "regions_not_in_list": result.not_in_list,
        "boundaries": load_boundaries(actor=actor),
        "bps_bridge": load_bps_bridge(actor=actor),
    }
