"""Numbers the Indonesian way (`1.234,5`), for text next to charts, tables and summaries.

Charts carry the same convention inside their Vega-Lite spec (`config.locale`, see
`VEGA_NUMBER_LOCALE`), so the browser and vl-convert format alike without being told.
"""

from __future__ import annotations

import math

# d3-format locale: thousands ".", decimal ",", rupiah prefix.
VEGA_NUMBER_LOCALE = {
    "decimal": ",",
    "thousands": ".",
    "grouping": [3],
    "currency": ["Rp", ""],
}
# Largest values at or above these are drawn in miliar / juta (the words Indonesian readers
# use), so an axis says 31,4 instead of 31.400.000.000.
SCALES = ((1e9, "miliar"), (1e6, "juta"))
SCALE_FROM_MILLIONS = 1e7  # below 10 juta the full number still fits an axis


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """`1234.5` → `1.234,5`; None or NaN → an en dash. Without `decimals`: integers plain, other
    numbers with up to two decimals (trailing zeros dropped)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "\u2013"
    if decimals is None:
        if float(value).is_integer():
            decimals = 0
        else:
            text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
            return _swap(text)
    return _swap(f"{float(value):,.{decimals}f}")


def _swap(text: str) -> str:
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def scale_for(values: list[float]) -> tuple[float, str]:
    """(divisor, word) to draw `values` with: (1e9, "miliar"), (1e6, "juta") or (1, "")."""
    largest = max((abs(v) for v in values if v is not None), default=0)
    for divisor, word in SCALES:
        threshold = SCALE_FROM_MILLIONS if divisor == 1e6 else divisor
        if largest >= threshold:
            return divisor, word
    return 1.0, ""


def with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}".strip() if unit else text
