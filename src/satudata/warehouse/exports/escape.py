"""Spreadsheet formula escaping (OWASP "CSV injection"; DESIGN §7).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a
formula by Excel/LibreOffice; it gets a leading apostrophe. Only text cells are escaped: numbers in
number columns (including negative ones) are written as numbers and stay numbers. A lone `-`, the
usual "no data" mark in Indonesian tables, cannot be a formula and is left as it is.
"""

from __future__ import annotations

from satudata.warehouse.engine import quote_identifier

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HARMLESS_VALUES = frozenset({"-"})
ESCAPE_PREFIX = "'"
# The same rule as a DuckDB regular expression (character class of the prefixes).
FORMULA_PREFIX_RE = "^[=+\\-@\\t\\r]"


def escape_text(value: str) -> str:
    if value.startswith(FORMULA_PREFIXES) and value not in HARMLESS_VALUES:
        return ESCAPE_PREFIX + value
    return value


def escape_sql(column: str) -> str:
    """A DuckDB expression giving the escaped text of a VARCHAR column."""
    source = quote_identifier(column)
    return (
        f"CASE WHEN regexp_matches({source}, '{FORMULA_PREFIX_RE}') AND {source} <> '-' "
        f"THEN '{ESCAPE_PREFIX}{ESCAPE_PREFIX}' || {source} ELSE {source} END"
    )
