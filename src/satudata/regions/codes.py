"""Kemendagri region codes: format per level, normalising, and validation with clear messages.

A code is always a string. Its depth is the number of dot-separated parts and each part has a
fixed width, so `51.10` (a regency) and `51.1` (malformed) are different things:

    depth 1  PP             provinsi               51
    depth 2  PP.KK          kabupaten / kota       51.05
    depth 3  PP.KK.CC       kecamatan              51.05.01
    depth 4  PP.KK.CC.DDDD  desa / kelurahan       51.05.01.2001

The undotted form used by many spreadsheets (`5105012001`) is accepted and normalised. Anything
else (numbers, SQL-ish strings, control characters, non-ASCII digits, very long strings) is refused
with a message that says what a code looks like, before the database is asked anything.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed
from satudata.regions.models import Region, RegionLevel

# Width of each part, from the province down.
SEGMENT_WIDTHS: tuple[int, ...] = (2, 2, 2, 4)
DEPTH_FORMATS: dict[int, str] = {1: "PP", 2: "PP.KK", 3: "PP.KK.CC", 4: "PP.KK.CC.DDDD"}
# The longest well-formed code is 13 characters; anything much longer is refused unread.
REGION_CODE_MAX_CHARS = 13
# Undotted lengths that map onto a Kemendagri depth (2, 4, 6 and 10 digits).
_UNDOTTED_DEPTH: dict[int, int] = {2: 1, 4: 2, 6: 3, 10: 4}
# BPS writes kecamatan codes with 7 digits (e.g. 3273180): a common mix-up worth naming.
_BPS_KECAMATAN_DIGITS = 7
# ASCII only: `\d` would also accept Arabic-Indic or full-width digits.
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_DIGITS_AND_DOTS = re.compile(r"[0-9.]+", re.ASCII)
# A code already in canonical dotted form, any depth (the fast path for bulk checks).
CANONICAL_CODE_RE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?", re.ASCII)
# How many characters of a bad value are echoed back in a message.
_SHOWN_MAX_CHARS = 20

# Level names accepted by `validate_region_code(level=...)`, by depth. `kabupaten` and `desa` are
# the everyday names of their whole depth (kabupaten/kota, desa/kelurahan), as in the Kepmendagri.
LEVEL_DEPTHS: dict[str, int] = {
    RegionLevel.PROVINSI: 1,
    RegionLevel.KABUPATEN: 2,
    RegionLevel.KOTA: 2,
    "kabupaten_kota": 2,
    RegionLevel.KECAMATAN: 3,
    RegionLevel.DESA: 4,
    RegionLevel.KELURAHAN: 4,
    RegionLevel.DESA_ADAT: 4,
}


def _depth_label(depth: int) -> str:
    labels = {
        1: _("province (provinsi)"),
        2: _("regency or city (kabupaten/kota)"),
        3: _("district (kecamatan)"),
        4: _("village (desa/kelurahan)"),
    }
    return labels[depth]


def _shown(value: str) -> str:
    """The value as it may be echoed in a message: printable and short."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in value)
    if len(cleaned) > _SHOWN_MAX_CHARS:
        return cleaned[:_SHOWN_MAX_CHARS] + "…"
    return cleaned


def _invalid(message: str, value: str, reason: str) -> ValidationFailed:
    return ValidationFailed(
        message, code="invalid-region-code", details={"value": _shown(value), "reason": reason}
    )


def _format_hint() -> str:
    return _(
        "Write it as PP (province), PP.KK (regency/city), PP.KK.CC (district) or "
        "PP.KK.CC.DDDD (village), digits only, for example 51.05.01.2001."
    )


def normalise_region_code(value: str) -> str:
    """The canonical dotted form of a code, or ValidationFailed saying what is wrong.

    `" 51.05 "` → `"51.05"`, `"5105012001"` → `"51.05.01.2001"`; `"51.1"`, `51.05` (a number),
    `"51.05.01.2001; DROP TABLE"` and full-width digits are refused.
    """
    if not isinstance(value, str):
        raise _invalid(
            _(
                "A region code must be text such as '51.05', not a number: numbers lose leading "
                "and trailing zeros (51.10 would become 51.1)."
            ),
            repr(value),
            "not-text",
        )
    text = value.strip()
    if not text:
        raise _invalid(_("Enter a region code.") + " " + _format_hint(), value, "empty")
    if len(text) > REGION_CODE_MAX_CHARS:
        raise _invalid(
            _("'%(value)s' is too long to be a region code (at most %(max)d characters).")
            % {"value": _shown(text), "max": REGION_CODE_MAX_CHARS}
            + " "
            + _format_hint(),
            value,
            "too-long",
        )
    if not _DIGITS_AND_DOTS.fullmatch(text):
        raise _invalid(
            _("'%(value)s' contains characters that cannot appear in a region code.")
            % {"value": _shown(text)}
            + " "
            + _format_hint(),
            value,
            "characters",
        )
    if "." not in text:
        return _normalise_undotted(text, value)
    return _check_dotted(text, value)


def _normalise_undotted(text: str, value: str) -> str:
    depth = _UNDOTTED_DEPTH.get(len(text))
    if depth is None:
        if len(text) == _BPS_KECAMATAN_DIGITS:
            message = _(
                "'%(value)s' looks like a BPS code (7 digits). Satu Data uses Kemendagri codes "
                "such as 51.05.01."
            ) % {"value": _shown(text)}
            raise _invalid(message, value, "bps-code")
        message = _("'%(value)s' is not a valid Kemendagri region code.") % {"value": _shown(text)}
        raise _invalid(message + " " + _format_hint(), value, "format")
    parts, start = [], 0
    for width in SEGMENT_WIDTHS[:depth]:
        parts.append(text[start : start + width])
        start += width
    return ".".join(parts)


def _check_dotted(text: str, value: str) -> str:
    parts = text.split(".")
    if len(parts) > len(SEGMENT_WIDTHS) or any(not part for part in parts):
        message = _("'%(value)s' is not a valid Kemendagri region code.") % {"value": _shown(text)}
        raise _invalid(message + " " + _format_hint(), value, "format")
    for position, (part, width) in enumerate(zip(parts, SEGMENT_WIDTHS, strict=False), start=1):
        if len(part) != width or not _DIGITS.fullmatch(part):
            message = _(
                "'%(value)s' is not a valid region code: part %(position)d ('%(part)s') must "
                "have exactly %(width)d digits."
            ) % {"value": _shown(text), "position": position, "part": part, "width": width}
            raise _invalid(message + " " + _format_hint(), value, "segment-width")
    return text


def is_region_code(value: object) -> bool:
    """True when `value` is a well-formed code already in canonical dotted form."""
    return isinstance(value, str) and CANONICAL_CODE_RE.fullmatch(value) is not None


def code_depth(code: str) -> int:
    """Depth (1 provinsi … 4 desa) of a canonical code."""
    return code.count(".") + 1


def parent_code(code: str) -> str | None:
    """The parent's code (`51.05.01` → `51.05`); None for a province."""
    return code.rsplit(".", 1)[0] if "." in code else None


def ancestor_codes(code: str) -> list[str]:
    """Codes of all ancestors, from the province down (`51.05.01` → `["51", "51.05"]`)."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def level_from_code(code: str) -> str:
    """The level the Kemendagri numbering rule gives a canonical code.

    kab/kota part 01-69 is a kabupaten, 71-99 a kota; a village part starting with 1 is a kelurahan,
    2 a desa and 3 a desa adat. The loaded list stores the level itself; this is for codes that are
    not (yet) in the database.
    """
    depth = code_depth(code)
    last = code.rsplit(".", 1)[-1]
    if depth == 1:
        return RegionLevel.PROVINSI
    if depth == 2:
        return RegionLevel.KOTA if int(last) >= 71 else RegionLevel.KABUPATEN
    if depth == 3:
        return RegionLevel.KECAMATAN
    return {"1": RegionLevel.KELURAHAN, "3": RegionLevel.DESA_ADAT}.get(last[0], RegionLevel.DESA)


def validate_region_code(code: str, *, level: str | None = None, must_exist: bool = True) -> Region:
    """Check a code's format, its level (by depth) and that it exists; return the Region.

    `level` is a level name (`provinsi`, `kabupaten`, `kota`, `kecamatan`, `desa`, `kelurahan`,
    `desa_adat`, or `kabupaten_kota`); it is compared by depth, so `level="desa"` accepts a
    kelurahan. With `must_exist=False` an unknown but well-formed code gives an unsaved Region
    whose level follows the numbering rule. Raises ValidationFailed with a translated message.
    """
    if level is not None and level not in LEVEL_DEPTHS:
        raise ValueError(f"unknown region level {level!r}; use one of {sorted(LEVEL_DEPTHS)}")
    normalised = normalise_region_code(code)
    depth = code_depth(normalised)
    if level is not None and LEVEL_DEPTHS[level] != depth:
        expected = LEVEL_DEPTHS[level]
        message = _(
            "'%(code)s' is the code of a %(actual)s, but the code of a %(expected)s "
            "(%(format)s) is needed here."
        ) % {
            "code": normalised,
            "actual": _depth_label(depth),
            "expected": _depth_label(expected),
            "format": DEPTH_FORMATS[expected],
        }
        raise ValidationFailed(
            message,
            code="wrong-region-level",
            details={"value": normalised, "reason": "level", "expected_depth": expected},
        )
    region = Region.objects.filter(code=normalised).first()
    if region is not None:
        return region
    if must_exist:
        message = _("'%(code)s' is not a known Kemendagri region code.") % {"code": normalised}
        raise ValidationFailed(
            message, code="unknown-region", details={"value": normalised, "reason": "unknown"}
        )
    return Region(
        code=normalised,
        name="",
        level=level_from_code(normalised),
        depth=depth,
        parent_id=parent_code(normalised),
    )
