"""The data view of a version: server-side filters, sorting, paging and column statistics.

User input never reaches SQL as text. `parse_query` turns request parameters into a `DataQuery`
whose column names are checked against the version's Table Schema (an unknown column or a value
that does not fit the column's type raises `ValidationFailed` with a clear message: the view
answers 400). `SelectBuilder` then writes the SQL: identifiers are quoted, every value is a bound
parameter, and only a fixed set of operators exists.

Filters by column type:
- text: `f.<column>` contains (case-insensitive; for region code columns it also matches the
  region's name), or equals when `op.<column>=eq`;
- integer, number, year, date: `min.<column>` and/or `max.<column>` (inclusive), or `f.<column>`
  for one exact value;
- yes/no: `f.<column>=true|false`.

Speed (benchmarks/dataview.py, docs/performance.md): versions are immutable, so every answer is
cached by (Parquet sha256, query). The unfiltered row count comes from the version row, filtered
counts are cached, filters are pushed into the Parquet scan (row groups whose min/max statistics
exclude the filter are skipped), and a sort only decodes the sort column before the top rows
are known.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import duckdb
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.core.errors import ValidationFailed
from satudata.warehouse import engine
from satudata.warehouse.models import Version
from satudata.warehouse.queries import (
    NUMERIC_TYPES,
    PREVIEW_CELL_MAX_CHARS,
    PREVIEW_SHORT_CELL_CHARS,
    ROW_POSITION,
    TYPE_LABELS,
    cache_get,
    cache_set,
    cached_query,
    parquet_path,
    schema_fields,
)

PAGE_SIZE_MAX = 100
FILTER_VALUE_MAX_CHARS = 200
# A name filter on a region column matches at most this many region codes.
REGION_NAME_MATCHES_MAX = 2_000
HISTOGRAM_BINS = 12
HISTOGRAM_WIDTH_PX, HISTOGRAM_HEIGHT_PX = 120, 32
DASH = "\u2013"  # between the ends of a range
TOP_VALUES = 5
RANGE_TYPES = frozenset({"integer", "number", "year", "date"})
# Kemendagri codes: 51, 51.05, 51.05.01, 51.05.01.2001
REGION_CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
REGION_WORDS = frozenset(
    {
        "wilayah",
        "kecamatan",
        "kec",
        "desa",
        "kelurahan",
        "kel",
        "kabupaten",
        "kab",
        "kota",
        "kabkota",
        "provinsi",
        "prov",
        "kemendagri",
    }
)
TEXT_OPERATORS = {"contains": gettext_lazy("contains"), "eq": gettext_lazy("is exactly")}
_NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARAM_PREFIXES = ("f", "op", "min", "max")


# --- the query -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFilter:
    name: str
    op: str  # contains | eq | min | max
    value: Any
    text: str  # as the user typed it (for the form and the links)


@dataclass(frozen=True)
class DataQuery:
    filters: tuple[ColumnFilter, ...] = ()
    sort: str | None = None
    descending: bool = False
    page: int = 1
    page_size: int = 25

    def cache_parts(self) -> tuple:
        filters = tuple((f.name, f.op, repr(f.value)) for f in self.filters)
        return (filters, self.sort, self.descending)

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query as URL parameters, with `changes` applied (page, sort, descending)."""
        query = replace(self, **changes)
        found: list[tuple[str, str]] = []
        for item in query.filters:
            if item.op in ("min", "max"):
                found.append((f"{item.op}.{item.name}", item.text))
            else:
                found.append((f"f.{item.name}", item.text))
                if item.op == "eq":
                    found.append((f"op.{item.name}", "eq"))
        if query.sort:
            found += [("sort", query.sort), ("desc", "1" if query.descending else "0")]
        if query.page > 1:
            found.append(("page", str(query.page)))
        if query.page_size != int(settings.SATUDATA_PREVIEW_PAGE_SIZE):
            found.append(("size", str(query.page_size)))
        return found

    def filter_for(self, name: str, op: str) -> ColumnFilter | None:
        return next((f for f in self.filters if f.name == name and f.op == op), None)


def _clean_text(value: str, column: str) -> str:
    if len(value) > FILTER_VALUE_MAX_CHARS:
        raise ValidationFailed(
            _("The filter for column “%(column)s” is longer than %(max)d characters.")
            % {"column": column, "max": FILTER_VALUE_MAX_CHARS},
            code="bad-filter",
        )
    # Control characters (NUL …) can never match a cell worth finding; drop them.
    return "".join(c for c in value if unicodedata.category(c) != "Cc").strip()


def _number(text: str, column: str, kind: str) -> int | float:
    compact = text.replace(" ", "")
    if not _NUMBER_RE.match(compact):
        raise ValidationFailed(
            _("“%(value)s” is not a number (column “%(column)s”).")
            % {"value": text[:40], "column": column},
            code="bad-filter",
        )
    number = float(compact.replace(",", "."))
    if not math.isfinite(number):
        raise ValidationFailed(
            _("“%(value)s” is not a number (column “%(column)s”).")
            % {"value": text[:40], "column": column},
            code="bad-filter",
        )
    if kind in ("integer", "year") and number.is_integer():
        return int(number)
    return number


def _date(text: str, column: str) -> dt.date:
    try:
        if not _DATE_RE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _("“%(value)s” is not a date like 2024-01-31 (column “%(column)s”).")
            % {"value": text[:40], "column": column},
            code="bad-filter",
        ) from None


def _typed(text: str, column: str, kind: str) -> Any:
    if kind in NUMERIC_TYPES:
        return _number(text, column, kind)
    if kind == "date":
        return _date(text, column)
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "ya", "yes", "1"):
            return True
        if lowered in ("false", "tidak", "no", "0"):
            return False
        raise ValidationFailed(
            _("Column “%(column)s” holds yes/no values; “%(value)s” is neither.")
            % {"column": column, "value": text[:40]},
            code="bad-filter",
        )
    return text


def _unknown_column(name: str, names: list[str]) -> ValidationFailed:
    shown = ", ".join(names[:30]) + (", …" if len(names) > 30 else "")
    return ValidationFailed(
        _("There is no column “%(name)s” in this version. Columns: %(names)s.")
        % {"name": name[:80], "names": shown},
        code="unknown-column",
    )


def _items(params: Mapping) -> list[tuple[str, str]]:
    if hasattr(params, "lists"):
        return [(key, value) for key, values in params.lists() for value in values]
    return [(key, value) for key, value in params.items()]


def _clamp(value: Any, low: int, high: int, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def parse_query(version: Version, params: Mapping) -> DataQuery:
    """A `DataQuery` from request parameters; ValidationFailed for unknown columns, operators
    or values that do not fit the column. Empty filter fields are ignored; an unknown sort column
    is ignored too (a stale link), as are page numbers out of range."""
    kinds = {f["name"]: f.get("type", "string") for f in schema_fields(version)}
    names = list(kinds)
    values: dict[tuple[str, str], str] = {}
    operators: dict[str, str] = {}
    for key, raw in _items(params):
        prefix, dot, name = str(key).partition(".")
        if not dot or prefix not in _PARAM_PREFIXES:
            continue
        if name not in kinds:
            raise _unknown_column(name, names)
        text = _clean_text(str(raw), name)
        if prefix == "op":
            if text and text not in TEXT_OPERATORS:
                raise ValidationFailed(
                    _("Unknown filter “%(op)s”; use “contains” or “eq”.") % {"op": text[:20]},
                    code="bad-filter",
                )
            operators[name] = text or "contains"
        elif text:
            values[(prefix, name)] = text
    filters = []
    for (prefix, name), text in values.items():
        kind = kinds[name]
        if prefix in ("min", "max"):
            if kind not in RANGE_TYPES:
                raise ValidationFailed(
                    _("Column “%(column)s” is not a number or date column; it has no range.")
                    % {"column": name},
                    code="bad-filter",
                )
            filters.append(ColumnFilter(name, prefix, _typed(text, name, kind), text))
        elif kind == "string":
            op = operators.get(name, "contains")
            filters.append(ColumnFilter(name, op, text, text))
        else:
            filters.append(ColumnFilter(name, "eq", _typed(text, name, kind), text))
    sort = params.get("sort") or None
    sort = sort if sort in kinds else None
    default_size = int(settings.SATUDATA_PREVIEW_PAGE_SIZE)
    return DataQuery(
        filters=tuple(sorted(filters, key=lambda f: (names.index(f.name), f.op))),
        sort=sort,
        descending=sort is not None and params.get("desc") == "1",
        page=_clamp(params.get("page"), 1, 10**9, 1),
        page_size=_clamp(params.get("size"), 1, PAGE_SIZE_MAX, default_size),
    )


# --- SQL -----------------------------------------------------------------------------------


def is_region_field(field_spec: dict[str, Any]) -> bool:
    """A text column of Kemendagri region codes: marked in the schema (`regionLevel`, or a
    foreign key to the region list), or named so (`kode_wilayah`, `kode_kecamatan`, `kode_desa`…)
    and kept as a code."""
    if field_spec.get("type", "string") != "string":
        return False
    if field_spec.get("regionLevel") or field_spec.get("region"):
        return True
    tokens = set(re.split(r"[^a-z0-9]+", str(field_spec["name"]).lower()))
    return bool(field_spec.get("codeLike")) and bool(tokens & REGION_WORDS)


def _region_fields(version: Version) -> set[str]:
    names = {f["name"] for f in schema_fields(version) if is_region_field(f)}
    for key in (version.table_schema or {}).get("foreignKeys") or []:
        if not isinstance(key, dict):
            continue
        reference = key.get("reference") or {}
        resource = str(reference.get("resource", "")).lower()
        if resource in ("wilayah", "region", "regions"):
            fields = key.get("fields")
            names.update([fields] if isinstance(fields, str) else list(fields or []))
    return names


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _codes_named_like(text: str) -> list[str]:
    from satudata.regions.models import Region

    return list(
        Region.objects.visible_to(None)
        .filter(name__icontains=text)
        .order_by("code")
        .values_list("code", flat=True)[:REGION_NAME_MATCHES_MAX]
    )


class SelectBuilder:
    """SQL over one version's Parquet file with quoted, schema-checked identifiers and bound
    values. `where()` collects the conditions; `count_sql()` and `page_sql()` finish them."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.fields = schema_fields(version)
        self.kinds = {f["name"]: f.get("type", "string") for f in self.fields}
        self.region_fields = _region_fields(version)
        self.conditions: list[str] = []
        self.params: list[Any] = [str(parquet_path(version))]
        # A substring search tests every cell: no row-group statistics can skip any.
        self.has_text_search = False

    def column(self, name: str) -> str:
        if name not in self.kinds:
            raise _unknown_column(name, list(self.kinds))
        return engine.quote_identifier(name)

    def where(self, item: ColumnFilter) -> None:
        column = self.column(item.name)
        if item.op == "contains":
            # ILIKE with the wildcards of the value escaped: a literal, case-insensitive
            # substring test (DuckDB runs it without lower-casing every cell first).
            condition = f"{column} ILIKE ? ESCAPE '\\'"
            self.has_text_search = True
            self.params.append("%" + _like_escaped(item.value) + "%")
            if item.name in self.region_fields:
                codes = _codes_named_like(item.value)
                if codes:
                    condition = f"({condition} OR list_contains(?, {column}))"
                    self.params.append(codes)
        elif item.op == "eq":
            condition = f"{column} = ?"
            self.params.append(item.value)
        elif item.op == "min":
            condition = f"{column} >= ?"
            self.params.append(item.value)
        elif item.op == "max":
            condition = f"{column} <= ?"
            self.params.append(item.value)
        else:  # parse_query makes no other operator
            raise ValueError(f"unknown operator {item.op!r}")
        self.conditions.append(condition)

    def _where_sql(self) -> str:
        return f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""

    def count_sql(self) -> str:
        return f"SELECT count(*) FROM read_parquet(?){self._where_sql()}"  # noqa: S608

    def _order(self, sort: str | None, descending: bool) -> str:
        keys = []
        if sort is not None:
            keys.append(f"{self.column(sort)} {'DESC' if descending else 'ASC'} NULLS LAST")
        keys.append(ROW_POSITION)  # file order, and a stable tie-break when sorting
        return ", ".join(keys)

    def positions_sql(self, sort: str | None, descending: bool) -> str:
        """Row positions of one page (LIMIT and OFFSET are the last two parameters)."""
        return (
            f"SELECT {ROW_POSITION} "  # noqa: S608 - quoted identifiers, bound values
            f"FROM read_parquet(?, file_row_number = true){self._where_sql()} "
            f"ORDER BY {self._order(sort, descending)} LIMIT ? OFFSET ?"
        )

    def rows_at_sql(self) -> str:
        """All columns of the rows at given positions (parameters: the file, the first and last
        position, the list of positions); the row position comes last. The range is what DuckDB
        prunes row groups with."""
        selected = ", ".join(self.column(f["name"]) for f in self.fields)
        return (
            f"SELECT {selected}, {ROW_POSITION} "  # noqa: S608 - quoted identifiers
            "FROM read_parquet(?, file_row_number = true) "
            f"WHERE {ROW_POSITION} BETWEEN ? AND ? AND list_contains(?, {ROW_POSITION})"
        )

    def page_sql(self, sort: str | None, descending: bool) -> tuple[str, bool]:
        """The page query (LIMIT and OFFSET are the last two parameters) and whether it asked
        DuckDB for the row position (not when a column already has that name)."""
        names = [f["name"] for f in self.fields]
        position = ROW_POSITION not in names
        keys = []
        if sort is not None:
            keys.append(f"{self.column(sort)} {'DESC' if descending else 'ASC'} NULLS LAST")
        if position:
            keys.append(ROW_POSITION)
        order = f" ORDER BY {', '.join(keys)}" if keys else ""
        selected = ", ".join(self.column(name) for name in names)
        return (
            f"SELECT {selected} FROM read_parquet(?, file_row_number = {position})"  # noqa: S608
            f"{self._where_sql()}{order} LIMIT ? OFFSET ?",
            position,
        )


# --- the page ------------------------------------------------------------------------------


@dataclass
class DataPage:
    version: Version
    query: DataQuery
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    total: int
    page: int
    region_names: dict[str, dict[str, str]] = field(default_factory=dict)
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.query.page_size))

    @property
    def page_size(self) -> int:
        return self.query.page_size

    @property
    def sort(self) -> str | None:
        return self.query.sort

    @property
    def descending(self) -> bool:
        return self.query.descending

    @property
    def filtered(self) -> bool:
        return bool(self.query.filters)

    def link(self, **changes: Any) -> str:
        """`?v=<number>&…` for a link that keeps the filters (and changes page or sort)."""
        params = [("v", str(self.version.number)), *self.query.params(**changes)]
        return "?" + urlencode(params)

    @property
    def previous_link(self) -> str:
        return self.link(page=self.page - 1)

    @property
    def next_link(self) -> str:
        return self.link(page=self.page + 1)

    @property
    def headers(self) -> list[dict[str, Any]]:
        """What the table header and the filter form need, column by column."""
        found = []
        region_fields = _region_fields(self.version) | set(self.region_names)
        for index, column in enumerate(self.columns):
            name = column["name"]
            kind = column.get("type", "string")
            sorted_here = name == self.query.sort
            next_desc = sorted_here and not self.query.descending
            text_filter = self.query.filter_for(name, "contains") or self.query.filter_for(
                name, "eq"
            )
            found.append(
                {
                    "name": name,
                    "title": column.get("title") or "",
                    "type": kind,
                    "type_label": TYPE_LABELS.get(kind, ""),
                    "code_like": bool(column.get("codeLike")),
                    "sorted": sorted_here,
                    "aria_sort": (
                        ("descending" if self.query.descending else "ascending")
                        if sorted_here
                        else ""
                    ),
                    "sort_link": self.link(sort=name, descending=next_desc, page=1),
                    "numeric": kind in NUMERIC_TYPES,
                    "ranged": kind in RANGE_TYPES,
                    "boolean": kind == "boolean",
                    "region": name in region_fields,
                    "filter_text": text_filter.text if text_filter else "",
                    "filter_exact": bool(text_filter and text_filter.op == "eq"),
                    "filter_min": getattr(self.query.filter_for(name, "min"), "text", ""),
                    "filter_max": getattr(self.query.filter_for(name, "max"), "text", ""),
                    "input_id": f"filter-{index}",
                }
            )
        return found

    @property
    def active_filters(self) -> list[dict[str, str]]:
        """Each filter in words, with a link that removes it."""
        found = []
        for item in self.query.filters:
            rest = tuple(f for f in self.query.filters if f is not item)
            label = {
                "contains": _("contains"),
                "eq": _("is"),
                "min": "≥",
                "max": "≤",
            }[item.op]
            found.append(
                {
                    "column": item.name,
                    "label": label,
                    "value": item.text,
                    "remove_link": self.link(filters=rest, page=1),
                }
            )
        return found

    @property
    def clear_link(self) -> str:
        return self.link(filters=(), page=1)

    @property
    def table_rows(self) -> list[list[dict[str, Any]]]:
        """Cells ready for display: long text is shortened on screen (downloads keep it whole);
        region codes carry their region's name; `html` is the finished `<td>` (built here, not
        in the template: 25 rows x N columns of template tags cost more than the query)."""
        numeric = [c.get("type") in NUMERIC_TYPES for c in self.columns]
        names = [c["name"] for c in self.columns]
        labels = {
            "empty": _("empty"),
            "shortened": _("(shortened; the download has the full text)"),
            True: _("yes"),
            False: _("no"),
        }
        rows = []
        for row in self.rows:
            cells = []
            for value, is_number, name in zip(row, numeric, names, strict=False):
                cell = _display_cell(value, is_number, self.region_names.get(name, {}))
                cell["html"] = _cell_html(cell, labels)
                cells.append(cell)
            rows.append(cells)
        return rows

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.page * self.page_size)


def _cell_html(cell: dict[str, Any], labels: dict) -> str:
    """One `<td>` of the data table (values escaped, numbers and dates localised as the
    template would)."""
    if cell["null"]:
        return format_html(
            '<td class="cell-null"><span class="sr-only visually-hidden">{}</span></td>',
            labels["empty"],
        )
    value = cell["value"]
    if cell["boolean"]:
        return format_html("<td>{}</td>", labels[value])
    if cell["long"]:
        note = (
            format_html(' <span class="sr-only visually-hidden">{}</span>', labels["shortened"])
            if cell["truncated"]
            else ""
        )
        return format_html('<td><span class="cell-long">{}{}</span></td>', value, note)
    region = (
        format_html(' <span class="cell-region">{}</span>', cell["region_name"])
        if cell["region_name"]
        else ""
    )
    template = '<td class="num">{}{}</td>' if cell["numeric"] else "<td>{}{}</td>"
    return format_html(template, localize(value), region)


def _display_cell(value: Any, numeric: bool, names: dict[str, str]) -> dict[str, Any]:
    truncated = isinstance(value, str) and len(value) > PREVIEW_CELL_MAX_CHARS
    if truncated:
        value = value[:PREVIEW_CELL_MAX_CHARS] + "…"
    return {
        "value": value,
        "null": value is None,
        "numeric": numeric,
        "boolean": isinstance(value, bool),
        "truncated": truncated,
        "long": isinstance(value, str) and len(value) > PREVIEW_SHORT_CELL_CHARS,
        "region_name": names.get(value, "") if isinstance(value, str) else "",
    }


_readers = threading.local()


def _reader() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB connection for data view queries, kept between requests: opening a
    configured connection costs 20-40 ms, more than a whole cached-metadata page query. Only
    read-only queries over immutable Parquet files run on it; the object cache keeps each file's
    Parquet metadata (row-group statistics) in memory between queries."""
    con = getattr(_readers, "con", None)
    if con is None:
        con = engine.connect()
        con.execute("SET enable_object_cache = true")
        _readers.con = con
    return con


def _run(sql: str, params: list[Any]) -> list[tuple]:
    try:
        return _reader().execute(sql, params).fetchall()
    except duckdb.Error:
        # A broken connection must not poison the thread's later requests.
        con, _readers.con = getattr(_readers, "con", None), None
        if con is not None:
            con.close()
        raise


def _region_names_on_page(columns: list[dict[str, Any]], rows: list[list[Any]]) -> dict:
    """Region names for the text cells on this page that look like Kemendagri codes, looked up
    in the region table in one query: {column: {code: name}}."""
    from satudata.regions.models import Region

    candidates: dict[str, set[str]] = {}
    for index, column in enumerate(columns):
        if column.get("type", "string") != "string":
            continue
        values = {row[index] for row in rows if row[index] is not None}
        if values and all(isinstance(v, str) and REGION_CODE_RE.match(v) for v in values):
            candidates[column["name"]] = values
    if not candidates:
        return {}
    codes = set().union(*candidates.values())
    names = dict(Region.objects.visible_to(None).filter(code__in=codes).values_list("code", "name"))
    found = {}
    for column, values in candidates.items():
        known = {code: names[code] for code in values if code in names}
        if known:
            found[column] = known
    return found


def _total(builder: SelectBuilder, version: Version, query: DataQuery) -> int | None:
    """The number of matching rows when known without a scan: the version's own count without
    filters, or an earlier answer for the same filters (any sort, any page)."""
    if not query.filters:
        return int(version.row_count)
    return cache_get(_count_key(version, query))


def _count_key(version: Version, query: DataQuery) -> tuple:
    return ("view-count", version.parquet_sha256, query.cache_parts()[0])


def _page_positions(
    builder: SelectBuilder, version: Version, query: DataQuery
) -> tuple[int, int, list[int]]:
    """(total, page number, row positions of the page), reading only the filter and sort
    columns. Counting is a separate scan of the filter columns only, where Parquet row-group
    statistics often skip most of the file, cached per filter set. (Tried and measured slower in
    the common cases: a window count in the page query, which makes DuckDB keep every matching
    row before picking the page, and one aggregate that counts and ranks together, whose top-N
    is slower than ORDER BY … LIMIT.)"""
    size = query.page_size
    total = _total(builder, version, query)
    if total is None and builder.has_text_search:
        return _positions_in_one_scan(builder, version, query)
    if total is None:
        total = int(_run(builder.count_sql(), builder.params)[0][0])
        cache_set(_count_key(version, query), total)
    number = min(query.page, max(1, math.ceil(total / size)))
    offset = (number - 1) * size
    if not total:
        return 0, 1, []
    if not query.filters and query.sort is None:
        # File order without filters: the positions are the page's row numbers.
        return total, number, list(range(offset, min(offset + size, total)))
    found = _run(
        builder.positions_sql(query.sort, query.descending), [*builder.params, size, offset]
    )
    return total, number, [row[0] for row in found]


def _positions_in_one_scan(
    builder: SelectBuilder, version: Version, query: DataQuery
) -> tuple[int, int, list[int]]:
    """Like `_page_positions`, for filters that no row-group statistics help with (a substring
    search tests every cell): the matching rows' positions and sort values are collected in one
    scan into a temporary table, which then gives both the count and the page — instead of two
    scans that each test every cell (measured 1.4-1.9x faster, from 1 to 10 million matches)."""
    con = _reader()
    sort = f", {builder.column(query.sort)} AS __sort" if query.sort is not None else ""
    order = f"__sort {'DESC' if query.descending else 'ASC'} NULLS LAST, " if sort else ""
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __matches AS SELECT {ROW_POSITION}{sort} "  # noqa: S608
            f"FROM read_parquet(?, file_row_number = true){builder._where_sql()}",
            builder.params,
        )
        total = int(con.execute("SELECT count(*) FROM __matches").fetchone()[0])
        cache_set(_count_key(version, query), total)
        number = min(query.page, max(1, math.ceil(total / query.page_size)))
        found = con.execute(
            f"SELECT {ROW_POSITION} FROM __matches ORDER BY {order}{ROW_POSITION} "  # noqa: S608
            "LIMIT ? OFFSET ?",
            [query.page_size, (number - 1) * query.page_size],
        ).fetchall()
    except duckdb.Error:
        _readers.con = None  # a broken connection must not poison later requests
        con.close()
        raise
    finally:
        if getattr(_readers, "con", None) is con:
            con.execute("DROP TABLE IF EXISTS __matches")
    return total, number, [row[0] for row in found]


def _rows_at(builder: SelectBuilder, positions: list[int]) -> list[list[Any]]:
    """The full rows at these positions, in this order. The position range limits the scan to
    the row groups that hold them (Parquet row-group pruning)."""
    if not positions:
        return []
    found = _run(
        builder.rows_at_sql(), [builder.params[0], min(positions), max(positions), positions]
    )
    by_position = {row[-1]: list(row[:-1]) for row in found}
    return [by_position[position] for position in positions if position in by_position]


def _page_rows(builder: SelectBuilder, version: Version, query: DataQuery) -> tuple[int, int, list]:
    if ROW_POSITION in builder.kinds:
        # A column already has the name DuckDB gives the row position: one plain query.
        total = _total(builder, version, query)
        if total is None:
            total = int(_run(builder.count_sql(), builder.params)[0][0])
            cache_set(_count_key(version, query), total)
        number = min(query.page, max(1, math.ceil(total / query.page_size)))
        sql, _position = builder.page_sql(query.sort, query.descending)
        offset = (number - 1) * query.page_size
        rows = _run(sql, [*builder.params, query.page_size, offset])
        return total, number, [list(row) for row in rows]
    total, number, positions = _page_positions(builder, version, query)
    return total, number, _rows_at(builder, positions)


def data_page(version: Version, query: DataQuery) -> DataPage:
    """One page of `version` under `query` (filters, sort, page).

    Two steps, like a database index lookup: find the row positions of the page from the filter
    and sort columns only, then read the full rows at those positions. Each answer is cached by
    the Parquet sha256 and the query (versions are immutable); the number of matching rows is
    cached per filter set, so paging and re-sorting never count again."""
    fields = schema_fields(version)
    if not fields or not version.parquet_sha256:
        return DataPage(version, query, [], [], 0, 1)
    builder = SelectBuilder(version)
    for item in query.filters:
        builder.where(item)
    total, number, rows = cached_query(
        ("view", version.parquet_sha256, query.cache_parts(), query.page_size, query.page),
        lambda: _page_rows(builder, version, query),
    )
    page = DataPage(version, replace(query, page=number), fields, rows, total, number)
    page.region_names = _region_names_on_page(fields, rows)
    return page


# --- column statistics -----------------------------------------------------------------------


@dataclass
class ColumnStats:
    name: str
    type: str
    count: int
    nulls: int
    distinct: int
    distinct_exact: bool
    minimum: Any = None
    maximum: Any = None
    mean: float | None = None
    histogram: list[dict[str, Any]] = field(default_factory=list)
    top: list[tuple[Any, int]] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.type, ""))

    @property
    def histogram_max(self) -> int:
        return max((b["count"] for b in self.histogram), default=0)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """The histogram as SVG rectangles (inline SVG, no JavaScript needed)."""
        if not self.histogram:
            return []
        tallest = self.histogram_max or 1
        width = HISTOGRAM_WIDTH_PX / len(self.histogram)
        found = []
        for index, bin_ in enumerate(self.histogram):
            low, high, count = _short(bin_["low"]), _short(bin_["high"]), bin_["count"]
            height = round(HISTOGRAM_HEIGHT_PX * bin_["count"] / tallest, 1)
            if bin_["count"] and height < 1:
                height = 1  # a bin with values is never invisible
            found.append(
                {
                    "x": round(index * width, 2),
                    "width": round(max(width - 1, 0.5), 2),
                    "y": round(HISTOGRAM_HEIGHT_PX - height, 1),
                    "height": height,
                    "label": f"{low} {DASH} {high}: {count}",
                }
            )
        return found

    @property
    def range_label(self) -> str:
        if not self.histogram:
            return ""
        return f"{_short(self.histogram[0]['low'])} {DASH} {_short(self.histogram[-1]['high'])}"


def _short(number: float) -> str:
    return f"{number:,.4g}" if abs(number) < 1e15 else f"{number:.3e}"


# Exact distinct counts up to this many rows; HyperLogLog estimates (±~2%) above.
EXACT_DISTINCT_ROWS_MAX = 1_000_000


def _first_pass(con, version: Version, fields: list[dict], exact: bool) -> dict[str, dict]:
    parts = []
    for f in fields:
        column = engine.quote_identifier(f["name"])
        kind = f.get("type", "string")
        distinct = f"count(DISTINCT {column})" if exact else f"approx_count_distinct({column})"
        parts += [f"count({column})", distinct]
        if kind in RANGE_TYPES:
            parts += [f"min({column})", f"max({column})"]
        else:
            parts += ["NULL", "NULL"]
        if kind in NUMERIC_TYPES:
            parts.append(f"avg({column})")
        else:
            parts.append("NULL")
    row = con.execute(
        f"SELECT count(*), {', '.join(parts)} FROM read_parquet(?)",  # noqa: S608
        [str(parquet_path(version))],
    ).fetchone()
    total, values = row[0], row[1:]
    found = {}
    for index, f in enumerate(fields):
        count, distinct, low, high, mean = values[5 * index : 5 * index + 5]
        found[f["name"]] = {
            "count": int(count),
            "nulls": int(total) - int(count),
            "distinct": int(distinct),
            "minimum": low,
            "maximum": high,
            "mean": float(mean) if mean is not None else None,
        }
    return found


def _histogram(con, version: Version, name: str, low: float, high: float) -> list[dict]:
    column = engine.quote_identifier(name)
    width = (high - low) / HISTOGRAM_BINS
    bucket = f"least(CAST(floor(({column} - ?) / ?) AS INTEGER), {HISTOGRAM_BINS - 1})"
    rows = con.execute(
        f"SELECT {bucket} AS bin, count(*) FROM read_parquet(?) "  # noqa: S608
        f"WHERE {column} IS NOT NULL GROUP BY bin ORDER BY bin",
        [low, width, str(parquet_path(version))],
    ).fetchall()
    counts = dict(rows)
    return [
        {
            "low": low + i * width,
            "high": low + (i + 1) * width,
            "count": int(counts.get(i, 0)),
        }
        for i in range(HISTOGRAM_BINS)
    ]


def _top_values(con, version: Version, name: str) -> list[tuple[Any, int]]:
    column = engine.quote_identifier(name)
    return [
        (value, int(count))
        for value, count in con.execute(
            f"SELECT {column}, count(*) AS n FROM read_parquet(?) "  # noqa: S608
            f"WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT {TOP_VALUES}",
            [str(parquet_path(version))],
        ).fetchall()
    ]


def _compute_stats(version: Version) -> list[ColumnStats]:
    fields = schema_fields(version)
    exact = int(version.row_count) <= EXACT_DISTINCT_ROWS_MAX
    con = engine.connect()
    try:
        first = _first_pass(con, version, fields, exact)
        found = []
        for f in fields:
            name, kind = f["name"], f.get("type", "string")
            info = first[name]
            stats = ColumnStats(name=name, type=kind, distinct_exact=exact, **info)
            low, high = info["minimum"], info["maximum"]
            if kind in NUMERIC_TYPES and low is not None and high is not None and high > low:
                stats.histogram = _histogram(con, version, name, float(low), float(high))
            if kind in ("string", "boolean") and info["count"]:
                stats.top = _top_values(con, version, name)
            found.append(stats)
        return found
    finally:
        con.close()


def column_stats(version: Version) -> list[ColumnStats]:
    """Per column: values, empty cells, distinct values, min/max (numbers, years, dates), mean
    and a histogram (numbers), most common values (text). Computed once per version."""
    if not version.parquet_sha256 or not schema_fields(version):
        return []
    return cached_query(("stats", version.parquet_sha256), lambda: _compute_stats(version))
