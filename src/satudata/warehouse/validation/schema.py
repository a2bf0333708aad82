"""Checking a Table Schema before validating data with it (`schema_problems`).

A schema a user gives (the schema form, a JSON file, `--schema`) must be usable as a whole:
field names present and unique, known types, constraints that fit the type, patterns the
regular-expression engine accepts, keys that name existing fields, reference lists Satu Data
knows. Each problem is a translated sentence; an empty list means the schema can be used.
"""

from __future__ import annotations

import copy
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from satudata.warehouse.validation import keys

KNOWN_TYPES = frozenset(
    {
        "string",
        "number",
        "integer",
        "boolean",
        "object",
        "array",
        "date",
        "time",
        "datetime",
        "year",
        "yearmonth",
        "duration",
        "geopoint",
        "geojson",
        "any",
    }
)
NUMERIC_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
LENGTH_CONSTRAINTS = ("minLength", "maxLength")


def normalise(schema: dict[str, Any]) -> dict[str, Any]:
    """A deep copy with `fields` as a list and every field's type spelled out."""
    result = copy.deepcopy(schema) if isinstance(schema, dict) else {}
    fields = result.get("fields")
    result["fields"] = (
        [dict(f) for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []
    )
    for field in result["fields"]:
        field.setdefault("type", "string")
        field["name"] = str(field.get("name", "")).strip()
    result.setdefault("missingValues", [""])
    return result


def _pattern_ok(pattern: str) -> bool:
    con = duckdb.connect(":memory:")
    try:
        con.execute("SELECT regexp_full_match('', ?)", [pattern]).fetchall()[0]
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


def _field_problems(field: dict[str, Any]) -> list[str]:
    name = field["name"]
    kind = field.get("type") or "string"
    problems = []
    if kind not in KNOWN_TYPES:
        problems.append(
            _("Column “%(name)s” has the unknown type “%(type)s”.") % {"name": name, "type": kind}
        )
    constraints = field.get("constraints") or {}
    if not isinstance(constraints, dict):
        return [
            *problems,
            _("The constraints of column “%(name)s” are not an object.") % {"name": name},
        ]
    for key in NUMERIC_CONSTRAINTS:
        value = constraints.get(key)
        if value is not None and isinstance(value, bool):
            problems.append(
                _("“%(key)s” of column “%(name)s” is not a value.") % {"key": key, "name": name}
            )
    for key in LENGTH_CONSTRAINTS:
        value = constraints.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            problems.append(
                _("“%(key)s” of column “%(name)s” must be a whole number.")
                % {"key": key, "name": name}
            )
    pattern = constraints.get("pattern")
    if pattern is not None and (not isinstance(pattern, str) or not _pattern_ok(pattern)):
        problems.append(
            _("The pattern of column “%(name)s” is not a valid regular expression.")
            % {"name": name}
        )
    enum = constraints.get("enum")
    if enum is not None and not isinstance(enum, list):
        problems.append(
            _("The allowed values of column “%(name)s” must be a list.") % {"name": name}
        )
    return problems


def schema_problems(schema: Any) -> list[str]:
    """What makes `schema` unusable (an empty list when it is fine)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return [_("A Table Schema is a JSON object with a list of “fields”.")]
    schema = normalise(schema)
    if not schema["fields"]:
        return [_("The schema has no fields.")]
    problems = []
    seen: set[str] = set()
    for position, field in enumerate(schema["fields"], start=1):
        if not field["name"]:
            problems.append(_("Field %(n)d of the schema has no name.") % {"n": position})
        elif field["name"] in seen:
            problems.append(_("The schema names “%(name)s” twice.") % {"name": field["name"]})
        seen.add(field["name"])
        problems += _field_problems(field)
    primary = schema.get("primaryKey")
    primary = [primary] if isinstance(primary, str) else list(primary or [])
    for name in primary:
        if name not in seen:
            problems.append(
                _("The primary key names “%(name)s”, which is not a field.") % {"name": name}
            )
    problems += keys.schema_problems(schema)
    return problems
