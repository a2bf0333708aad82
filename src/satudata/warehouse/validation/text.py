"""Domain warning `whitespace-value`: text with spaces at the start or the end.

`AIDS ` and `AIDS` look the same on screen but are two categories to every chart, filter and
sum, so each padded cell is pointed out (one vectorised comparison per text column).
"""

from __future__ import annotations

from satudata.warehouse.validation import types
from satudata.warehouse.validation.context import Context, record


def check_whitespace(ctx: Context) -> int:
    parts = []
    for index, field in enumerate(ctx.fields):
        if (field.get("type") or "string") != "string" or not ctx.columns[index]:
            continue
        cell = ctx.cell(index)
        parts.append(
            f"SELECT {ctx.row} AS row, {types.lit(field['name'])} AS field, {cell} AS cell, "  # noqa: S608
            f"CAST(NULL AS VARCHAR) AS params FROM {ctx.table} "
            f"WHERE {cell} <> trim({cell}, ' \t')"
        )
    if not parts:
        return 0
    return record(ctx, "whitespace-value", " UNION ALL ".join(parts))
