"""What a field is for, as the domain checks need it: a measure (a count or an amount), a rate
(percentages, ratios, densities — they do not add up), or a dimension (what a row is about)."""

from __future__ import annotations

import re
from typing import Any

MEASURE_TYPES = ("integer", "number")
DIMENSION_TYPES = ("string", "year", "date", "yearmonth", "boolean")
# Header words of values that are not summed (rates, averages, indexes).
RATE_TOKENS = frozenset(
    {
        "persen",
        "persentase",
        "pct",
        "percent",
        "percentage",
        "rasio",
        "ratio",
        "rata",
        "ratarata",
        "average",
        "avg",
        "mean",
        "median",
        "indeks",
        "index",
        "ipm",
        "angka",
        "tingkat",
        "laju",
        "rate",
        "kepadatan",
        "density",
        "proporsi",
        "prevalensi",
        "harga",
        "price",
        "upah",
        "umr",
        "ump",
        "umk",
        "lat",
        "lon",
        "lng",
        "latitude",
        "longitude",
        "id",
        "no",
        "nomor",
        "urut",
    }
)


def tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name or "")
    return [token for token in re.split(r"[^0-9a-z]+", spaced.lower()) if token]


def is_code_like(field: dict[str, Any]) -> bool:
    return bool(field.get("codeLike") or field.get("regionLevel"))


def is_measure(field: dict[str, Any]) -> bool:
    """A count or an amount: a number column whose rows can be added up."""
    if field.get("type") not in MEASURE_TYPES or is_code_like(field):
        return False
    return not any(token in RATE_TOKENS for token in tokens(field.get("name", "")))


def is_dimension(field: dict[str, Any]) -> bool:
    return (field.get("type") or "string") in DIMENSION_TYPES
