"""Key checks: `unique-error`, `primary-key` and `foreign-key`.

Values are compared typed (so `7` and `07` are the same integer), as frictionless does. Each
check first asks a cheap aggregate whether anything repeats; only then does a window over the
repeating values find the rows and the earlier row they repeat.

Foreign keys point at a reference list: `wilayah` (the Kemendagri region codes, optionally at
one level: `reference.level`, or a field's `regionLevel`), or the table itself (`resource: ""`).
Codes are checked once per distinct value, then the rows with a bad code are found.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from satudata.warehouse.engine import quote_identifier
from satudata.warehouse.validation import types
from satudata.warehouse.validation.context import Context, record
from satudata.warehouse.validation.references import (
    REGION_REFERENCE,
    canonical_code_sql,
    distinct_values,
    ensure_regions,
    level_depth,
)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _typed_key(ctx: Context, indexes: list[int]) -> list[str]:
    return [ctx.typed(i) for i in indexes]


def _repeats(ctx: Context, keys: list[str], source: str) -> int:
    """How many key values repeat in `source` (rows with every key part NULL left out).

    First a count of distinct key hashes (one 64-bit value per row, cheap); only when it finds
    fewer hashes than rows — a repeat, or a collision — are the keys themselves grouped."""
    not_all_null = " OR ".join(f"{k} IS NOT NULL" for k in keys)
    rows, hashes = ctx.con.execute(
        f"SELECT count(*), count(DISTINCT hash({', '.join(keys)})) FROM {source} "  # noqa: S608
        f"WHERE {not_all_null}"
    ).fetchall()[0]
    if rows == hashes:
        return 0
    return int(
        ctx.scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {not_all_null} "  # noqa: S608
            f"GROUP BY {', '.join(keys)} HAVING count(*) > 1)"
        )
        or 0
    )


def check_unique(ctx: Context) -> None:
    typed_source = ctx.typed_source()
    for index, field in enumerate(ctx.fields):
        if not (field.get("constraints") or {}).get("unique") or not ctx.columns[index]:
            continue
        typed = ctx.typed(index)
        if typed_source:  # the typed column, read from the Parquet just written
            repeated = _repeats(ctx, [quote_identifier(field["name"])], typed_source)
        else:
            repeated = _repeats(ctx, ["k"], f"(SELECT {typed} AS k FROM {ctx.rows_table()})")  # noqa: S608
        if not repeated:
            continue
        name = types.lit(field["name"])
        found = (
            f"SELECT row, {name} AS field, cell, "  # noqa: S608
            "CAST(json_object('first', previous) AS VARCHAR) AS params FROM ("
            f"SELECT {ctx.row} AS row, {ctx.cell(index)} AS cell, "
            f"lag({ctx.row}) OVER (PARTITION BY k ORDER BY {ctx.row}) AS previous FROM ("
            f"SELECT *, {typed} AS k FROM {ctx.rows_table()}) WHERE k IS NOT NULL"
            ") WHERE previous IS NOT NULL"
        )
        record(ctx, "unique-error", found)


def check_primary_key(ctx: Context) -> None:
    names = _as_list(ctx.schema.get("primaryKey"))
    indexes = [ctx.index_of(name) for name in names]
    if not names or any(i is None or not ctx.columns[i] for i in indexes):
        return  # a key column the file lacks is already a missing-label error
    typed_source = ctx.typed_source()
    if typed_source:
        columns = [quote_identifier(name) for name in names]
        all_null = " AND ".join(f"{c} IS NULL" for c in columns)
        empty = ctx.scalar(f"SELECT count(*) FROM {typed_source} WHERE {all_null}")  # noqa: S608
        if not empty and not _repeats(ctx, columns, typed_source):
            ctx.key_unique = True
            return
    keys = _typed_key(ctx, indexes)
    aliases = [f"k{n}" for n in range(len(keys))]
    selected = ", ".join(f"{sql} AS {alias}" for sql, alias in zip(keys, aliases, strict=True))
    all_null = " AND ".join(f"{alias} IS NULL" for alias in aliases)
    fields_json = "json_array(" + ", ".join(types.lit(n) for n in names) + ")"
    values_json = "json_array(" + ", ".join(ctx.cell(i) for i in indexes) + ")"
    source = f"(SELECT *, {selected} FROM {ctx.rows_table()})"  # noqa: S608
    empty = (
        f"SELECT {ctx.row} AS row, CAST(NULL AS VARCHAR) AS field, "  # noqa: S608
        "CAST(NULL AS VARCHAR) AS cell, "
        f"CAST(json_object('fields', {fields_json}, 'empty', true) AS VARCHAR) AS params "
        f"FROM {source} WHERE {all_null}"
    )
    repeated = _repeats(ctx, aliases, source)
    parts = [empty]
    if repeated:
        parts.append(
            "SELECT row, CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS cell, "  # noqa: S608
            f"CAST(json_object('fields', {fields_json}, 'values', key_values, "
            "'first', previous) AS VARCHAR) AS params FROM ("
            f"SELECT {ctx.row} AS row, {values_json} AS key_values, "
            f"lag({ctx.row}) OVER (PARTITION BY {', '.join(aliases)} ORDER BY {ctx.row}) "
            f"AS previous FROM {source} WHERE NOT ({all_null})) WHERE previous IS NOT NULL"
        )
    record(ctx, "primary-key", " UNION ALL ".join(parts), highlight=names)


# --- foreign keys ---------------------------------------------------------------------------


def foreign_keys(ctx: Context) -> list[dict[str, Any]]:
    """The schema's foreign keys, plus one per field marked with `regionLevel`."""
    found = []
    for key in ctx.schema.get("foreignKeys") or []:
        reference = key.get("reference") or {}
        found.append(
            {
                "fields": _as_list(key.get("fields")),
                "resource": str(reference.get("resource", "")),
                "reference_fields": _as_list(reference.get("fields")),
                "level": reference.get("level"),
            }
        )
    covered = {tuple(k["fields"]) for k in found if k["resource"] == REGION_REFERENCE}
    for field in ctx.fields:
        if field.get("regionLevel") and (field["name"],) not in covered:
            found.append(
                {
                    "fields": [field["name"]],
                    "resource": REGION_REFERENCE,
                    "reference_fields": ["kode"],
                    "level": field["regionLevel"],
                }
            )
    for key in found:
        if key["resource"] == REGION_REFERENCE and not key.get("level"):
            # The field may carry the level when the key does not.
            index = ctx.index_of(key["fields"][0]) if key["fields"] else None
            if index is not None:
                key["level"] = ctx.fields[index].get("regionLevel")
    return found


def schema_problems(schema: dict[str, Any]) -> list[str]:
    """Foreign keys this validator cannot check (reported as schema errors)."""
    names = {f.get("name") for f in schema.get("fields", [])}
    problems = []
    for key in schema.get("foreignKeys") or []:
        reference = key.get("reference") or {}
        fields = _as_list(key.get("fields"))
        resource = str(reference.get("resource", ""))
        if not fields or any(name not in names for name in fields):
            problems.append(
                _("A foreign key names columns the schema does not have: %(fields)s.")
                % {"fields": ", ".join(fields) or "—"}
            )
        elif resource == REGION_REFERENCE:
            if len(fields) != 1:
                problems.append(_("A region code foreign key must have exactly one column."))
            level = reference.get("level")
            if level and level_depth(level) is None:
                problems.append(_("Unknown region level “%(level)s”.") % {"level": level})
        elif resource == "":
            ref_fields = _as_list(reference.get("fields"))
            if len(ref_fields) != len(fields) or any(n not in names for n in ref_fields):
                problems.append(
                    _("A foreign key to the table itself must name as many of its columns.")
                )
        else:
            problems.append(
                _(
                    "The reference list “%(resource)s” is unknown; Satu Data can check region"
                    " codes (“wilayah”) and the table itself."
                )
                % {"resource": resource}
            )
    for field in schema.get("fields", []):
        level = field.get("regionLevel")
        if level and level_depth(str(level)) is None:
            problems.append(_("Unknown region level “%(level)s”.") % {"level": level})
    return problems


def _region_found_sql(ctx: Context, index: int, level: str | None) -> str | None:
    """Rows whose code is not in the region list (at `level`), with what the code is instead;
    None when every code is fine (the common case: decided on the distinct codes alone)."""
    field_name = ctx.fields[index]["name"]
    typed_source = ctx.typed_source()
    source = (
        f"SELECT DISTINCT {quote_identifier(field_name)} AS code FROM {typed_source}"  # noqa: S608
        if typed_source
        else f"SELECT DISTINCT {ctx.cell(index)} AS code FROM {ctx.rows_table()}"  # noqa: S608
    )
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE validation_codes AS {source}")
    regions = ensure_regions(
        ctx, distinct_values(ctx, "SELECT code FROM validation_codes WHERE code IS NOT NULL")
    )
    depth = level_depth(level) if level else None
    at_level = f" AND r.depth = {int(depth)}" if depth else ""
    canon_level = f" AND canon.depth = {int(depth)}" if depth else ""
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE validation_bad_codes AS "  # noqa: S608
        "SELECT v.code, other.level AS found_level, other.name AS found_name, "
        "CASE WHEN canon.code IS NOT NULL AND canon.code <> v.code THEN canon.code END "
        "AS canonical FROM validation_codes v "
        f"LEFT JOIN {regions} r ON r.code = v.code{at_level} "
        f"LEFT JOIN {regions} other ON other.code = {canonical_code_sql('v.code')} "
        f"LEFT JOIN {regions} canon ON canon.code = {canonical_code_sql('v.code')}{canon_level} "
        "WHERE v.code IS NOT NULL AND r.code IS NULL"
    )
    if not ctx.scalar("SELECT count(*) FROM validation_bad_codes"):
        return None
    name = types.lit(field_name)
    level_json = types.lit(level) if level else "NULL"
    return (
        f"SELECT t.{ctx.row} AS row, {name} AS field, b.code AS cell, "  # noqa: S608
        f"CAST(json_object('reference', '{REGION_REFERENCE}', 'level', {level_json}, "
        "'found_level', CASE WHEN b.canonical IS NULL THEN b.found_level END, "
        "'found_name', CASE WHEN b.canonical IS NULL THEN b.found_name END, "
        "'canonical', b.canonical) AS VARCHAR) AS params "
        f"FROM {ctx.rows_table()} t JOIN validation_bad_codes b ON b.code = t.{ctx.cell(index)}"
    )


def _self_found_sql(ctx: Context, indexes: list[int], ref_indexes: list[int]) -> str:
    keys = _typed_key(ctx, indexes)
    ref_keys = _typed_key(ctx, ref_indexes)
    on = " AND ".join(f"s.k{n} = r.r{n}" for n in range(len(keys)))
    selected = ", ".join(f"{sql} AS k{n}" for n, sql in enumerate(keys))
    referenced = ", ".join(f"{sql} AS r{n}" for n, sql in enumerate(ref_keys))
    any_value = " OR ".join(f"s.k{n} IS NOT NULL" for n in range(len(keys)))
    first = indexes[0]
    reference_field = ", ".join(ctx.fields[i]["name"] for i in ref_indexes)
    return (
        f"SELECT s.{ctx.row} AS row, {types.lit(ctx.fields[first]['name'])} AS field, "  # noqa: S608
        f"s.{ctx.cell(first)} AS cell, CAST(json_object('reference', '', 'reference_field', "
        f"{types.lit(reference_field)}) AS VARCHAR) AS params "
        f"FROM (SELECT *, {selected} FROM {ctx.rows_table()}) s "
        f"WHERE ({any_value}) AND NOT EXISTS (SELECT 1 FROM (SELECT {referenced} "
        f"FROM {ctx.rows_table()}) r WHERE {on})"
    )


def check_foreign_keys(ctx: Context) -> None:
    parts = []
    for key in foreign_keys(ctx):
        indexes = [ctx.index_of(name) for name in key["fields"]]
        if not indexes or any(i is None or not ctx.columns[i] for i in indexes):
            continue
        if key["resource"] == REGION_REFERENCE and len(indexes) == 1:
            found = _region_found_sql(ctx, indexes[0], key.get("level"))
            if found:
                # Materialised now: the next key reuses the scratch tables.
                ctx.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE validation_fk_{len(parts)} AS {found}"
                )
                parts.append(f"SELECT * FROM validation_fk_{len(parts)}")  # noqa: S608
        elif key["resource"] == "":
            ref_indexes = [ctx.index_of(name) for name in key["reference_fields"]]
            if len(ref_indexes) == len(indexes) and all(i is not None for i in ref_indexes):
                parts.append(_self_found_sql(ctx, indexes, ref_indexes))
    if parts:
        record(ctx, "foreign-key", " UNION ALL ".join(parts))
