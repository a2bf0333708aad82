"""Domain warning `zero-value`: 0 where the previous version had data for the same key.

Agencies often type 0 for “no data yet”. A row is matched with the previous version (its Parquet,
read by DuckDB in place) on the primary key, or — without one — on all dimension columns both
versions share (text, year, date), provided that key is unique in both versions. Then, for each
summable number column both versions have, a 0 now against a non-zero value before is pointed
out, with the old value.
"""

from __future__ import annotations

from satudata.warehouse.engine import quote_identifier, quote_literal
from satudata.warehouse.validation import roles, types
from satudata.warehouse.validation.context import Context, record


def _key_fields(ctx: Context, previous_names: set[str]) -> list[int]:
    declared = ctx.schema.get("primaryKey")
    if declared:
        names = [declared] if isinstance(declared, str) else list(declared)
        indexes = [ctx.index_of(n) for n in names]
        if all(
            i is not None and ctx.columns[i] and n in previous_names
            for i, n in zip(indexes, names, strict=True)
        ):
            return indexes
        return []
    return [
        i
        for i, f in enumerate(ctx.fields)
        if ctx.columns[i] and f["name"] in previous_names and roles.is_dimension(f)
    ]


def _unique(ctx: Context, source: str, keys: list[str]) -> bool:
    joined = ", ".join(keys)
    repeated = ctx.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM {source} GROUP BY {joined} "  # noqa: S608
        "HAVING count(*) > 1)"
    )
    return not repeated


def check_zero_values(ctx: Context) -> int:
    previous = ctx.previous
    if previous is None or not previous.parquet_path.is_file():
        return 0
    old_fields = {f["name"]: f for f in previous.table_schema.get("fields", [])}
    measures = [
        i
        for i, f in enumerate(ctx.fields)
        if ctx.columns[i]
        and roles.is_measure(f)
        and old_fields.get(f["name"], {}).get("type") in roles.MEASURE_TYPES
    ]
    key_fields = _key_fields(ctx, set(old_fields))
    if not measures or not key_fields:
        return 0
    old = f"read_parquet({quote_literal(str(previous.parquet_path))})"
    new_keys = [f"CAST({ctx.typed(i)} AS VARCHAR)" for i in key_fields]
    old_keys = [f"CAST({quote_identifier(ctx.fields[i]['name'])} AS VARCHAR)" for i in key_fields]
    typed = ctx.typed_source()
    aliases = [f"k{n}" for n in range(len(key_fields))]
    on = " AND ".join(f"n.{a} IS NOT DISTINCT FROM o.{a}" for a in aliases)
    old_select = ", ".join(f"{sql} AS {a}" for sql, a in zip(old_keys, aliases, strict=True))
    old_measures = ", ".join(
        f"TRY_CAST({quote_identifier(ctx.fields[i]['name'])} AS DOUBLE) AS m{i}" for i in measures
    )
    if typed is not None:
        # The typed columns of the Parquet just written carry the same keys and values: first
        # ask whether any zero meets data at all (the common answer, no, needs no rows).
        if not _unique(ctx, typed, old_keys) or not _unique(ctx, old, old_keys):
            return 0
        new_measures = ", ".join(
            f"TRY_CAST({quote_identifier(ctx.fields[i]['name'])} AS DOUBLE) AS m{i}"
            for i in measures
        )
        zero_meets_data = " OR ".join(
            f"(n.m{i} = 0 AND o.m{i} IS NOT NULL AND o.m{i} <> 0)" for i in measures
        )
        if not ctx.scalar(
            f"SELECT count(*) FROM (SELECT {old_select}, {new_measures} FROM {typed}) n "  # noqa: S608
            f"JOIN (SELECT {old_select}, {old_measures} FROM {old}) o ON {on} "
            f"WHERE {zero_meets_data}"
        ):
            return 0
    elif not _unique(ctx, ctx.rows_table(), new_keys) or not _unique(ctx, old, old_keys):
        return 0
    new_select = ", ".join(f"{sql} AS {a}" for sql, a in zip(new_keys, aliases, strict=True))
    key_json = ", ".join(
        f"{types.lit(ctx.fields[i]['name'])}, n.{a}"
        for i, a in zip(key_fields, aliases, strict=True)
    )
    parts = []
    for i in measures:
        name = ctx.fields[i]["name"]
        parts.append(
            f"SELECT n.row, {types.lit(name)} AS field, n.c{i} AS cell, "  # noqa: S608
            f"CAST(json_object('version', {int(previous.number)}, 'previous', o.m{i}, "
            f"'key', json_object({key_json})) AS VARCHAR) AS params "
            f"FROM new_rows n JOIN old_rows o ON {on} "
            f"WHERE n.m{i} = 0 AND o.m{i} IS NOT NULL AND o.m{i} <> 0"
        )
    new_measures = ", ".join(f"{ctx.typed(i)} AS m{i}, {ctx.cell(i)} AS c{i}" for i in measures)
    found = (
        f"WITH new_rows AS (SELECT {ctx.row} AS row, {new_select}, {new_measures} "  # noqa: S608
        f"FROM {ctx.rows_table()}), old_rows AS (SELECT {old_select}, {old_measures} FROM {old}) "
        + " UNION ALL ".join(parts)
    )
    return record(ctx, "zero-value", found)
