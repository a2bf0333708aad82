"""Cell checks: `type-error` and `constraint-error`, for every field, in one scan of the table.

Each checked field gets a bit mask per row (bit 0: the cell does not fit the type; the other bits:
one per broken constraint). Only rows with a non-zero mask are kept (`validation_cells`), with
their text cells, so counting and listing the problems afterwards reads a small table.

As in frictionless: a missing cell only breaks `required`; a cell with a type error is not
checked against the other constraints; each broken constraint is one `constraint-error`.
"""

from __future__ import annotations

import re
from typing import Any

from satudata.warehouse.engine import quote_identifier
from satudata.warehouse.validation import types
from satudata.warehouse.validation.context import Context, record

TYPE_BIT = 1
# Constraint → bit, in the order messages list them.
CONSTRAINT_BITS = {
    "required": 2,
    "minimum": 4,
    "maximum": 8,
    "exclusiveMinimum": 16,
    "exclusiveMaximum": 32,
    "minLength": 64,
    "maxLength": 128,
    "pattern": 256,
    "enum": 512,
}
ORDERED_TYPES = ("integer", "number", "year", "date", "datetime", "time")
LENGTH_TYPES = ("string",)
CELLS_TABLE = "validation_cells"


def _constraint_tests(field: dict[str, Any], typed: str, cell: str) -> dict[str, str]:
    """SQL conditions that are TRUE when a present, well-typed value breaks a constraint."""
    constraints = field.get("constraints") or {}
    kind = field.get("type") or "string"
    tests: dict[str, str] = {}
    comparisons = {
        "minimum": "<",
        "maximum": ">",
        "exclusiveMinimum": "<=",
        "exclusiveMaximum": ">=",
    }
    if kind in ORDERED_TYPES:
        for name, operator in comparisons.items():
            if constraints.get(name) is not None:
                bound = types.constraint_literal(field, constraints[name])
                nan = f"isnan({typed}) OR " if kind == "number" else ""
                tests[name] = f"({nan}{typed} {operator} {bound})"
    if kind in LENGTH_TYPES:
        if constraints.get("minLength") is not None:
            tests["minLength"] = f"(length({typed}) < {int(constraints['minLength'])})"
        if constraints.get("maxLength") is not None:
            tests["maxLength"] = f"(length({typed}) > {int(constraints['maxLength'])})"
        if constraints.get("pattern"):
            pattern = types.lit(constraints["pattern"])
            tests["pattern"] = f"(NOT regexp_full_match({cell}, {pattern}))"
    enum = constraints.get("enum")
    if isinstance(enum, list) and enum:
        values = ", ".join(types.constraint_literal(field, value) for value in enum)
        tests["enum"] = f"({typed} NOT IN ({values}))"
    return tests


def needs_check(field: dict[str, Any]) -> bool:
    constraints = field.get("constraints") or {}
    return not types.always_fits(field) or any(
        constraints.get(name) not in (None, False, [], "") for name in CONSTRAINT_BITS
    )


def mask_sql(ctx: Context, index: int, typed: str) -> str:
    """The problem bits of field `index`, given its typed value expression `typed`."""
    field = ctx.fields[index]
    cell = ctx.cell(index)
    missing = ctx.missing(index)
    required = bool((field.get("constraints") or {}).get("required"))
    on_missing = str(CONSTRAINT_BITS["required"]) if required else "0"
    tests = _constraint_tests(field, typed, cell)
    constraint_bits = " + ".join(
        f"(CASE WHEN {test} THEN {CONSTRAINT_BITS[name]} ELSE 0 END)"
        for name, test in tests.items()
    )
    if types.always_fits(field):
        present = constraint_bits or "0"
    else:
        present = f"CASE WHEN {typed} IS NULL THEN {TYPE_BIT} ELSE {constraint_bits or '0'} END"
    return f"CASE WHEN {missing} THEN {on_missing} ELSE {present} END"


def find_cell_problems(ctx: Context) -> list[int]:
    """Create `validation_cells` (rows with a problem, their text cells and masks).

    Returns the indexes of the fields that were checked."""
    checked = [i for i, f in enumerate(ctx.fields) if ctx.columns[i] and needs_check(f)]
    cells = [quote_identifier(c) for c in dict.fromkeys(c for c in ctx.columns if c)]
    table = ctx.rows_table()
    if not checked:
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {CELLS_TABLE} AS SELECT {ctx.row} AS row, "  # noqa: S608
            f"{', '.join(cells)} FROM {table} LIMIT 0"
        )
        return []
    # Typed values once per row (inner query), masks from them (outer query).
    typed = ", ".join(f"{ctx.typed(i)} AS t{i}" for i in checked)
    masks = ", ".join(f"{mask_sql(ctx, i, f't{i}')} AS m{i}" for i in checked)
    any_problem = " OR ".join(f"m{i} <> 0" for i in checked)
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CELLS_TABLE} AS "  # noqa: S608 - quoted identifiers
        f"SELECT * FROM (SELECT {ctx.row} AS row, {', '.join(cells)}, {masks} FROM ("
        f"SELECT *, {typed} FROM {table})) WHERE {any_problem}"
    )
    return checked


def _counts(ctx: Context, checked: list[int]) -> dict[tuple[int, int], int]:
    bits = [TYPE_BIT, *CONSTRAINT_BITS.values()]
    measures = [(i, bit) for i in checked for bit in bits]
    row = ctx.con.execute(
        "SELECT "  # noqa: S608
        + ", ".join(f"count_if((m{i} & {bit}) <> 0)" for i, bit in measures)
        + f" FROM {CELLS_TABLE}"
    ).fetchall()[0]
    return {key: int(n) for key, n in zip(measures, row, strict=True) if n}


def _json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def _params_sql(params: dict[str, Any]) -> str:
    import json

    return types.lit(json.dumps(params, ensure_ascii=False))


def _listing_sql(ctx: Context, wanted: list[tuple[int, int, dict[str, Any]]]) -> str:
    """Rows (row, field, cell, params) for each (field, bit) — the first problem rows only."""
    limit = max(ctx.issue_rows, ctx.report.listed_cap)
    parts = []
    for index, bit, params in wanted:
        name = types.lit(ctx.fields[index]["name"])
        parts.append(
            f"(SELECT row, {name} AS field, {ctx.cell(index)} AS cell, "  # noqa: S608
            f"{_params_sql(params)} AS params FROM {CELLS_TABLE} "
            f"WHERE (m{index} & {bit}) <> 0 ORDER BY row LIMIT {int(limit)})"
        )
    return " UNION ALL ".join(parts)


def check_cells(ctx: Context) -> None:
    checked = find_cell_problems(ctx)
    if not checked:
        return
    counts = _counts(ctx, checked)
    if not counts:
        return
    type_wanted = []
    constraint_wanted = []
    for (index, bit), _count in counts.items():
        field = ctx.fields[index]
        if bit == TYPE_BIT:
            params = {"expected": field.get("type"), "format": field.get("format")}
            type_wanted.append((index, bit, params))
            continue
        name = next(n for n, b in CONSTRAINT_BITS.items() if b == bit)
        value = (field.get("constraints") or {}).get(name)
        constraint_wanted.append((index, bit, {"constraint": name, "value": _json_value(value)}))
    if type_wanted:
        total = sum(counts[(i, b)] for i, b, _p in type_wanted)
        record(ctx, "type-error", _listing_sql(ctx, type_wanted), total=total)
    if constraint_wanted:
        total = sum(counts[(i, b)] for i, b, _p in constraint_wanted)
        record(ctx, "constraint-error", _listing_sql(ctx, constraint_wanted), total=total)


def pattern_problems(schema: dict[str, Any]) -> list[str]:
    """Patterns the regular-expression engine cannot use (reported as schema errors)."""
    bad = []
    for field in schema.get("fields", []):
        pattern = (field.get("constraints") or {}).get("pattern")
        if pattern is None:
            continue
        try:
            re.compile(str(pattern))
        except re.error:
            bad.append(field.get("name", ""))
    return bad


# --- the guarded write: typing, checking and writing the Parquet in one pass -----------------

GUARD_MARK = "satudata-validation: cell problem"


def guarded_select(ctx: Context) -> str:
    """SELECT of the typed table (field names, Parquet types) that stops with an error at the
    first cell with a problem — so a clean file is typed, checked and written in one scan."""
    checked = [i for i, f in enumerate(ctx.fields) if ctx.columns[i] and needs_check(f)]
    inner = ", ".join(f"{ctx.typed(i)} AS t{i}" for i in checked)
    guard = f"error({types.lit(GUARD_MARK)})"
    outputs = []
    for index, field in enumerate(ctx.fields):
        target = types.sql_type(field)
        name = quote_identifier(field["name"])
        if not ctx.columns[index]:
            value = f"CAST(NULL AS {target})"
        elif index in checked:
            mask = mask_sql(ctx, index, f"t{index}")
            value = f"CAST(CASE WHEN ({mask}) <> 0 THEN {guard} ELSE t{index} END AS {target})"
        else:
            value = f"CAST({ctx.typed(index)} AS {target})"
        outputs.append((value, name))
    if ctx.lazy and outputs:
        # Rows still in the file have not been looked at: a blank row or an over-long cell also
        # stops the write (the rows then go into a table, where the reader and the blank-row
        # check deal with them).
        value, name = outputs[0]
        outputs[0] = (f"CASE WHEN {_row_guard(ctx)} THEN {guard} ELSE {value} END", name)
    source = f"(SELECT *, {inner} FROM {ctx.table})" if checked else ctx.table  # noqa: S608
    selected = ", ".join(f"{value} AS {name}" for value, name in outputs)
    return f"SELECT {selected} FROM {source}"  # noqa: S608


def _row_guard(ctx: Context) -> str:
    from satudata.warehouse.ingest.readers import cell_max_chars
    from satudata.warehouse.validation.rows import blank_condition

    limit = int(cell_max_chars())
    sources = [c for c in ctx.columns if c] + [c for c, _label in ctx.extra_columns]
    # strlen counts bytes, never fewer than characters: under it, no cell is too long.
    too_long = [f"strlen({quote_identifier(c)}) > {limit}" for c in dict.fromkeys(sources)]
    conditions = [f"({blank})" for blank in [blank_condition(ctx)] if blank] + too_long
    return "(" + " OR ".join(conditions or ["false"]) + ")"


def is_guard_error(error: Exception) -> bool:
    return GUARD_MARK in str(error)
