"""Field types of the Table Schema as SQL: the strict parse of a text cell, and its Parquet type.

`value_sql(field, cell)` is a DuckDB expression that gives the typed value of the text cell, or
NULL when the cell does not fit the type. The same expression types the Parquet file
(`ingest/parquet.py`), so what validation accepts is exactly what is stored.

The rules follow frictionless (the reference implementation of Table Schema), with DuckDB's
vectorised functions instead of Python per cell:
- integer: optional sign and digits only (`1.5`, `1e3`, `0x10` are not integers), surrounding
  spaces allowed; `bareNumber: false` strips leading/trailing non-digits (`Rp 100`, `5%`);
  `groupChar` (an extension for Indonesian counts such as `1.234.567`) is removed first.
- number: `decimalChar` / `groupChar` (`1.234,5` with `decimalChar: ","`, `groupChar: "."`),
  `bareNumber`, scientific notation, `NaN`/`Infinity`.
- year: four characters that read as a whole number 0…9999.
- date: `format` `default` (YYYY-MM-DD), `any`, or a strftime pattern (`%d/%m/%Y`).
- boolean: `trueValues` / `falseValues` (defaults `true True TRUE 1` / `false False FALSE 0`).
- string formats email, uri, uuid, binary; object/array/geojson (valid JSON of that shape),
  geopoint, yearmonth, duration, datetime, time; `any` and unknown types are text.

Known differences from frictionless: integers are 64-bit (larger ones are type errors), and an
empty cell is always missing (frictionless would read `""` as text when `missingValues` omits it).
"""

from __future__ import annotations

import re
from typing import Any

from satudata.warehouse.engine import quote_literal

SQL_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "year": "INTEGER",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "time": "TIME",
    "boolean": "BOOLEAN",
}
TEXT_SQL_TYPE = "VARCHAR"

DEFAULT_TRUE_VALUES = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE_VALUES = ["false", "False", "FALSE", "0"]
DEFAULT_MISSING_VALUES = [""]

# RE2 patterns (DuckDB). `\s` = space, tab, newline, CR, FF, VT — what Python's strip() removes.
INTEGER_RE = r"\s*[+-]?[0-9]+\s*"
NUMBER_RE = (
    r"\s*[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|(?i:nan|inf|infinity))\s*"
)
YEARMONTH_RE = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
DURATION_RE = (
    r"P(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+W)?(?:[0-9]+D)?"
    r"(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"
)
EMAIL_RE = r"[^@\s]+@[^@\s]+\.[^@\s]+"
URI_RE = r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+"
UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
BASE64_RE = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
GEOPOINT_RE = r"\s*[+-]?[0-9]+(?:\.[0-9]+)?\s*,\s*[+-]?[0-9]+(?:\.[0-9]+)?\s*"
# Strip what `bareNumber: false` allows around a number (frictionless: ((^[^-\d]*)|(\D*$))).
NOT_BARE_RE = r"^[^-0-9]*|[^0-9]*$"
# strftime directives DuckDB's strptime understands like Python's.
_STRFTIME_RE = re.compile(r"%[aAbBcdHIjmMpSUwWxXyYzZ%fG]|[^%]")

GEOJSON_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Feature",
    "FeatureCollection",
)


def sql_type(field: dict[str, Any]) -> str:
    return SQL_TYPES.get(field.get("type", "string"), TEXT_SQL_TYPE)


def lit(value: Any) -> str:
    return quote_literal(str(value))


def missing_values(schema: dict[str, Any], field: dict[str, Any]) -> list[str]:
    values = field.get("missingValues", schema.get("missingValues", DEFAULT_MISSING_VALUES))
    return [str(v) for v in values if isinstance(v, str | int | float)]


def is_missing_sql(cell: str, missing: list[str]) -> str:
    """TRUE when the cell counts as missing (readers give empty cells as NULL)."""
    others = [v for v in missing if v != ""]
    if not others:
        return f"({cell} IS NULL)"
    return f"({cell} IS NULL OR {cell} IN ({', '.join(lit(v) for v in others)}))"


def _regex(cell: str, pattern: str) -> str:
    return f"regexp_full_match({cell}, {lit(pattern)})"


def _number_text(field: dict[str, Any], cell: str) -> tuple[str, str | None]:
    """The cell rewritten to a plain number text, and an extra validity condition (or None)."""
    text = cell
    if field.get("bareNumber") is False:
        text = f"regexp_replace({text}, {lit(NOT_BARE_RE)}, '', 'g')"
    group = field.get("groupChar")
    if group:
        text = f"replace({text}, {lit(group)}, '')"
    decimal = field.get("decimalChar")
    condition = None
    if decimal and decimal != ".":
        # frictionless: with another decimal character, a `.` left over is not a number.
        condition = f"strpos({text}, '.') = 0"
        text = f"replace({text}, {lit(decimal)}, '.')"
    return text, condition


def _integer_sql(field: dict[str, Any], cell: str) -> str:
    text, _condition = _number_text({**field, "decimalChar": None}, cell)
    # Digits only (the usual case) pass a cheap GLOB; anything else meets the regular expression.
    return (
        f"CASE WHEN NOT ({text} GLOB '*[!0-9]*') THEN TRY_CAST({text} AS BIGINT) "
        f"WHEN {_regex(text, INTEGER_RE)} THEN TRY_CAST({text} AS BIGINT) END"
    )


def _number_sql(field: dict[str, Any], cell: str) -> str:
    if not any(key in field for key in ("groupChar", "decimalChar", "bareNumber")):
        # DuckDB's text → DOUBLE cast accepts what Python's Decimal does (signs, exponents,
        # NaN/Infinity, surrounding spaces) and refuses hex: no pattern needed.
        return f"TRY_CAST({cell} AS DOUBLE)"
    text, condition = _number_text(field, cell)
    test = _regex(text, NUMBER_RE)
    if condition:
        test = f"{condition} AND {test}"
    return f"CASE WHEN {test} THEN TRY_CAST(trim({text}) AS DOUBLE) END"


def _year_sql(field: dict[str, Any], cell: str) -> str:
    return (
        f"CASE WHEN {cell} GLOB '[0-9][0-9][0-9][0-9]' THEN TRY_CAST({cell} AS INTEGER) "
        f"WHEN length({cell}) = 4 AND {_regex(cell, INTEGER_RE)} "
        f"AND TRY_CAST({cell} AS INTEGER) BETWEEN 0 AND 9999 THEN TRY_CAST({cell} AS INTEGER) END"
    )


def strptime_format(python_format: str) -> str | None:
    """A Python strftime pattern as DuckDB strptime accepts it (None when it cannot)."""
    tokens = _STRFTIME_RE.findall(python_format or "")
    if not python_format or "".join(tokens) != python_format:
        return None
    return python_format


def _date_sql(field: dict[str, Any], cell: str) -> str:
    fmt = field.get("format") or "default"
    if fmt == "any":
        return f"TRY_CAST({cell} AS DATE)"
    pattern = "%Y-%m-%d" if fmt == "default" else strptime_format(fmt)
    if pattern is None:
        return "CAST(NULL AS DATE)"
    return f"CAST(try_strptime({cell}, {lit(pattern)}) AS DATE)"


def _datetime_sql(field: dict[str, Any], cell: str) -> str:
    fmt = field.get("format") or "default"
    if fmt in ("default", "any"):
        return f"TRY_CAST({cell} AS TIMESTAMP)"
    pattern = strptime_format(fmt)
    if pattern is None:
        return "CAST(NULL AS TIMESTAMP)"
    return f"CAST(try_strptime({cell}, {lit(pattern)}) AS TIMESTAMP)"


def _time_sql(field: dict[str, Any], cell: str) -> str:
    fmt = field.get("format") or "default"
    if fmt in ("default", "any"):
        return f"TRY_CAST({cell} AS TIME)"
    pattern = strptime_format(fmt)
    if pattern is None:
        return "CAST(NULL AS TIME)"
    return f"CAST(try_strptime({cell}, {lit(pattern)}) AS TIME)"


def _boolean_sql(field: dict[str, Any], cell: str) -> str:
    trues = [str(v) for v in field.get("trueValues", DEFAULT_TRUE_VALUES)]
    falses = [str(v) for v in field.get("falseValues", DEFAULT_FALSE_VALUES)]
    parts = []
    if trues:
        parts.append(f"WHEN {cell} IN ({', '.join(lit(v) for v in trues)}) THEN true")
    if falses:
        parts.append(f"WHEN {cell} IN ({', '.join(lit(v) for v in falses)}) THEN false")
    if not parts:
        return "CAST(NULL AS BOOLEAN)"
    return f"CASE {' '.join(parts)} END"


def _text_if(condition: str, cell: str) -> str:
    return f"CASE WHEN {condition} THEN {cell} END"


def _json_sql(cell: str, shape: str) -> str:
    return _text_if(f"json_valid({cell}) AND json_type({cell}) = '{shape}'", cell)


def _geojson_sql(cell: str) -> str:
    kinds = ", ".join(lit(kind) for kind in GEOJSON_TYPES)
    return _text_if(
        f"json_valid({cell}) AND json_type({cell}) = 'OBJECT' "
        f"AND json_extract_string({cell}, '$.type') IN ({kinds})",
        cell,
    )


def _string_sql(field: dict[str, Any], cell: str) -> str:
    checks = {"email": EMAIL_RE, "uri": URI_RE, "uuid": UUID_RE, "binary": BASE64_RE}
    pattern = checks.get(field.get("format") or "default")
    return _text_if(_regex(cell, pattern), cell) if pattern else cell


def value_sql(field: dict[str, Any], cell: str) -> str:
    """Typed value of `cell` (a SQL expression giving text), NULL when it does not fit."""
    kind = field.get("type") or "string"
    if kind == "integer":
        return _integer_sql(field, cell)
    if kind == "number":
        return _number_sql(field, cell)
    if kind == "year":
        return _year_sql(field, cell)
    if kind == "date":
        return _date_sql(field, cell)
    if kind == "datetime":
        return _datetime_sql(field, cell)
    if kind == "time":
        return _time_sql(field, cell)
    if kind == "boolean":
        return _boolean_sql(field, cell)
    if kind == "yearmonth":
        return _text_if(_regex(cell, YEARMONTH_RE), cell)
    if kind == "duration":
        return _text_if(f"{cell} <> 'P' AND {_regex(cell, DURATION_RE)}", cell)
    if kind == "geopoint":
        return _text_if(_regex(cell, GEOPOINT_RE), cell)
    if kind in ("object", "array"):
        return _json_sql(cell, "OBJECT" if kind == "object" else "ARRAY")
    if kind == "geojson":
        return _geojson_sql(cell)
    if kind == "string":
        return _string_sql(field, cell)
    return cell  # any, and types this version does not know: kept as text


def always_fits(field: dict[str, Any]) -> bool:
    """True when every text cell fits (no type check needed)."""
    kind = field.get("type") or "string"
    if kind == "string":
        return (field.get("format") or "default") not in ("email", "uri", "uuid", "binary")
    return kind not in (
        "integer",
        "number",
        "year",
        "date",
        "datetime",
        "time",
        "boolean",
        "yearmonth",
        "duration",
        "geopoint",
        "object",
        "array",
        "geojson",
    )


def typed_sql(schema: dict[str, Any], field: dict[str, Any], cell: str) -> str:
    """The value as stored: NULL for missing cells and for cells that do not fit."""
    missing = missing_values(schema, field)
    value = value_sql(field, cell)
    if missing == DEFAULT_MISSING_VALUES:
        return value  # readers already give empty cells as NULL
    return f"CASE WHEN {is_missing_sql(cell, missing)} THEN NULL ELSE {value} END"


def constraint_literal(field: dict[str, Any], value: Any) -> str:
    """A constraint bound (minimum, enum item…) as a SQL value of the field's type.

    Like frictionless: strings are parsed with the field's own rules; JSON numbers are taken as
    they are.
    """
    kind = field.get("type") or "string"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and kind in ("integer", "number", "year"):
        return repr(float(value)) if isinstance(value, float) else str(int(value))
    text = lit(value)
    if kind in ("integer", "number", "year", "date", "datetime", "time", "boolean"):
        return f"({value_sql(field, text)})"
    return text
