"""The query layer over published versions: filters, sort, fields, paging and aggregation.

One entry point, `run_query(version, TableQuery)`, serves API v1, the sector gateway paths,
dashboards, charts, maps, indicators and reports. `parse_api_params` reads the API's query-string
grammar into a `TableQuery`:

    <column>=<value>                 equals
    <column>__<op>=<value>           op: eq ne lt lte gt gte in contains region
                                     (in: comma-separated or a JSON array; region: a Kemendagri
                                     code, matching that region and every region inside it)
    fields=a,b    sort=a,-b    limit=100    offset=0    after=<cursor>
    group_by=a,b  aggregate=sum:x,mean:x,min:x,max:x,count

Parameters starting with `_` are ignored (cache busters); `format` is read by the API layer.

User input never reaches SQL as text: column names are checked against the version's Table
Schema and quoted (`engine.quote_identifier`), every value is a bound parameter, operators and
aggregate functions come from fixed tables. Anything else raises `ValidationFailed` with a clear
message (the API answers 400).

Versions are immutable, so every answer is cached by (Parquet sha256, query) through
`warehouse.queries.cached_query`, like the data view (`dataview.py`), whose value parsing and
DuckDB reader this module reuses.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed
from satudata.warehouse import engine
from satudata.warehouse.dataview import (
    REGION_CODE_RE,
    _clean_text,
    _items,
    _like_escaped,
    _run,
    _typed,
    _unknown_column,
)
from satudata.warehouse.models import Version
from satudata.warehouse.queries import (
    NUMERIC_TYPES,
    ROW_POSITION,
    cache_get,
    cache_set,
    cached_query,
    parquet_path,
    schema_fields,
)

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "region")
AGGREGATE_FUNCTIONS = ("sum", "count", "mean", "min", "max")
# Bounds, with their unit in the name (STYLE: every bound is named).
ROWS_LIMIT_DEFAULT = 100
ROWS_LIMIT_MAX = 10_000
# Deeper than this, a client pages with the keyset cursor (`after`): an offset makes DuckDB
# sort and skip every earlier row again on each page.
OFFSET_MAX = 100_000
CONDITIONS_MAX = 50
IN_VALUES_MAX = 1_000
GROUP_BY_MAX = 10
AGGREGATES_MAX = 20
CURSOR_MAX_CHARS = 2_000
RESERVED_PARAMS = frozenset(
    {"fields", "sort", "limit", "offset", "after", "group_by", "aggregate", "format"}
)
_SQL_OPERATORS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_ORDERED_OPERATORS = frozenset({"lt", "lte", "gt", "gte"})
_SUMMABLE_TYPES = frozenset({"integer", "number"})
_AGGREGATE_SQL = {"sum": "sum", "mean": "avg", "min": "min", "max": "max", "count": "count"}
_AGGREGATE_RE = re.compile(r"^\s*([a-z]+)\s*(?:[:(]\s*([^)]*?)\s*\)?)?\s*$")
_TOTAL_COLUMN = "__satudata_total"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Condition:
    """One filter. `op` is one of OPERATORS; `value` typed to the column (a list for `in`); for
    `region` a region code, matching that code and all codes inside it (51.05.01 matches
    51.05.01.2001)."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Aggregate:
    fn: str  # sum count mean min max
    field: str | None = None  # None only for count (rows)

    @property
    def name(self) -> str:
        """The output column name: `sum_jumlah`, or `count` for the row count."""
        return f"{self.fn}_{self.field}" if self.field else self.fn


@dataclass(frozen=True)
class TableQuery:
    conditions: tuple[Condition, ...] = ()
    fields: tuple[str, ...] | None = None  # None = all columns
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    group_by: tuple[str, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    limit: int = ROWS_LIMIT_DEFAULT
    offset: int = 0
    after: str | None = None  # opaque keyset cursor for deep pages

    @property
    def is_aggregate(self) -> bool:
        return bool(self.group_by or self.aggregates)


@dataclass
class QueryResult:
    columns: list[dict]  # [{"name", "type", "title", "unit"}], Table Schema types
    rows: list[tuple]
    total: int | None  # matching rows (or groups)
    next_after: str | None

    def records(self) -> list[dict[str, Any]]:
        names = [c["name"] for c in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


# --- checking a query against the version's schema --------------------------------------------


def _fail(message: str, code: str = "bad-query", **details: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, details=details)


class _Schema:
    """The version's columns and their types, and the checks every name and value goes through."""

    def __init__(self, version: Version) -> None:
        self.fields = schema_fields(version)
        self.by_name = {f["name"]: f for f in self.fields}
        self.names = list(self.by_name)

    def kind(self, name: str) -> str:
        return self.by_name[name].get("type", "string")

    def column(self, name: str) -> str:
        if name not in self.by_name:
            raise _unknown_column(str(name), self.names)
        return engine.quote_identifier(name)

    def typed(self, name: str, value: Any) -> Any:
        """A value as the column's type: text from a query string is parsed (numbers, dates,
        yes/no); values already typed by Python callers pass through."""
        kind = self.kind(name)
        if value is None:
            raise _fail(_("Filter on “%(column)s” has no value.") % {"column": name}, "bad-filter")
        if isinstance(value, str):
            text = _clean_text(value, name)
            return (
                text
                if kind not in NUMERIC_TYPES | {"date", "boolean"}
                else _typed(text, name, kind)
            )
        if isinstance(value, bool | int | float | dt.date):
            return value
        raise _fail(
            _("The filter value for “%(column)s” is not usable.") % {"column": name}, "bad-filter"
        )


def _check_limits(query: TableQuery) -> None:
    if not isinstance(query.limit, int) or not 0 <= query.limit <= ROWS_LIMIT_MAX:
        raise _fail(
            _("limit must be a whole number from 0 to %(max)d.") % {"max": ROWS_LIMIT_MAX},
            "bad-limit",
            limit=str(query.limit)[:20],
            max=ROWS_LIMIT_MAX,
        )
    if not isinstance(query.offset, int) or not 0 <= query.offset <= OFFSET_MAX:
        raise _fail(
            _(
                "offset must be a whole number from 0 to %(max)d; for deeper pages follow the "
                "“next” cursor (after=…)."
            )
            % {"max": OFFSET_MAX},
            "bad-offset",
            max=OFFSET_MAX,
        )
    if query.after is not None and query.offset:
        raise _fail(_("Use either offset or after, not both."), "bad-offset")
    if len(query.conditions) > CONDITIONS_MAX:
        raise _fail(
            _("At most %(max)d filters are allowed.") % {"max": CONDITIONS_MAX}, "bad-filter"
        )
    if len(query.group_by) > GROUP_BY_MAX or len(query.aggregates) > AGGREGATES_MAX:
        raise _fail(
            _("At most %(groups)d group_by columns and %(aggregates)d aggregates are allowed.")
            % {"groups": GROUP_BY_MAX, "aggregates": AGGREGATES_MAX},
            "bad-aggregate",
        )


# --- SQL --------------------------------------------------------------------------------------


class _Sql:
    """The WHERE clause of a query: quoted, schema-checked identifiers and bound values."""

    def __init__(self, schema: _Schema) -> None:
        self.schema = schema
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def add(self, condition: Condition) -> None:
        if condition.op not in OPERATORS:
            raise _fail(
                _("Unknown filter operator “%(op)s”; use one of: %(ops)s.")
                % {"op": str(condition.op)[:20], "ops": ", ".join(OPERATORS)},
                "bad-filter",
            )
        column = self.schema.column(condition.field)
        kind = self.schema.kind(condition.field)
        op, name = condition.op, condition.field
        if op == "in":
            values = condition.value
            if isinstance(values, str | bytes) or not isinstance(values, list | tuple | set):
                values = [values]
            values = list(values)
            if not values or len(values) > IN_VALUES_MAX:
                raise _fail(
                    _("“in” needs 1 to %(max)d values (column “%(column)s”).")
                    % {"max": IN_VALUES_MAX, "column": name},
                    "bad-filter",
                )
            typed = [self.schema.typed(name, v) for v in values]
            self.conditions.append(f"{column} IN ({', '.join('?' for _v in typed)})")
            self.params.extend(typed)
        elif op == "contains":
            text = _clean_text(str(condition.value), name)
            target = column if kind == "string" else f"CAST({column} AS VARCHAR)"
            self.conditions.append(f"{target} ILIKE ? ESCAPE '\\'")
            self.params.append("%" + _like_escaped(text) + "%")
        elif op == "region":
            code = str(condition.value).strip()
            if kind != "string" or not REGION_CODE_RE.match(code):
                raise _fail(
                    _(
                        "The region filter needs a text column of region codes and a Kemendagri "
                        "code like 51.05 or 51.05.01 (column “%(column)s”)."
                    )
                    % {"column": name},
                    "bad-filter",
                )
            # The region itself and every region inside it (51.05.01 ⊃ 51.05.01.2001).
            self.conditions.append(f"({column} = ? OR starts_with({column}, ?))")
            self.params.extend([code, code + "."])
        else:
            if op in _ORDERED_OPERATORS and kind == "boolean":
                raise _fail(
                    _("Column “%(column)s” holds yes/no values; use eq or ne.") % {"column": name},
                    "bad-filter",
                )
            self.conditions.append(f"{column} {_SQL_OPERATORS[op]} ?")
            self.params.append(self.schema.typed(name, condition.value))

    def where(self, extra: str = "") -> str:
        parts = [*self.conditions, *([extra] if extra else [])]
        return f" WHERE {' AND '.join(parts)}" if parts else ""


def _order_keys(schema: _Schema, query: TableQuery, allowed: dict[str, str]) -> list[str]:
    keys = []
    for name, descending in query.sort:
        if name not in allowed:
            raise _fail(
                _("Cannot sort by “%(name)s”; sort by one of: %(names)s.")
                % {"name": str(name)[:80], "names": ", ".join(list(allowed)[:30])},
                "bad-sort",
            )
        keys.append(f"{allowed[name]} {'DESC' if descending else 'ASC'} NULLS LAST")
    return keys


# --- keyset cursor ----------------------------------------------------------------------------


def _sort_signature(query: TableQuery) -> str:
    raw = json.dumps([list(item) for item in query.sort])
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _encode_cursor(query: TableQuery, values: list[Any], position: int) -> str:
    raw = json.dumps(
        {"s": _sort_signature(query), "k": [_json_value(v) for v in values], "p": position},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(schema: _Schema, query: TableQuery) -> tuple[list[Any], int]:
    bad = _fail(
        _("The cursor (after=…) is not valid for this query; start again from the first page."),
        "bad-cursor",
    )
    text = str(query.after)
    if len(text) > CURSOR_MAX_CHARS:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        values, position = data["k"], data["p"]
        valid = (
            data["s"] == _sort_signature(query)
            and isinstance(values, list)
            and len(values) == len(query.sort)
            and isinstance(position, int)
            and not isinstance(position, bool)
            and position >= 0
        )
    except (ValueError, TypeError, KeyError):
        raise bad from None
    if not valid:
        raise bad
    typed = []
    for (name, _desc), value in zip(query.sort, values, strict=True):
        if value is None:
            typed.append(None)
            continue
        try:
            typed.append(schema.typed(name, str(value) if schema.kind(name) == "date" else value))
        except ValidationFailed:
            raise bad from None
    return typed, position


def _after_condition(schema: _Schema, query: TableQuery, params: list[Any]) -> str:
    """Rows after the cursor in (sort keys…, row position) order, NULLS LAST, as SQL."""
    values, position = _decode_cursor(schema, query)

    def tail(index: int) -> str:
        if index == len(query.sort):
            params.append(position)
            return f"{ROW_POSITION} > ?"
        name, descending = query.sort[index]
        column = schema.column(name)
        value = values[index]
        if value is None:  # NULLS LAST: only later NULLs follow
            return f"({column} IS NULL AND {tail(index + 1)})"
        params.append(value)
        beyond = f"{column} {'<' if descending else '>'} ?"
        params.append(value)
        same = f"{column} = ?"
        rest = tail(index + 1)
        return f"({beyond} OR {column} IS NULL OR ({same} AND {rest}))"

    return tail(0)


# --- where a query reads: the Parquet file, or the version held in memory ---------------------

# Versions that are queried again and again are copied into an in-memory DuckDB table of this
# process (DuckDB's own columnar format: no Parquet pages to decompress per query — a filtered
# page of a 1M-row version goes from tens of milliseconds to a few). Bounded by a budget in table
# cells (rows x columns; about 14 bytes each for typical tables); least recently used versions
# leave first. A version is copied, in a background thread, after its second uncached query in
# this process, so a one-off query never pays for the copy.
MEMORY_CELLS_MAX_DEFAULT = 12_000_000
MEMORY_AFTER_QUERIES = 2
_memory_lock = threading.Lock()
_memory_db: duckdb.DuckDBPyConnection | None = None
_memory_tables: OrderedDict[str, int] = OrderedDict()  # parquet sha256 -> cells, LRU first
_memory_loading: dict[str, threading.Thread] = {}
_memory_queries: dict[str, int] = {}
_memory_cursors = threading.local()


def memory_cells_max() -> int:
    """SATUDATA_QUERY_MEMORY_CELLS: the in-memory copies' budget per process (0 = never copy)."""
    return int(getattr(settings, "SATUDATA_QUERY_MEMORY_CELLS", MEMORY_CELLS_MAX_DEFAULT))


def _memory_table(sha: str) -> str:
    return engine.quote_identifier(f"version_{sha[:32]}")


def _memory_database() -> duckdb.DuckDBPyConnection:
    global _memory_db
    with _memory_lock:
        if _memory_db is None:
            _memory_db = engine.connect()
        return _memory_db


def _memory_cursor() -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the in-memory database (DuckDB cursors are not thread-safe)."""
    cursor = getattr(_memory_cursors, "cursor", None)
    if cursor is None:
        cursor = _memory_database().cursor()
        _memory_cursors.cursor = cursor
    return cursor


@dataclass(frozen=True)
class _Source:
    """What a query reads FROM: `relation` has the row position column, `plain` may not."""

    relation: str
    plain: str
    params: tuple
    in_memory: bool

    def run(self, sql: str, params: list[Any]) -> list[tuple]:
        if not self.in_memory:
            return _run(sql, params)
        return _memory_cursor().execute(sql, params).fetchall()


def _parquet_source(version: Version) -> _Source:
    return _Source(
        relation="read_parquet(?, file_row_number = true)",
        plain="read_parquet(?)",
        params=(str(parquet_path(version)),),
        in_memory=False,
    )


def _source(version: Version) -> _Source:
    """The in-memory copy when there is one, else the Parquet file (and maybe start a copy)."""
    sha = version.parquet_sha256
    with _memory_lock:
        if sha in _memory_tables:
            _memory_tables.move_to_end(sha)
            table = _memory_table(sha)
            return _Source(relation=table, plain=table, params=(), in_memory=True)
    _maybe_copy_to_memory(version)
    return _parquet_source(version)


def _maybe_copy_to_memory(version: Version) -> None:
    sha = version.parquet_sha256
    cells = int(version.row_count) * max(1, int(version.column_count or 1))
    names = {f["name"] for f in schema_fields(version)}
    if cells > memory_cells_max() or ROW_POSITION in names:
        return
    with _memory_lock:
        if sha in _memory_loading or sha in _memory_tables:
            return
        _memory_queries[sha] = _memory_queries.get(sha, 0) + 1
        if _memory_queries[sha] < MEMORY_AFTER_QUERIES:
            return
        loader = threading.Thread(
            target=_copy_to_memory,
            args=(sha, str(parquet_path(version)), cells),
            name=f"satudata-memory-{sha[:8]}",
            daemon=True,
        )
        _memory_loading[sha] = loader
    loader.start()


def _copy_to_memory(sha: str, path: str, cells: int) -> None:
    table = _memory_table(sha)
    cursor = _memory_database().cursor()
    try:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} AS "  # noqa: S608 - a hash, quoted
            "SELECT * FROM read_parquet(?, file_row_number = true)",
            [path],
        )
        with _memory_lock:
            _memory_tables[sha] = cells
            evicted = _over_budget(keep=sha)
        for old in evicted:
            cursor.execute(f"DROP TABLE IF EXISTS {_memory_table(old)}")
    except duckdb.Error:
        pass  # the Parquet file keeps answering
    finally:
        cursor.close()
        with _memory_lock:
            _memory_loading.pop(sha, None)


def _over_budget(keep: str) -> list[str]:
    """Forget the least recently used copies until the budget holds (call with the lock)."""
    evicted = []
    while sum(_memory_tables.values()) > memory_cells_max() and len(_memory_tables) > 1:
        oldest = next(iter(_memory_tables))
        if oldest == keep:
            _memory_tables.move_to_end(oldest)
            continue
        del _memory_tables[oldest]
        evicted.append(oldest)
    return evicted


def in_memory(version: Version) -> bool:
    """Whether this process answers `version` from an in-memory copy."""
    with _memory_lock:
        return version.parquet_sha256 in _memory_tables


def wait_for_memory_copies(timeout_s: float = 60) -> None:
    """Wait until background copies have finished (tests and benchmarks)."""
    with _memory_lock:
        loaders = list(_memory_loading.values())
    for loader in loaders:
        loader.join(timeout_s)


def forget_memory_copies() -> None:
    """Drop every in-memory copy of this process (tests)."""
    with _memory_lock:
        shas = list(_memory_tables)
        _memory_tables.clear()
        _memory_queries.clear()
    if shas:
        cursor = _memory_database().cursor()
        try:
            for sha in shas:
                cursor.execute(f"DROP TABLE IF EXISTS {_memory_table(sha)}")
        finally:
            cursor.close()


# --- running ----------------------------------------------------------------------------------


def _column_info(field: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": field["name"],
        "type": field.get("type", "string"),
        "title": field.get("title", ""),
        "unit": field.get("unit", ""),
    }


def _aggregate_column(schema: _Schema, aggregate: Aggregate) -> tuple[str, dict[str, Any]]:
    """(SQL expression, output column) of one aggregate, checked against the schema."""
    if aggregate.fn not in AGGREGATE_FUNCTIONS:
        raise _fail(
            _("Unknown aggregate “%(fn)s”; use one of: %(fns)s.")
            % {"fn": str(aggregate.fn)[:20], "fns": ", ".join(AGGREGATE_FUNCTIONS)},
            "bad-aggregate",
        )
    if aggregate.field is None:
        if aggregate.fn != "count":
            raise _fail(
                _("The aggregate “%(fn)s” needs a column, e.g. %(fn)s:jumlah.")
                % {"fn": aggregate.fn},
                "bad-aggregate",
            )
        return "count(*)", {"name": "count", "type": "integer", "title": "", "unit": ""}
    column = schema.column(aggregate.field)
    kind = schema.kind(aggregate.field)
    field = schema.by_name[aggregate.field]
    if aggregate.fn in ("sum", "mean") and kind not in _SUMMABLE_TYPES:
        raise _fail(
            _("Cannot compute %(fn)s of “%(column)s”: it is not a number column.")
            % {"fn": aggregate.fn, "column": aggregate.field},
            "bad-aggregate",
        )
    output_type = {"count": "integer", "mean": "number"}.get(aggregate.fn, kind)
    if aggregate.fn == "sum":
        # A sum of whole numbers is a whole number; DOUBLE keeps DuckDB's HUGEINT out of results.
        expression = f"CAST(sum({column}) AS {'BIGINT' if kind == 'integer' else 'DOUBLE'})"
    else:
        expression = f"{_AGGREGATE_SQL[aggregate.fn]}({column})"
    info = {
        "name": aggregate.name,
        "type": output_type,
        "title": f"{aggregate.fn}({field.get('title') or aggregate.field})",
        "unit": "" if aggregate.fn == "count" else field.get("unit", ""),
    }
    return expression, info


def _rows_query(version: Version, schema: _Schema, query: TableQuery) -> QueryResult:
    names = list(query.fields) if query.fields is not None else schema.names
    if not names:
        raise _fail(_("Choose at least one column in fields."), "bad-fields")
    if len(set(names)) != len(names):
        raise _fail(_("A column is named twice in fields."), "bad-fields")
    selected = [schema.column(name) for name in names]
    sql = _Sql(schema)
    for condition in query.conditions:
        sql.add(condition)
    allowed = {name: engine.quote_identifier(name) for name in schema.names}
    order = [*_order_keys(schema, query, allowed), ROW_POSITION]
    after_params: list[Any] = []
    after = _after_condition(schema, query, after_params) if query.after else ""
    sort_columns = [allowed[name] for name, _desc in query.sort]
    source = _source(version)
    if ROW_POSITION in schema.by_name:
        rows, keys = _rows_without_positions(schema, query, sql, selected, source)
    elif source.in_memory:
        # No pages to decompress in memory: one query reads the page and its keys.
        found = source.run(
            f"SELECT {', '.join([*selected, *sort_columns, ROW_POSITION])} "  # noqa: S608
            f"FROM {source.relation}{sql.where(after)} "
            f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
            [*sql.params, *after_params, query.limit, query.offset],
        )
        rows = [tuple(row[: len(selected)]) for row in found]
        keys = [tuple(row[len(selected) :]) for row in found]
    else:
        keys = _page_keys(version, sql, query, order, sort_columns, after, after_params, source)
        rows = _rows_at(selected, [int(key[-1]) for key in keys], source)
    next_after = None
    if query.limit and len(keys) == query.limit:
        last = keys[-1]
        next_after = _encode_cursor(query, list(last[:-1]), int(last[-1]))
    total = _count(version, sql, source)
    info = [_column_info(schema.by_name[name]) for name in names]
    return QueryResult(info, rows, total, next_after)


def _rows_without_positions(
    schema: _Schema, query: TableQuery, sql: _Sql, selected: list[str], source: _Source
) -> tuple[list[tuple], list[tuple]]:
    """A version with a column named like DuckDB's row position (`file_row_number`) cannot be
    read with positions: one plain query, offset paging only."""
    if query.after:
        raise _fail(_("This version cannot be paged with after=…; use offset."), "bad-cursor")
    allowed = {name: engine.quote_identifier(name) for name in schema.names}
    order = _order_keys(schema, query, allowed)
    order_sql = f" ORDER BY {', '.join(order)}" if order else ""
    rows = source.run(
        f"SELECT {', '.join(selected)} FROM {source.plain}{sql.where()}"  # noqa: S608
        f"{order_sql} LIMIT ? OFFSET ?",
        [*source.params, *sql.params, query.limit, query.offset],
    )
    return [tuple(row) for row in rows], []


def _page_keys(
    version: Version,
    sql: _Sql,
    query: TableQuery,
    order: list[str],
    sort_columns: list[str],
    after: str,
    after_params: list[Any],
    source: _Source,
) -> list[tuple]:
    """(sort values…, row position) of the page's rows, reading only the filter and sort
    columns — like an index lookup; the full rows are read afterwards by position. In file
    order without filters the positions are known without reading anything."""
    if not sql.conditions and not query.sort:
        start = query.offset
        if query.after:
            start = int(after_params[-1]) + 1  # the cursor's position (file order: the only key)
        end = min(int(version.row_count), start + query.limit)
        return [(position,) for position in range(start, end)]
    return [
        tuple(row)
        for row in source.run(
            f"SELECT {', '.join([*sort_columns, ROW_POSITION])} "  # noqa: S608
            f"FROM {source.relation}{sql.where(after)} "
            f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
            [*source.params, *sql.params, *after_params, query.limit, query.offset],
        )
    ]


def _rows_at(selected: list[str], positions: list[int], source: _Source) -> list[tuple]:
    """The chosen columns of the rows at `positions`, in that order. The position range lets
    DuckDB skip the row groups outside it (the data view reads its pages the same way)."""
    if not positions:
        return []
    found = source.run(
        f"SELECT {', '.join(selected)}, {ROW_POSITION} "  # noqa: S608 - quoted identifiers
        f"FROM {source.relation} "
        f"WHERE {ROW_POSITION} BETWEEN ? AND ? AND list_contains(?, {ROW_POSITION})",
        [*source.params, min(positions), max(positions), positions],
    )
    by_position = {row[-1]: tuple(row[:-1]) for row in found}
    return [by_position[position] for position in positions if position in by_position]


def _count(version: Version, sql: _Sql, source: _Source) -> int:
    """Matching rows: the version's own count without filters, else one counting scan of the
    filter columns (cached per filter set, whatever the sort, fields or page)."""
    if not sql.conditions:
        return int(version.row_count)
    key = ("api-count", version.parquet_sha256, tuple(sql.conditions), repr(sql.params))
    found = cache_get(key)
    if found is None:
        found = int(
            source.run(
                f"SELECT count(*) FROM {source.plain}{sql.where()}",  # noqa: S608
                [*source.params, *sql.params],
            )[0][0]
        )
        cache_set(key, found)
    return found


def _aggregate_query(version: Version, schema: _Schema, query: TableQuery) -> QueryResult:
    if query.fields is not None:
        raise _fail(
            _(
                "fields cannot be combined with group_by or aggregate: the result has the group "
                "columns and the aggregates."
            ),
            "bad-fields",
        )
    if query.after:
        raise _fail(_("Aggregated results are paged with offset, not after."), "bad-cursor")
    if len(set(query.group_by)) != len(query.group_by):
        raise _fail(_("A column is named twice in group_by."), "bad-aggregate")
    groups = [schema.column(name) for name in query.group_by]
    aggregates = list(query.aggregates) or [Aggregate("count")]
    built = [_aggregate_column(schema, aggregate) for aggregate in aggregates]
    outputs = [info["name"] for _sql, info in built]
    if len(set(outputs)) != len(outputs) or set(outputs) & set(query.group_by):
        raise _fail(_("An aggregate is asked for twice."), "bad-aggregate")
    sql = _Sql(schema)
    for condition in query.conditions:
        sql.add(condition)
    allowed = {name: engine.quote_identifier(name) for name in [*query.group_by, *outputs]}
    order = _order_keys(schema, query, allowed) + [f"{g} ASC NULLS LAST" for g in groups]
    selected = [
        *groups,
        *(f"{expression} AS {engine.quote_identifier(info['name'])}" for expression, info in built),
        f"count(*) OVER () AS {_TOTAL_COLUMN}",
    ]
    group_sql = f" GROUP BY {', '.join(groups)}" if groups else ""
    order_sql = f" ORDER BY {', '.join(order)}" if order else ""
    source = _source(version)
    rows = source.run(
        f"SELECT {', '.join(selected)} FROM {source.plain}{sql.where()}"  # noqa: S608
        f"{group_sql}{order_sql} LIMIT ? OFFSET ?",
        [*source.params, *sql.params, query.limit, query.offset],
    )
    total = int(rows[0][-1]) if rows else (None if query.offset else 0)
    if total is None:
        total = _group_count(sql, groups, source)
    columns = [_column_info(schema.by_name[name]) for name in query.group_by]
    columns += [info for _sql, info in built]
    return QueryResult(columns, [tuple(row[:-1]) for row in rows], total, None)


def _group_count(sql: _Sql, groups: list[str], source: _Source) -> int:
    if not groups:
        return 1
    return int(
        source.run(
            f"SELECT count(*) FROM (SELECT 1 FROM {source.plain}{sql.where()} "  # noqa: S608
            f"GROUP BY {', '.join(groups)})",
            [*source.params, *sql.params],
        )[0][0]
    )


def _cache_parts(version: Version, query: TableQuery) -> tuple:
    # The schema is part of the key: titles and units travel with the answer.
    schema = json.dumps(version.table_schema or {}, sort_keys=True, default=str)
    return (
        "api-query",
        1,
        version.parquet_sha256,
        hashlib.sha256(schema.encode()).hexdigest(),
        repr(query),
    )


def run_query(version: Version, query: TableQuery) -> QueryResult:
    """Rows (or groups) of `version` under `query`; ValidationFailed with a clear message for
    unknown columns, operators, functions, wrong-typed values and out-of-range limits.

    Permission is the caller's business: pass only a version the user may see
    (`Version.objects.visible_to(user)`, `warehouse.queries.public_version`)."""
    _check_limits(query)
    schema = _Schema(version)
    if not version.parquet_sha256 or not schema.fields:
        raise _fail(_("This version has no data to query."), "no-data")
    compute = _aggregate_query if query.is_aggregate else _rows_query

    def answer() -> QueryResult:
        try:
            return compute(version, schema, query)
        except duckdb.Error:
            # An in-memory copy dropped (budget) between lookup and query: read the file.
            _forget_copy(version.parquet_sha256)
        try:
            return compute(version, schema, query)
        except duckdb.Error as error:
            # The engine's message names server paths (the Parquet file): log it, answer
            # without it.
            logger.warning("query on version %s failed: %s", version.pk, error)
            raise _fail(
                _("The query could not be run on this version's data."), "query-failed"
            ) from None

    return cached_query(_cache_parts(version, query), answer)


def _forget_copy(sha: str) -> None:
    with _memory_lock:
        _memory_tables.pop(sha, None)


# --- the API's query-string grammar ---------------------------------------------------------


def _names(text: str, param: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise _fail(_("%(param)s names no column.") % {"param": param}, f"bad-{param}")
    return names


def _whole_number(text: str, param: str, default: int) -> int:
    text = (text or "").strip()
    if text == "":
        return default
    if not text.isdigit() or len(text) > 12:
        raise _fail(
            _("%(param)s must be a whole number (got “%(value)s”).")
            % {"param": param, "value": text[:20]},
            f"bad-{param}",
        )
    return int(text)


def _sort(text: str) -> tuple[tuple[str, bool], ...]:
    found = []
    for name in _names(text, "sort"):
        descending = name.startswith("-")
        found.append((name.lstrip("-+").strip(), descending))
    return tuple(found)


def _aggregates(texts: list[str]) -> tuple[Aggregate, ...]:
    found = []
    for text in texts:
        for part in text.split(","):
            if not part.strip():
                continue
            match = _AGGREGATE_RE.match(part)
            if match is None:
                raise _fail(
                    _("Cannot read the aggregate “%(text)s”; write e.g. sum:jumlah or count.")
                    % {"text": part[:40]},
                    "bad-aggregate",
                )
            fn, field = match.group(1), match.group(2) or None
            found.append(Aggregate(fn, field))
    return tuple(found)


def _in_values(text: str) -> list[str]:
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            values = None
        if not isinstance(values, list) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values
        ):
            raise _fail(_("The “in” filter's JSON list is not a list of values."), "bad-filter")
        return [str(v) for v in values]
    return [part.strip() for part in text.split(",")]


def parse_api_params(version: Version, params: Mapping[str, str]) -> TableQuery:
    """A TableQuery from API query parameters (see the module docstring for the grammar)."""
    schema = _Schema(version)
    conditions: list[Condition] = []
    single: dict[str, str] = {}
    aggregate_texts: list[str] = []
    for key, raw in _items(params):
        key, value = str(key), str(raw)
        if key.startswith("_"):
            continue
        if key == "aggregate":
            aggregate_texts.append(value)
            continue
        if key in RESERVED_PARAMS:
            single[key] = value
            continue
        name, separator, op = key.rpartition("__")
        if not separator or name not in schema.by_name:
            name, op = key, "eq"
        if name not in schema.by_name:
            raise _unknown_column(name, schema.names)
        if op not in OPERATORS:
            raise _fail(
                _("Unknown filter operator “%(op)s”; use one of: %(ops)s.")
                % {"op": op[:20], "ops": ", ".join(OPERATORS)},
                "bad-filter",
            )
        if len(value) > IN_VALUES_MAX * 50:
            raise _fail(_("The filter on “%(column)s” is too long.") % {"column": name})
        if op == "in":
            conditions.append(Condition(name, op, tuple(_in_values(value))))
        else:
            conditions.append(Condition(name, op, value))
    return TableQuery(
        conditions=tuple(conditions),
        fields=_names(single["fields"], "fields") if single.get("fields") else None,
        sort=_sort(single["sort"]) if single.get("sort") else (),
        group_by=_names(single["group_by"], "group_by") if single.get("group_by") else (),
        aggregates=_aggregates(aggregate_texts),
        limit=_whole_number(single.get("limit", ""), "limit", ROWS_LIMIT_DEFAULT),
        offset=_whole_number(single.get("offset", ""), "offset", 0),
        after=single.get("after") or None,
    )
