"""The problem vocabulary: frictionless error names plus Satu Data's domain warnings.

Each type has a severity (errors block publication, warnings need an acknowledgement), a title
and an explanation for the report page, and a message built from the item's `params`, so a
report stored in one language is shown in the reader's language (`render`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.warehouse.ingest.report import ERROR, WARNING

# How many characters of a cell a message quotes.
CELL_SHOWN_CHARS = 60


@dataclass(frozen=True)
class ProblemType:
    name: str
    severity: str
    title: Any  # lazy translation
    explanation: Any


def _types(*items: ProblemType) -> dict[str, ProblemType]:
    return {item.name: item for item in items}


PROBLEM_TYPES: dict[str, ProblemType] = _types(
    # --- the file and its header (readers, header.py, labels.py) ---
    ProblemType(
        "source-error",
        ERROR,
        gettext_lazy("File cannot be read"),
        gettext_lazy("The file is not a readable table. Save it again as CSV or XLSX."),
    ),
    ProblemType(
        "format-error",
        ERROR,
        gettext_lazy("Wrong file format"),
        gettext_lazy("The file's content does not match its extension."),
    ),
    ProblemType(
        "encoding-error",
        ERROR,
        gettext_lazy("Text encoding"),
        gettext_lazy(
            "Some bytes are not valid text in the file's encoding. Save the file again as"
            " CSV UTF-8."
        ),
    ),
    ProblemType(
        "schema-error",
        ERROR,
        gettext_lazy("Schema problem"),
        gettext_lazy("The Table Schema itself is not valid; fix the schema."),
    ),
    ProblemType(
        "blank-header",
        WARNING,
        gettext_lazy("Column without a name"),
        gettext_lazy("A column has no name in the header; it got a generated name."),
    ),
    ProblemType(
        "duplicate-label",
        WARNING,
        gettext_lazy("Repeated column name"),
        gettext_lazy("Two columns have the same name; the later one was renamed."),
    ),
    ProblemType(
        "incorrect-label",
        ERROR,
        gettext_lazy("Column name differs from the schema"),
        gettext_lazy(
            "The column at this position has another name than the schema expects. Put the"
            " columns in the schema's order or update the schema."
        ),
    ),
    ProblemType(
        "missing-label",
        ERROR,
        gettext_lazy("Column missing"),
        gettext_lazy("The schema expects a column that the file does not have."),
    ),
    ProblemType(
        "extra-label",
        ERROR,
        gettext_lazy("Column not in the schema"),
        gettext_lazy("The file has a column the schema does not describe."),
    ),
    # --- rows and cells ---
    ProblemType(
        "missing-cell",
        ERROR,
        gettext_lazy("Row too short"),
        gettext_lazy("The row has fewer cells than the header has columns."),
    ),
    ProblemType(
        "extra-cell",
        ERROR,
        gettext_lazy("Row too long"),
        gettext_lazy("The row has more cells than the header has columns."),
    ),
    ProblemType(
        "blank-row",
        WARNING,
        gettext_lazy("Empty row"),
        gettext_lazy("The row has no value at all; it was left out of the data."),
    ),
    ProblemType(
        "duplicate-row",
        WARNING,
        gettext_lazy("Repeated row"),
        gettext_lazy(
            "The row repeats an earlier row exactly. Check that nothing was counted twice."
        ),
    ),
    ProblemType(
        "type-error",
        ERROR,
        gettext_lazy("Wrong type"),
        gettext_lazy(
            "The cell cannot be read as the column's type (for example text in a number"
            " column). Fix the value, or change the column's type in the schema."
        ),
    ),
    ProblemType(
        "constraint-error",
        ERROR,
        gettext_lazy("Rule not met"),
        gettext_lazy(
            "The value breaks a rule of the schema: required, minimum, maximum, length,"
            " pattern or list of allowed values."
        ),
    ),
    ProblemType(
        "unique-error",
        ERROR,
        gettext_lazy("Repeated value"),
        gettext_lazy("The column must have a different value in every row."),
    ),
    ProblemType(
        "primary-key",
        ERROR,
        gettext_lazy("Repeated or empty key"),
        gettext_lazy(
            "The key columns identify a row; two rows with the same key (or a row without"
            " a key) make the data ambiguous."
        ),
    ),
    ProblemType(
        "foreign-key",
        ERROR,
        gettext_lazy("Code not in the reference list"),
        gettext_lazy(
            "The code is not in the reference list the schema names (for region codes: the"
            " Kemendagri list, at the level the schema asks for)."
        ),
    ),
    # --- domain checks (warnings) ---
    ProblemType(
        "unknown-region",
        WARNING,
        gettext_lazy("Unknown region code"),
        gettext_lazy("The column holds Kemendagri region codes, but this code is not one."),
    ),
    ProblemType(
        "wrong-region-level",
        WARNING,
        gettext_lazy("Region code of another level"),
        gettext_lazy(
            "The code exists, but at another level than the rest of the column (for example a"
            " kecamatan code among desa codes)."
        ),
    ),
    ProblemType(
        "region-name",
        WARNING,
        gettext_lazy("Region name does not match the code"),
        gettext_lazy(
            "The name next to the region code is not the official name of that code. Check"
            " whether the code or the name is wrong."
        ),
    ),
    ProblemType(
        "zero-value",
        WARNING,
        gettext_lazy("Zero where there was data"),
        gettext_lazy(
            "The previous version had a value for the same key; 0 may mean “no data” was"
            " typed as zero."
        ),
    ),
    ProblemType(
        "total-mismatch",
        WARNING,
        gettext_lazy("Total row does not add up"),
        gettext_lazy("A Jumlah/Total row differs from the sum of the rows it totals."),
    ),
    ProblemType(
        "whitespace-value",
        WARNING,
        gettext_lazy("Spaces around a value"),
        gettext_lazy(
            "The text starts or ends with spaces, so “AIDS ” and “AIDS” count as two"
            " different categories."
        ),
    ),
)


def severity_of(kind: str) -> str:
    problem = PROBLEM_TYPES.get(kind)
    return problem.severity if problem else ERROR


def title_of(kind: str) -> str:
    problem = PROBLEM_TYPES.get(kind)
    return str(problem.title) if problem else kind


def explanation_of(kind: str) -> str:
    problem = PROBLEM_TYPES.get(kind)
    return str(problem.explanation) if problem else ""


def shown(value: Any) -> str:
    """A cell as quoted in a message: printable, bounded."""
    text = "" if value is None else str(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > CELL_SHOWN_CHARS:
        text = text[:CELL_SHOWN_CHARS] + "…"
    return text


def number_text(value: Any) -> str:
    """Numbers in messages without a needless `.0`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# --- messages ----------------------------------------------------------------------------


def expected_type(field_type: str, field_format: str | None = None) -> str:
    """What a cell of this type looks like, for “… is not <expected>”."""
    labels = {
        "integer": _("a whole number"),
        "number": _("a number"),
        "year": _("a year (four digits)"),
        "yearmonth": _("a year and month (YYYY-MM)"),
        "date": _("a date (YYYY-MM-DD)"),
        "datetime": _("a date and time"),
        "time": _("a time (HH:MM:SS)"),
        "boolean": _("a yes/no value"),
        "object": _("a JSON object"),
        "array": _("a JSON array"),
        "geojson": _("a GeoJSON geometry"),
        "geopoint": _("a point (longitude, latitude)"),
        "duration": _("a duration (ISO 8601, e.g. P1Y2M)"),
    }
    formats = {
        "email": _("an e-mail address"),
        "uri": _("a web address"),
        "uuid": _("a UUID"),
        "binary": _("base64 data"),
    }
    if field_type == "string" and field_format in formats:
        return formats[field_format]
    if field_type == "date" and field_format and field_format not in ("default", "any"):
        return _("a date in the format %(format)s") % {"format": field_format}
    return labels.get(field_type, field_type)


def _constraint_message(p: dict[str, Any]) -> str:
    where = _("Row %(row)s, column “%(field)s”:") % p
    cell = shown(p.get("cell"))
    value = p.get("value")
    constraint = p.get("constraint")
    texts: dict[str, Callable[[], str]] = {
        "required": lambda: _("a value is required."),
        "minimum": lambda: (
            _("%(cell)s is less than the minimum %(value)s.")
            % {"cell": cell, "value": number_text(value)}
        ),
        "maximum": lambda: (
            _("%(cell)s is more than the maximum %(value)s.")
            % {"cell": cell, "value": number_text(value)}
        ),
        "exclusiveMinimum": lambda: (
            _("%(cell)s must be more than %(value)s.") % {"cell": cell, "value": number_text(value)}
        ),
        "exclusiveMaximum": lambda: (
            _("%(cell)s must be less than %(value)s.") % {"cell": cell, "value": number_text(value)}
        ),
        "minLength": lambda: (
            _("“%(cell)s” is shorter than %(value)s characters.") % {"cell": cell, "value": value}
        ),
        "maxLength": lambda: (
            _("“%(cell)s” is longer than %(value)s characters.") % {"cell": cell, "value": value}
        ),
        "pattern": lambda: (
            _("“%(cell)s” does not have the required form (%(value)s).")
            % {"cell": cell, "value": value}
        ),
        "enum": lambda: (
            _("“%(cell)s” is not one of the allowed values (%(value)s).")
            % {"cell": cell, "value": ", ".join(shown(v) for v in (value or [])[:12])}
        ),
    }
    text = texts.get(constraint, lambda: _("the value breaks the rule “%s”.") % constraint)()
    return f"{where} {text}"


def _type_message(p: dict[str, Any]) -> str:
    return _("Row %(row)s, column “%(field)s”: “%(cell)s” is not %(expected)s.") % {
        "row": p.get("row"),
        "field": p.get("field"),
        "cell": shown(p.get("cell")),
        "expected": expected_type(p.get("expected", ""), p.get("format")),
    }


def _unique_message(p: dict[str, Any]) -> str:
    return _(
        "Row %(row)s, column “%(field)s”: “%(cell)s” is already in row %(first)s; every value"
        " must be different."
    ) % {"row": p["row"], "field": p["field"], "cell": shown(p.get("cell")), "first": p["first"]}


def _primary_key_message(p: dict[str, Any]) -> str:
    fields = ", ".join(p.get("fields", []))
    if p.get("empty"):
        return _("Row %(row)s: the key columns (%(fields)s) are all empty.") % {
            "row": p["row"],
            "fields": fields,
        }
    return _("Row %(row)s: the key (%(fields)s = %(values)s) is already used in row %(first)s.") % {
        "row": p["row"],
        "fields": fields,
        "values": ", ".join(shown(v) for v in p.get("values", [])),
        "first": p["first"],
    }


def level_label(level: str | None) -> str:
    labels = {
        "provinsi": _("province (provinsi)"),
        "kabupaten": _("regency (kabupaten)"),
        "kota": _("city (kota)"),
        "kabupaten_kota": _("regency or city (kabupaten/kota)"),
        "kecamatan": _("district (kecamatan)"),
        "desa": _("village (desa)"),
        "kelurahan": _("urban village (kelurahan)"),
        "desa_adat": _("customary village (desa adat)"),
    }
    return labels.get(level or "", level or _("region"))


def _found_elsewhere(p: dict[str, Any]) -> str:
    if p.get("found_name"):
        return " " + _("It is the code of the %(level)s %(name)s.") % {
            "level": level_label(p.get("found_level")),
            "name": p["found_name"],
        }
    if p.get("canonical"):
        return " " + _("Write it as %(code)s.") % {"code": p["canonical"]}
    return ""


def _foreign_key_message(p: dict[str, Any]) -> str:
    where = _("Row %(row)s, column “%(field)s”:") % p
    if p.get("reference") == "wilayah":
        if p.get("level"):
            text = _("“%(cell)s” is not a %(level)s code in the Kemendagri region list.") % {
                "cell": shown(p.get("cell")),
                "level": level_label(p.get("level")),
            }
        else:
            text = _("“%(cell)s” is not in the Kemendagri region list.") % {
                "cell": shown(p.get("cell"))
            }
        return f"{where} {text}{_found_elsewhere(p)}"
    return f"{where} " + _("“%(cell)s” is not among the values of “%(reference)s”.") % {
        "cell": shown(p.get("cell")),
        "reference": p.get("reference_field") or p.get("reference"),
    }


def _unknown_region_message(p: dict[str, Any]) -> str:
    return _("Row %(row)s, column “%(field)s”: “%(cell)s” is not a Kemendagri region code.") % {
        "row": p["row"],
        "field": p["field"],
        "cell": shown(p.get("cell")),
    } + _found_elsewhere(p)


def _wrong_level_message(p: dict[str, Any]) -> str:
    return _(
        "Row %(row)s, column “%(field)s”: “%(cell)s” is the code of the %(found)s %(name)s,"
        " but the column holds %(level)s codes."
    ) % {
        "row": p["row"],
        "field": p["field"],
        "cell": shown(p.get("cell")),
        "found": level_label(p.get("found_level")),
        "name": p.get("found_name", ""),
        "level": level_label(p.get("level")),
    }


def _region_name_message(p: dict[str, Any]) -> str:
    return _(
        "Row %(row)s, column “%(field)s”: “%(cell)s” is not the official name of %(code)s,"
        " which is “%(official)s”."
    ) % {
        "row": p["row"],
        "field": p["field"],
        "cell": shown(p.get("cell")),
        "code": p.get("code"),
        "official": p.get("official"),
    }


def _zero_message(p: dict[str, Any]) -> str:
    return _(
        "Row %(row)s, column “%(field)s”: 0, where version %(version)s had %(previous)s for"
        " the same %(key)s."
    ) % {
        "row": p["row"],
        "field": p["field"],
        "version": p.get("version"),
        "previous": number_text(p.get("previous")),
        "key": ", ".join(f"{k} = {shown(v)}" for k, v in (p.get("key") or {}).items()),
    }


def _total_message(p: dict[str, Any]) -> str:
    return _(
        "Row %(row)s, column “%(field)s”: the total row says %(total)s, but the %(count)s rows"
        " it totals add up to %(sum)s."
    ) % {
        "row": p["row"],
        "field": p["field"],
        "total": number_text(p.get("total")),
        "count": p.get("count"),
        "sum": number_text(p.get("sum")),
    }


def _whitespace_message(p: dict[str, Any]) -> str:
    return _("Row %(row)s, column “%(field)s”: “%(cell)s” has spaces at the start or end.") % {
        "row": p["row"],
        "field": p["field"],
        "cell": shown(p.get("cell")),
    }


def _blank_row_message(p: dict[str, Any]) -> str:
    return _("Row %(row)s is empty; it was left out.") % p


def _duplicate_row_message(p: dict[str, Any]) -> str:
    return _("Row %(row)s repeats row %(first)s exactly.") % p


def _incorrect_label_message(p: dict[str, Any]) -> str:
    return _("Column %(position)s is called “%(label)s”, but the schema expects “%(name)s”.") % {
        "position": p["position"],
        "label": shown(p.get("label")),
        "name": p.get("name"),
    }


def _missing_label_message(p: dict[str, Any]) -> str:
    return (
        _("The schema expects a column “%(name)s” (column %(position)s) that the file lacks.") % p
    )


def _extra_label_message(p: dict[str, Any]) -> str:
    return _("Column %(position)s (“%(label)s”) is not in the schema.") % {
        "position": p["position"],
        "label": shown(p.get("label")),
    }


MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "type-error": _type_message,
    "constraint-error": _constraint_message,
    "unique-error": _unique_message,
    "primary-key": _primary_key_message,
    "foreign-key": _foreign_key_message,
    "unknown-region": _unknown_region_message,
    "wrong-region-level": _wrong_level_message,
    "region-name": _region_name_message,
    "zero-value": _zero_message,
    "total-mismatch": _total_message,
    "whitespace-value": _whitespace_message,
    "blank-row": _blank_row_message,
    "duplicate-row": _duplicate_row_message,
    "incorrect-label": _incorrect_label_message,
    "missing-label": _missing_label_message,
    "extra-label": _extra_label_message,
}


def message(kind: str, params: dict[str, Any]) -> str:
    return MESSAGES[kind](params)


def render(item: dict[str, Any]) -> str:
    """The item's message in the active language (stored text when it has no params)."""
    params = item.get("params")
    if isinstance(params, dict) and item.get("type") in MESSAGES:
        where = {key: item.get(key) for key in ("row", "field", "cell")}
        try:
            return message(item["type"], {**params, **where})
        except (KeyError, TypeError, ValueError):
            pass  # an older report shape: its stored text is still right
    return str(item.get("message") or "")
