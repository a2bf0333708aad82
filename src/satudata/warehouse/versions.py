"""Versions side by side: what changed between two versions, and restoring an old one.

The comparison runs in DuckDB over the two immutable Parquet files:
- with a key (the schema's `primaryKey`, or a column the user picks), rows are matched by key:
  *added* = keys only in the newer version, *removed* = keys only in the older one, *changed* =
  same key, some other cell different (each changed cell shown old → new);
- without a key (or when the key is not unique), rows are compared whole, as multisets
  (`EXCEPT ALL`): a row that changed shows as one removed and one added row.
Schema changes (fields added, removed, type changed) come from the two Table Schemas. A
comparison is worked out once and stored (counts + every listed row, per kind, as small Parquet
files named by a digest of both Parquet hashes, the key and the schemas: versions never change);
pages are read from it. Large versions are worked out in the background (comparisons.py).

`restore_version` makes a new draft with the content and schema of an old version (a new version
number; history is never rewritten). Same content as the newest version → nothing new.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from satudata.core import audit, blobs
from satudata.core.errors import NotFound, ValidationFailed
from satudata.core.permissions import actor_for
from satudata.warehouse import engine
from satudata.warehouse.models import Version, VersionStatus
from satudata.warehouse.queries import (
    NUMERIC_TYPES,
    cached_query,
    parquet_path,
    schema_fields,
)

DIFF_PAGE_SIZE = 50
DIFF_KINDS = ("changed", "added", "removed")
POSITION = "file_row_number"  # the row position DuckDB's read_parquet adds on request
RESTORE_MESSAGE_MAX_CHARS = 500


@dataclass
class SchemaChanges:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    # (name, old type, new type)
    retyped: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.retyped)


@dataclass
class ChangedRow:
    key: list[Any]
    # (column, old value, new value) for the cells that differ
    cells: list[tuple[str, Any, Any]]


@dataclass
class VersionDiff:
    old: Version
    new: Version
    key: list[str]
    key_source: str  # "declared", "chosen" or "" (whole-row comparison)
    key_problem: str
    compared: list[str]
    schema: SchemaChanges
    added: int
    removed: int
    changed: int
    kind: str
    page: int
    page_size: int
    columns: list[str]
    rows: list[Any]
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        total = getattr(self, self.kind)
        self.pages = max(1, math.ceil(total / self.page_size))

    @property
    def by_key(self) -> bool:
        return bool(self.key)

    def link(self, kind: str | None = None, page: int = 1) -> str:
        """The query string of this comparison showing `kind` rows, page `page`."""
        params = [("a", str(self.old.number)), ("b", str(self.new.number))]
        if self.key_source == "chosen":
            params += [("key", name) for name in self.key]
        params.append(("show", kind or self.kind))
        if page > 1:
            params.append(("page", str(page)))
        return "?" + urlencode(params)

    @property
    def tabs(self) -> list[dict[str, Any]]:
        kinds = DIFF_KINDS if self.by_key else ("added", "removed")
        return [
            {"kind": k, "count": getattr(self, k), "link": self.link(k), "current": k == self.kind}
            for k in kinds
        ]

    @property
    def previous_link(self) -> str:
        return self.link(page=self.page - 1) if self.page > 1 else ""

    @property
    def next_link(self) -> str:
        return self.link(page=self.page + 1) if self.page < self.pages else ""

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed or self.schema.any)


# --- schema and key ------------------------------------------------------------------------


def schema_changes(old: Version, new: Version) -> SchemaChanges:
    before = {f["name"]: f for f in schema_fields(old)}
    after = {f["name"]: f for f in schema_fields(new)}
    changes = SchemaChanges(
        added=[f for name, f in after.items() if name not in before],
        removed=[f for name, f in before.items() if name not in after],
    )
    for name, f in after.items():
        if name in before:
            old_type = before[name].get("type", "string")
            new_type = f.get("type", "string")
            if old_type != new_type:
                changes.retyped.append((name, old_type, new_type))
    return changes


def declared_key(version: Version) -> list[str]:
    """The schema's `primaryKey` as a list of field names ([] when none is declared)."""
    key = (version.table_schema or {}).get("primaryKey")
    if isinstance(key, str):
        return [key] if key else []
    if isinstance(key, list) and all(isinstance(name, str) and name for name in key):
        return list(key)
    return []


def common_names(old: Version, new: Version) -> list[str]:
    before = {f["name"] for f in schema_fields(old)}
    return [f["name"] for f in schema_fields(new) if f["name"] in before]


def choose_key(old: Version, new: Version, requested: list[str] | None) -> tuple[list[str], str]:
    """The key to match rows by, and where it came from. A requested key must be columns both
    versions have (ValidationFailed otherwise); a declared key is used when both have it."""
    common = common_names(old, new)
    if requested:
        missing = [name for name in requested if name not in common]
        if missing:
            raise ValidationFailed(
                _("Column “%(name)s” is not in both versions; choose one of: %(names)s.")
                % {"name": missing[0], "names": ", ".join(common) or "—"},
                code="unknown-column",
            )
        return list(dict.fromkeys(requested)), "chosen"
    for version in (new, old):
        key = declared_key(version)
        if key and all(name in common for name in key):
            return key, "declared"
    return [], ""


# --- SQL -----------------------------------------------------------------------------------


def _types(version: Version) -> dict[str, str]:
    return {f["name"]: f.get("type", "string") for f in schema_fields(version)}


def _comparable(name: str, old_type: str, new_type: str, alias: str) -> str:
    """An expression for column `name` of side `alias` that compares across a type change."""
    column = f"{alias}.{engine.quote_identifier(name)}"
    if old_type == new_type:
        return column
    if old_type in NUMERIC_TYPES and new_type in NUMERIC_TYPES:
        return f"CAST({column} AS DOUBLE)"
    return f"CAST({column} AS VARCHAR)"


class _Sides:
    """The two versions as DuckDB views `va` (older) and `vb` (newer) on one connection.

    Rows are compared through a hash of their compared cells (`row_hash`): joins and groupings
    then carry one 64-bit number per row instead of every column, which keeps them narrow and
    fast on versions of millions of rows. Cell values are read again only for the rows listed on
    the page. (A change hidden by two different rows sharing a 64-bit hash has a chance of about
    one in 10^19 per changed row.)"""

    def __init__(self, old: Version, new: Version) -> None:
        self.old_types, self.new_types = _types(old), _types(new)
        # A column called like DuckDB's row position rules out ordering by file position.
        self.has_position = POSITION not in self.old_types and POSITION not in self.new_types
        # Joins of large versions may spill to disk: next to the blobs, not the working folder.
        # Every listing has its own ORDER BY, so DuckDB need not keep insertion order (less
        # memory for the big joins and aggregations).
        self.con = engine.connect(temp_dir=blobs.default_store().tmp_dir)
        self.con.execute("SET preserve_insertion_order = false")
        self.surplus_ready = self.keyed_ready = False
        for view, version in (("va", old), ("vb", new)):
            path = engine.quote_literal(str(parquet_path(version)))
            position = str(self.has_position).lower()
            self.con.execute(
                f"CREATE VIEW {view} AS SELECT * "  # noqa: S608 - a blob path, quoted
                f"FROM read_parquet({path}, file_row_number = {position})"
            )

    def names(self, view: str) -> list[str]:
        return list(self.old_types if view == "va" else self.new_types)

    def pair(self, name: str) -> tuple[str, str]:
        old_type, new_type = self.old_types[name], self.new_types[name]
        return (
            _comparable(name, old_type, new_type, "a"),
            _comparable(name, old_type, new_type, "b"),
        )

    def side(self, name: str, alias: str) -> str:
        return self.pair(name)[0 if alias == "a" else 1]

    def row_hash(self, names: list[str], alias: str) -> str:
        if not names:
            return "0"
        return f"hash({', '.join(self.side(name, alias) for name in names)})"

    def join_on(self, key: list[str]) -> str:
        return " AND ".join("{} IS NOT DISTINCT FROM {}".format(*self.pair(name)) for name in key)

    def close(self) -> None:
        self.con.close()


def _keyed(sides: _Sides, key: list[str], compared: list[str]) -> str:
    """A temp table `keyed(__k0…, na, nb, ha, hb)`: per key value that is not simply equal in
    both versions, how often it occurs in the older (`na`) and newer (`nb`) version and the row
    hash on each side. One aggregation over both versions (no join), so its memory is one entry
    per distinct key; duplicates, added, removed and changed rows all come from it."""
    if not sides.keyed_ready:
        keys = ", ".join(f"__k{i}" for i in range(len(key)))

        def side(view: str, alias: str, mark: int) -> str:
            values = ", ".join(f"{sides.side(name, alias)} AS __k{i}" for i, name in enumerate(key))
            return (
                f"SELECT {values}, {sides.row_hash(compared, alias)} AS rh, {mark} AS d "  # noqa: S608
                f"FROM {view} AS {alias}"
            )

        sides.con.execute(
            f"CREATE OR REPLACE TEMP TABLE keyed AS SELECT {keys}, "  # noqa: S608
            "count(*) FILTER (WHERE d < 0) AS na, count(*) FILTER (WHERE d > 0) AS nb, "
            "min(rh) FILTER (WHERE d < 0) AS ha, min(rh) FILTER (WHERE d > 0) AS hb "
            f"FROM ({side('va', 'a', -1)} UNION ALL {side('vb', 'b', 1)}) "
            f"GROUP BY {keys} HAVING na <> 1 OR nb <> 1 OR ha <> hb"
        )
        sides.keyed_ready = True
    return "keyed"


def _keyed_summary(sides: _Sides, key: list[str], compared: list[str]) -> tuple[int, ...]:
    """(duplicated keys in the older version, in the newer one, added, removed, changed)."""
    table = _keyed(sides, key, compared)
    row = sides.con.execute(
        "SELECT count(*) FILTER (WHERE na > 1), count(*) FILTER (WHERE nb > 1), "  # noqa: S608
        "count(*) FILTER (WHERE na = 0), count(*) FILTER (WHERE nb = 0), "
        f"count(*) FILTER (WHERE na = 1 AND nb = 1) FROM {table}"
    ).fetchone()
    return tuple(int(value) for value in row)


_KIND_CONDITIONS = {
    "added": "na = 0",
    "removed": "nb = 0",
    "changed": "na = 1 AND nb = 1",
}


def _all_keys(sides: _Sides, table: str, key: list[str], kind: str) -> None:
    """Every key value of this kind into the temp table `page_keys`."""
    keys = ", ".join(f"__k{i}" for i in range(len(key)))
    sides.con.execute(
        f"CREATE OR REPLACE TEMP TABLE page_keys AS SELECT {keys} FROM {table} "  # noqa: S608
        f"WHERE {_KIND_CONDITIONS[kind]}"
    )


def _copy(sides: _Sides, sql: str, target: Path) -> None:
    sides.con.execute(
        f"COPY ({sql}) TO {engine.quote_literal(str(target))} "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
    )


def _write_keyed_kind(
    sides: _Sides, diff_kind: str, key: list[str], compared: list[str], target: Path
) -> dict[str, Any]:
    """Every row of one kind into `target`, with positional column names (`c0…` for whole
    rows, `k0…` + `a<i>`/`b<i>`/`d<i>` for changed cells) and the key as `__k0…` to order by.
    Only the keys of this kind are joined back to the versions."""
    _all_keys(sides, _keyed(sides, key, compared), key, diff_kind)
    order = [f"__k{i}" for i in range(len(key))]
    keys = ", ".join(f"p.{name}" for name in order)
    if diff_kind in ("added", "removed"):
        view, alias = ("vb", "b") if diff_kind == "added" else ("va", "a")
        names = sides.names(view)
        on_page = " AND ".join(
            f"{sides.side(name, alias)} IS NOT DISTINCT FROM p.__k{i}" for i, name in enumerate(key)
        )
        selected = ", ".join(
            f"{alias}.{engine.quote_identifier(n)} AS c{i}" for i, n in enumerate(names)
        )
        sql = (
            f"SELECT {selected}, {keys} FROM page_keys AS p "  # noqa: S608
            f"JOIN {view} AS {alias} ON {on_page}"
        )
        _copy(sides, sql, target)
        return {"columns": names, "order": order}
    parts = [f"b.{engine.quote_identifier(name)} AS k{i}" for i, name in enumerate(key)]
    for i, name in enumerate(compared):
        left, right = sides.pair(name)
        parts += [
            f"a.{engine.quote_identifier(name)} AS a{i}",
            f"b.{engine.quote_identifier(name)} AS b{i}",
            f"{left} IS DISTINCT FROM {right} AS d{i}",
        ]
    on_page = " AND ".join(
        f"{sides.side(name, 'b')} IS NOT DISTINCT FROM p.__k{i}" for i, name in enumerate(key)
    )
    sql = (
        f"SELECT {', '.join(parts)}, {keys} FROM page_keys AS p "  # noqa: S608
        f"JOIN vb AS b ON {on_page} JOIN va AS a ON {sides.join_on(key)}"
    )
    _copy(sides, sql, target)
    return {"columns": list(key), "order": order}


def _surplus(sides: _Sides, compared: list[str]) -> str:
    """A temp table `surplus(h, net)`: per row hash, how many more times it occurs in the newer
    version than in the older one (negative: fewer), for hashes that differ. One aggregation
    over both versions (+1 / -1 per row), no join: its memory is one entry per distinct row."""
    if not sides.surplus_ready:
        sides.con.execute(
            "CREATE OR REPLACE TEMP TABLE surplus AS SELECT h, sum(d) AS net FROM ("  # noqa: S608
            f"SELECT {sides.row_hash(compared, 'b')} AS h, 1 AS d FROM vb AS b UNION ALL "
            f"SELECT {sides.row_hash(compared, 'a')} AS h, -1 AS d FROM va AS a"
            ") GROUP BY h HAVING sum(d) <> 0"
        )
        sides.surplus_ready = True
    return "surplus"


def _whole_row_counts(sides: _Sides, compared: list[str]) -> tuple[int, int, int]:
    if not compared:  # nothing in common: every row is new or gone
        added = sides.con.execute("SELECT count(*) FROM vb").fetchone()[0]
        removed = sides.con.execute("SELECT count(*) FROM va").fetchone()[0]
        return int(added), int(removed), 0
    table = _surplus(sides, compared)
    totals = "coalesce(sum(greatest(net, 0)), 0), coalesce(sum(greatest(-net, 0)), 0)"
    added, removed = sides.con.execute(f"SELECT {totals} FROM {table}").fetchone()  # noqa: S608
    return int(added), int(removed), 0


def _write_whole_kind(
    sides: _Sides, diff_kind: str, compared: list[str], target: Path
) -> dict[str, Any]:
    """Rows of one version that the other lacks (as a multiset: a row twice here and once
    there is listed once) into `target` as `c0…`, with their file position `__o` to order by."""
    keep, alias = ("vb", "b") if diff_kind == "added" else ("va", "a")
    position = f"{alias}.{POSITION}" if sides.has_position else "0"
    if not compared:  # nothing in common: every row of that side
        names = sides.names(keep)
        selected = ", ".join(
            f"{alias}.{engine.quote_identifier(n)} AS c{i}" for i, n in enumerate(names)
        )
        ordered = f", {position} AS __o" if sides.has_position else ""
        _copy(sides, f"SELECT {selected}{ordered} FROM {keep} AS {alias}", target)  # noqa: S608
        return {"columns": names, "order": ["__o"] if sides.has_position else []}
    table = _surplus(sides, compared)
    extra = "net" if diff_kind == "added" else "-net"
    selected = ", ".join(f"{sides.side(name, alias)} AS c{i}" for i, name in enumerate(compared))
    sql = (
        f"WITH extra AS (SELECT h, {extra} AS n FROM {table} WHERE {extra} > 0), "  # noqa: S608
        f"candidates AS (SELECT {selected}, {sides.row_hash(compared, alias)} AS __h, "
        f"{position} AS __o FROM {keep} AS {alias} "
        f"SEMI JOIN extra ON {sides.row_hash(compared, alias)} = extra.h), "
        "ranked AS (SELECT c.*, row_number() OVER (PARTITION BY c.__h ORDER BY c.__o) AS __k, "
        "extra.n AS __n FROM candidates AS c JOIN extra ON c.__h = extra.h) "
        f"SELECT * EXCLUDE (__h, __k, __n{'' if sides.has_position else ', __o'}) "
        "FROM ranked WHERE __k <= __n"
    )
    _copy(sides, sql, target)
    return {"columns": list(compared), "order": ["__o"] if sides.has_position else []}


# --- stored comparisons --------------------------------------------------------------------
#
# A comparison is worked out once and kept as small Parquet files (one per kind of row) plus a
# summary, in BLOB_ROOT/comparisons/<id>/, where the id is a digest of both Parquet hashes, the
# key and both schemas' column types: the inputs are immutable, so the result never goes stale.
# Pages are then read from those files in milliseconds, by any process (web server or worker).

COMPARISON_REVISION = "1"


class ComparisonPending(Exception):
    """The comparison has not been worked out yet and is too large to do in a request."""

    def __init__(self, comparison_id: str) -> None:
        super().__init__(comparison_id)
        self.comparison_id = comparison_id


def comparisons_dir() -> Path:
    folder = Path(settings.BLOB_ROOT) / "comparisons"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def comparison_id(old: Version, new: Version, key: list[str]) -> str:
    parts = [
        COMPARISON_REVISION,
        old.parquet_sha256,
        new.parquet_sha256,
        list(key),
        list(_types(old).items()),
        list(_types(new).items()),
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def comparison_folder(comparison_id_: str) -> Path:
    return comparisons_dir() / comparison_id_


def _summary(old: Version, new: Version, key: list[str], folder: Path) -> dict[str, Any]:
    """Work the comparison out into `folder`: counts, then every listed row per kind."""
    sides = _Sides(old, new)
    try:
        common = common_names(old, new)
        summary: dict[str, Any] = {"key": [], "key_problem_version": 0, "kinds": {}}
        if key:
            compared = [name for name in common if name not in key]
            dup_old, dup_new, added, removed, changed = _keyed_summary(sides, key, compared)
            if not (dup_old or dup_new):
                summary.update(key=key, compared=compared)
                counts = {"changed": changed, "added": added, "removed": removed}
                for kind in DIFF_KINDS:
                    if counts[kind]:
                        layout = _write_keyed_kind(
                            sides, kind, key, compared, folder / f"{kind}.parquet"
                        )
                        summary["kinds"][kind] = {"count": counts[kind], **layout}
                    else:
                        summary["kinds"][kind] = {"count": 0, "columns": [], "order": []}
                return summary
            summary["key_problem_version"] = old.number if dup_old else new.number
        added, removed, _ = _whole_row_counts(sides, common)
        summary["compared"] = common
        counts = {"changed": 0, "added": added, "removed": removed}
        for kind in DIFF_KINDS:
            if counts[kind]:
                layout = _write_whole_kind(sides, kind, common, folder / f"{kind}.parquet")
                summary["kinds"][kind] = {"count": counts[kind], **layout}
            else:
                summary["kinds"][kind] = {"count": 0, "columns": [], "order": []}
        return summary
    finally:
        sides.close()


def work_out_comparison(old: Version, new: Version, key: list[str]) -> Path:
    """Work out and store the comparison of `old` and `new` matched by `key` ([]: whole rows);
    returns its folder. Written under a temporary name and renamed into place, so a reader sees
    a whole comparison or none; a crash leaves only a temporary folder."""
    folder = comparison_folder(comparison_id(old, new, key))
    if (folder / "summary.json").is_file():
        return folder
    purge_old_comparisons()
    work = comparisons_dir() / f".tmp-{uuid.uuid4().hex}"
    work.mkdir()
    try:
        summary = _summary(old, new, key, work)
        (work / "summary.json").write_text(json.dumps(summary, ensure_ascii=False))
        try:
            os.rename(work, folder)
        except OSError:  # another process finished the same comparison first
            if not (folder / "summary.json").is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return folder


def purge_old_comparisons() -> int:
    """Delete stored comparisons, job markers and left-over temporary folders older than
    `SATUDATA_COMPARE_MAX_AGE_H` hours: derived data, worked out again when asked for."""
    max_age = float(getattr(settings, "SATUDATA_COMPARE_MAX_AGE_H", 168)) * 3600
    now, removed = time.time(), 0
    for path in comparisons_dir().iterdir():
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime <= max_age:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
            removed += 1
    return removed


def _stored_summary(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return None


def _read_rows(folder: Path, kind: str, layout: dict, size: int, offset: int) -> list[tuple]:
    """One page of stored rows of `kind`, in key (or file) order, without the order columns."""
    path = folder / f"{kind}.parquet"
    if not layout.get("count") or not path.is_file():
        return []
    order = ", ".join(layout["order"]) or "ALL"
    hidden = ", ".join(name for name in layout["order"] if name.startswith("__"))
    selected = f"* EXCLUDE ({hidden})" if hidden else "*"
    con = engine.connect()
    try:
        return con.execute(
            f"SELECT {selected} FROM read_parquet(?) ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608 - our own column names
            [str(path), size, offset],
        ).fetchall()
    finally:
        con.close()


def _page_rows(
    folder: Path, summary: dict, kind: str, size: int, offset: int
) -> tuple[list[str], list[Any]]:
    layout = summary["kinds"][kind]
    rows = _read_rows(folder, kind, layout, size, offset)
    if kind != "changed":
        return layout["columns"] or summary["compared"], [list(row) for row in rows]
    key, compared = summary["key"], summary["compared"]
    found = []
    for row in rows:
        key_values, rest = list(row[: len(key)]), row[len(key) :]
        cells = [
            (name, rest[3 * i], rest[3 * i + 1])
            for i, name in enumerate(compared)
            if rest[3 * i + 2]
        ]
        found.append(ChangedRow(key=key_values, cells=cells))
    return key, found


# --- public API ----------------------------------------------------------------------------


def _page_number(value: Any) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def inline_row_limit() -> int:
    """Comparisons of versions with more rows than this together run in the background."""
    return int(getattr(settings, "SATUDATA_COMPARE_INLINE_MAX_ROWS", 1_000_000))


def compare_versions(
    old: Version,
    new: Version,
    *,
    key: list[str] | None = None,
    kind: str | None = None,
    page: Any = 1,
    page_size: int = DIFF_PAGE_SIZE,
    compute: bool = True,
) -> VersionDiff:
    """What changed from `old` to `new` (both already permission-checked).

    `key` overrides the schema's primary key; `kind` picks the listed rows (changed, added or
    removed; by default the first kind that has rows), `page` the page of that list. A
    comparison not worked out yet is worked out now — or, with `compute=False`,
    ComparisonPending is raised (the caller starts a background job: comparisons.py).
    """
    for version in (old, new):
        if not version.parquet_sha256 or not blobs.exists(version.parquet_sha256):
            raise ValidationFailed(
                _("The data file of version %(number)d is missing.") % {"number": version.number}
            )
    chosen, key_source = choose_key(old, new, key)
    schema = schema_changes(old, new)
    cid = comparison_id(old, new, chosen)
    folder = comparison_folder(cid)
    summary = _stored_summary(folder)
    if summary is None:
        if not compute:
            raise ComparisonPending(cid)
        folder = work_out_comparison(old, new, chosen)
        summary = _stored_summary(folder)
    key_problem = ""
    if chosen and not summary["key"]:
        key_problem = _(
            "The key (%(key)s) is not unique in version %(number)d, so rows are "
            "compared whole instead."
        ) % {"key": ", ".join(chosen), "number": summary["key_problem_version"]}
        chosen, key_source = [], ""
    counts = {k: int(summary["kinds"][k]["count"]) for k in DIFF_KINDS}
    if kind not in DIFF_KINDS or (kind == "changed" and not chosen):
        kind = next((k for k in DIFF_KINDS if counts[k]), "changed" if chosen else "added")
    size = max(1, int(page_size))
    number = min(_page_number(page), max(1, math.ceil(counts[kind] / size)))
    offset = (number - 1) * size
    columns, rows = cached_query(
        ("diff", cid, kind, size, offset),
        lambda: _page_rows(folder, summary, kind, size, offset),
    )
    return VersionDiff(
        old=old,
        new=new,
        key=chosen,
        key_source=key_source,
        key_problem=key_problem,
        compared=summary["compared"],
        schema=schema,
        added=counts["added"],
        removed=counts["removed"],
        changed=counts["changed"],
        kind=kind,
        page=number,
        page_size=size,
        columns=columns,
        rows=rows,
    )


# --- restore -------------------------------------------------------------------------------

# Fields a restored version does not inherit: identity, review state, authorship and times.
_NOT_COPIED = frozenset(
    {"id", "dataset", "number", "status", "message", "created_by", "created_at", "published_at"}
)


def _copied_fields(source: Version) -> dict[str, Any]:
    """The content of a version: hashes, schema, report, counts and source file details.

    Fields added to the model later are copied too, except dates and links to other objects
    (acknowledgements, reviewers …), which belong to the old version's history."""
    from django.db import models

    values = {}
    for model_field in Version._meta.concrete_fields:
        if model_field.name in _NOT_COPIED:
            continue
        if isinstance(model_field, models.ForeignKey | models.DateTimeField | models.DateField):
            continue
        values[model_field.attname] = getattr(source, model_field.attname)
    return values


def restore_version(actor, version: Version, *, message: str = "") -> Version:
    """A new draft with the content and schema of `version` (needs edit rights on its dataset).

    The new version gets the next number; no existing version changes. When the newest version
    already has exactly this content and schema, it is returned and nothing is created.
    """
    from satudata.warehouse import services

    who = actor_for(actor)
    source = Version.objects.visible_to(who).filter(pk=version.pk).first()
    if source is None:
        raise NotFound(_("Version not found."))
    if not source.parquet_sha256 or not blobs.exists(source.parquet_sha256):
        raise ValidationFailed(
            _("The data file of version %(number)d is missing; it cannot be restored.")
            % {"number": source.number}
        )
    note = " ".join(str(message or "").split())
    restored_note = _("Restored from version %(number)d.") % {"number": source.number}
    full_message = f"{restored_note} {note}".strip()[:RESTORE_MESSAGE_MAX_CHARS]
    with transaction.atomic():
        dataset = services._editable_dataset(who, source.dataset, lock=True)
        latest = services._latest_version(dataset)
        if (
            latest is not None
            and latest.parquet_sha256 == source.parquet_sha256
            and latest.table_schema == source.table_schema
        ):
            return latest
        number = (latest.number if latest else 0) + 1
        restored = Version.objects.create(
            dataset=dataset,
            number=number,
            status=VersionStatus.DRAFT,
            message=full_message,
            created_by_id=who.user_id,
            **_copied_fields(source),
        )
        audit.record(
            who,
            "version.restore",
            restored,
            organisation_id=dataset.organisation_id,
            changes={
                "number": restored.number,
                "restored_from": source.number,
                "rows": restored.row_count,
            },
            after={"raw_sha256": restored.raw_sha256, "parquet_sha256": restored.parquet_sha256},
        )
        services._refresh_catalogue(dataset)
    return restored
