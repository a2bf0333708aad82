"""Table Schema editing, import and export — what the produsen changes after an upload.

A version's schema (a Frictionless Table Schema) is first proposed by inference
(ingest/infer.py), or reused from the previous version when the columns are the same. The
produsen then reviews it in a form (type, title, unit, description, region code level,
constraints, primary key) or uploads a schema JSON; the result is a *new draft version* derived
again from the kept raw file (`services.rederive_version`), never a change to an existing one.

Field names are the file's column names and are not editable here: renaming belongs in the file
(the validator checks labels against names). Properties Satu Data adds beside the standard ones:
`unit` (unit of measure), `regionLevel` (the column holds Kemendagri region codes of that level;
the validator checks them against the region list), `codeLike` and `monthName` (why inference
kept a column as text).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.core.errors import ValidationFailed

SCHEMA_UPLOAD_MAX_BYTES = 1024 * 1024
TEXT_MAX_CHARS = 2000
ENUM_MAX_ITEMS = 1000

FIELD_TYPES = (
    "string",
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
    "geojson",
    "object",
    "array",
    "any",
)
# The types offered in the editor; a field of another type keeps its own in the list.
EDITOR_TYPES = ("string", "integer", "number", "year", "date", "boolean")
TYPE_LABELS = {
    "string": gettext_lazy("Text"),
    "integer": gettext_lazy("Whole number"),
    "number": gettext_lazy("Number (decimals)"),
    "year": gettext_lazy("Year"),
    "date": gettext_lazy("Date"),
    "boolean": gettext_lazy("Yes/no"),
}
REGION_LEVELS = (
    ("provinsi", gettext_lazy("Province")),
    ("kabupaten_kota", gettext_lazy("Regency or city")),
    ("kabupaten", gettext_lazy("Regency (kabupaten)")),
    ("kota", gettext_lazy("City (kota)")),
    ("kecamatan", gettext_lazy("District (kecamatan)")),
    ("desa", gettext_lazy("Village (desa or kelurahan)")),
    ("kelurahan", gettext_lazy("Urban village (kelurahan)")),
)
# Properties that only make sense for some types; dropped when the type changes.
NUMBER_PROPERTIES = ("groupChar", "decimalChar", "bareNumber")
BOOLEAN_PROPERTIES = ("trueValues", "falseValues")
CONSTRAINT_KEYS = (
    "required",
    "unique",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
)


def field_names_of(schema: dict[str, Any] | None) -> list[str]:
    return [str(f.get("name")) for f in (schema or {}).get("fields", []) if isinstance(f, dict)]


def _mismatch(schema_names: list[str], names: list[str]) -> ValidationFailed:
    from satudata.warehouse.ingest.report import fail

    shown = 12
    return fail(
        "schema-error",
        _(
            "The schema does not fit the file: the schema has %(n_schema)d fields (%(schema)s),"
            " the file has %(n_file)d columns (%(file)s). Field names must be the file's column"
            " names, in the same order."
        )
        % {
            "n_schema": len(schema_names),
            "schema": ", ".join(schema_names[:shown]) + (" …" if len(schema_names) > shown else ""),
            "n_file": len(names),
            "file": ", ".join(names[:shown]) + (" …" if len(names) > shown else ""),
        },
    )


def choose_schema(
    given: dict[str, Any] | None,
    reuse: dict[str, Any] | None,
    names: list[str],
    choices: dict[str, Any],
) -> dict[str, Any] | None:
    """The schema to type the table with, or None to infer one (and say which in `choices`).

    A `given` schema must fit the columns exactly; the previous version's (`reuse`) is taken
    only when it does."""
    if given is not None:
        schema = normalise_schema(given)
        if field_names_of(schema) != list(names):
            raise _mismatch(field_names_of(schema), names)
        choices["schema"] = "given"
        return schema
    if reuse and field_names_of(reuse) == list(names):
        choices["schema"] = "previous"
        return copy.deepcopy(reuse)
    choices["schema"] = "inferred"
    return None


# --- checking a schema (import, form) ---------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        if len(self.items) < 50:
            self.items.append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(
                _("The schema has problems: %(problems)s") % {"problems": " ".join(self.items)},
                code="schema-error",
                details={"problems": self.items},
            )


def _text(value: Any) -> str:
    return str(value)[:TEXT_MAX_CHARS] if value is not None else ""


def _check_number(value: Any, field_type: str) -> bool:
    if field_type in ("integer", "number", "year"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if field_type in ("date", "datetime", "time", "yearmonth", "string"):
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    return False


def _normalise_constraints(
    raw: Any, name: str, field_type: str, problems: _Problems
) -> dict[str, Any]:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        problems.add(_("Field “%(name)s”: constraints must be an object.") % {"name": name})
        return {}
    constraints: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in CONSTRAINT_KEYS and key not in ("exclusiveMinimum", "exclusiveMaximum"):
            problems.add(
                _("Field “%(name)s”: “%(key)s” is not a Table Schema constraint.")
                % {"name": name, "key": key}
            )
        elif key in ("required", "unique"):
            if not isinstance(value, bool):
                problems.add(
                    _("Field “%(name)s”: “%(key)s” must be true or false.")
                    % {"name": name, "key": key}
                )
            elif value:
                constraints[key] = True
        elif key in ("minLength", "maxLength"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.add(
                    _("Field “%(name)s”: “%(key)s” must be a whole number ≥ 0.")
                    % {"name": name, "key": key}
                )
            else:
                constraints[key] = value
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if not _check_number(value, field_type):
                problems.add(
                    _("Field “%(name)s”: “%(key)s” does not suit a field of type %(type)s.")
                    % {"name": name, "key": key, "type": field_type}
                )
            else:
                constraints[key] = value
        elif key == "pattern":
            try:
                re.compile(str(value))
            except re.error as exc:
                problems.add(
                    _(
                        "Field “%(name)s”: the pattern is not a valid regular expression"
                        " (%(error)s)."
                    )
                    % {"name": name, "error": exc}
                )
            else:
                constraints[key] = str(value)[:TEXT_MAX_CHARS]
        elif key == "enum":
            if not isinstance(value, list) or not value or len(value) > ENUM_MAX_ITEMS:
                problems.add(
                    _("Field “%(name)s”: “enum” must be a list of 1 to %(max)d values.")
                    % {"name": name, "max": ENUM_MAX_ITEMS}
                )
            else:
                constraints[key] = [v for v in value if isinstance(v, str | int | float)]
    return constraints


def _normalise_field(raw: Any, position: int, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.add(_("Field %(n)d is not an object.") % {"n": position})
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(_("Field %(n)d has no name.") % {"n": position})
        return None
    field_type = raw.get("type", "string") or "string"
    if field_type not in FIELD_TYPES:
        problems.add(
            _("Field “%(name)s”: “%(type)s” is not a Table Schema type (use one of %(types)s).")
            % {"name": name, "type": field_type, "types": ", ".join(FIELD_TYPES)}
        )
        field_type = "string"
    field = {
        key: value
        for key, value in raw.items()
        if key not in ("name", "type", "constraints") and isinstance(key, str)
    }
    for key in ("title", "description", "unit", "format"):
        if key in field:
            field[key] = _text(field[key])
    level = field.get("regionLevel")
    if level not in (None, "") and level not in dict(REGION_LEVELS):
        problems.add(
            _("Field “%(name)s”: “%(level)s” is not a region level (use one of %(levels)s).")
            % {"name": name, "level": level, "levels": ", ".join(dict(REGION_LEVELS))}
        )
        field.pop("regionLevel")
    constraints = _normalise_constraints(raw.get("constraints"), name, field_type, problems)
    result = {"name": name, "type": field_type, **field}
    if constraints:
        result["constraints"] = constraints
    return result


def normalise_schema(descriptor: Any, *, names: list[str] | None = None) -> dict[str, Any]:
    """A checked copy of a Table Schema; `ValidationFailed` lists every problem found.

    With `names`, the fields must be exactly those columns in that order."""
    problems = _Problems()
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list):
        raise ValidationFailed(
            _('A Table Schema is a JSON object with a list of "fields".'), code="schema-error"
        )
    fields = []
    seen: set[str] = set()
    for position, raw in enumerate(descriptor["fields"], start=1):
        field = _normalise_field(raw, position, problems)
        if field is None:
            continue
        if field["name"] in seen:
            problems.add(_("The field name “%(name)s” is used twice.") % {"name": field["name"]})
        seen.add(field["name"])
        fields.append(field)
    schema: dict[str, Any] = {
        key: copy.deepcopy(value) for key, value in descriptor.items() if key != "fields"
    }
    schema["fields"] = fields
    missing = schema.get("missingValues", [""])
    if not isinstance(missing, list) or not all(isinstance(v, str) for v in missing):
        problems.add(_('"missingValues" must be a list of texts.'))
        schema["missingValues"] = [""]
    primary = schema.get("primaryKey")
    if primary not in (None, "", []):
        keys = [primary] if isinstance(primary, str) else primary
        if not isinstance(keys, list) or any(k not in seen for k in keys):
            problems.add(
                _("The primary key names a field the schema does not have (%(key)s).")
                % {"key": primary}
            )
        else:
            schema["primaryKey"] = keys
    else:
        schema.pop("primaryKey", None)
    foreign = schema.get("foreignKeys")
    if foreign is not None and not isinstance(foreign, list):
        problems.add(_('"foreignKeys" must be a list.'))
        schema.pop("foreignKeys")
    if names is not None and [f["name"] for f in fields] != list(names) and not problems.items:
        raise _mismatch([f["name"] for f in fields], list(names))
    problems.raise_if_any()
    return schema


def schema_from_upload(data: bytes, *, names: list[str] | None = None) -> dict[str, Any]:
    """An uploaded schema JSON file, checked (and matched to `names` when given)."""
    if len(data) > SCHEMA_UPLOAD_MAX_BYTES:
        raise ValidationFailed(
            _("The schema file is larger than %(limit)d KB.")
            % {"limit": SCHEMA_UPLOAD_MAX_BYTES // 1024},
            code="schema-error",
        )
    try:
        descriptor = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationFailed(
            _("The schema file is not valid JSON (%(error)s).")
            % {"error": getattr(exc, "msg", exc.__class__.__name__)},
            code="schema-error",
        ) from None
    return normalise_schema(descriptor, names=names)


def schema_json(schema: dict[str, Any]) -> bytes:
    """The schema as a downloadable Table Schema JSON document."""
    return (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- the editing form -------------------------------------------------------------------------


def _decimal_or_none(value: str) -> int | float | None:
    text = (value or "").strip().replace(",", ".") if value else ""
    if not text:
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


def _enum_items(value: str) -> list[str]:
    lines = re.split(r"[\r\n]+", value or "")
    return [line.strip() for line in lines if line.strip()][:ENUM_MAX_ITEMS]


class SchemaForm(forms.Form):
    """One row of inputs per field (prefix `f<i>_`), and the primary key.

    Built from the current schema; `to_schema()` returns the edited schema, keeping every
    property the form does not show (formats, number marks, foreign keys…)."""

    def __init__(self, schema: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = copy.deepcopy(schema)
        self.rows: list[dict[str, Any]] = []
        names = field_names_of(self.schema)
        for index, field in enumerate(self.schema.get("fields", [])):
            self._add_field_inputs(index, field)
        self.fields["primary_key"] = forms.MultipleChoiceField(
            label=_("Primary key"),
            choices=[(name, name) for name in names],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=self.schema.get("primaryKey") or [],
            help_text=_("The columns that together identify one row (e.g. region code and year)."),
        )

    def _add_field_inputs(self, index: int, field: dict[str, Any]) -> None:
        prefix = f"f{index}_"
        constraints = field.get("constraints") or {}
        types = list(EDITOR_TYPES)
        if field.get("type") not in types:
            types.append(field.get("type", "string"))
        inputs = {
            "type": forms.ChoiceField(
                label=_("Type"),
                choices=[(t, TYPE_LABELS.get(t, t)) for t in types],
                initial=field.get("type", "string"),
            ),
            "title": forms.CharField(
                label=_("Title"), required=False, max_length=200, initial=field.get("title", "")
            ),
            "unit": forms.CharField(
                label=_("Unit"), required=False, max_length=100, initial=field.get("unit", "")
            ),
            "description": forms.CharField(
                label=_("Description"),
                required=False,
                max_length=TEXT_MAX_CHARS,
                initial=field.get("description", ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
            "region_level": forms.ChoiceField(
                label=_("Region code"),
                choices=[("", _("not a region code")), *REGION_LEVELS],
                required=False,
                initial=field.get("regionLevel", ""),
            ),
            "required": forms.BooleanField(
                label=_("Required"), required=False, initial=bool(constraints.get("required"))
            ),
            "unique": forms.BooleanField(
                label=_("Unique"), required=False, initial=bool(constraints.get("unique"))
            ),
            "minimum": forms.CharField(
                label=_("Minimum"), required=False, max_length=40,
                initial=_as_text(constraints.get("minimum")),
            ),
            "maximum": forms.CharField(
                label=_("Maximum"), required=False, max_length=40,
                initial=_as_text(constraints.get("maximum")),
            ),
            "pattern": forms.CharField(
                label=_("Pattern (regular expression)"), required=False, max_length=500,
                initial=constraints.get("pattern", ""),
            ),
            "enum": forms.CharField(
                label=_("Allowed values (one per line)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial="\n".join(str(v) for v in constraints.get("enum", [])),
            ),
        }  # fmt: skip
        for key, form_field in inputs.items():
            self.fields[prefix + key] = form_field
        self.rows.append({"index": index, "field": field, "prefix": prefix, "keys": list(inputs)})

    def field_rows(self) -> list[dict[str, Any]]:
        """For the template: each schema field with its bound inputs."""
        return [
            {
                "field": row["field"],
                "inputs": {key: self[row["prefix"] + key] for key in row["keys"]},
            }
            for row in self.rows
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for row in self.rows:
            prefix = row["prefix"]
            field_type = cleaned.get(prefix + "type")
            for key in ("minimum", "maximum"):
                value = cleaned.get(prefix + key)
                if not value:
                    continue
                if field_type in ("integer", "number", "year"):
                    try:
                        cleaned[prefix + key] = _decimal_or_none(value)
                    except ValueError:
                        self.add_error(prefix + key, _("Enter a number."))
            pattern = cleaned.get(prefix + "pattern")
            if pattern:
                try:
                    re.compile(pattern)
                except re.error:
                    self.add_error(prefix + "pattern", _("This is not a valid regular expression."))
        return cleaned

    def to_schema(self) -> dict[str, Any]:
        data = self.cleaned_data
        schema = copy.deepcopy(self.schema)
        for row in self.rows:
            prefix, field = row["prefix"], schema["fields"][row["index"]]
            new_type = data[prefix + "type"]
            if new_type != field.get("type"):
                _change_type(field, new_type)
            for key in ("title", "unit", "description"):
                _set_or_drop(field, key, (data.get(prefix + key) or "").strip())
            _set_or_drop(field, "regionLevel", data.get(prefix + "region_level") or "")
            if field.get("regionLevel"):
                field.pop("codeLike", None)
            field["constraints"] = _form_constraints(field.get("constraints") or {}, data, prefix)
            if not field["constraints"]:
                field.pop("constraints")
        keys = data.get("primary_key") or []
        if keys:
            schema["primaryKey"] = list(keys)
        else:
            schema.pop("primaryKey", None)
        return normalise_schema(schema)


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _set_or_drop(field: dict[str, Any], key: str, value: Any) -> None:
    if value in ("", None):
        field.pop(key, None)
    else:
        field[key] = value


def _change_type(field: dict[str, Any], new_type: str) -> None:
    """A new type keeps only the properties that still make sense."""
    field["type"] = new_type
    if new_type not in ("integer", "number"):
        for key in NUMBER_PROPERTIES:
            field.pop(key, None)
    if new_type == "integer":
        field.pop("decimalChar", None)
    if new_type != "boolean":
        for key in BOOLEAN_PROPERTIES:
            field.pop(key, None)
    if new_type != "date" or not str(field.get("format", "default")).startswith("%"):
        field["format"] = "default"
    if new_type != "string":
        field.pop("monthName", None)
        field.pop("codeLike", None)
    constraints = field.get("constraints") or {}
    for key in ("minimum", "maximum"):
        constraints.pop(key, None)


def _form_constraints(existing: dict[str, Any], data: dict[str, Any], prefix: str) -> dict:
    constraints = {
        key: value
        for key, value in existing.items()
        if key not in ("required", "unique", "minimum", "maximum", "pattern", "enum")
    }
    if data.get(prefix + "required"):
        constraints["required"] = True
    if data.get(prefix + "unique"):
        constraints["unique"] = True
    for key in ("minimum", "maximum"):
        value = data.get(prefix + key)
        if value not in (None, ""):
            constraints[key] = value
    if data.get(prefix + "pattern"):
        constraints["pattern"] = data[prefix + "pattern"]
    items = _enum_items(data.get(prefix + "enum") or "")
    if items:
        constraints["enum"] = items
    return constraints


class SchemaUploadForm(forms.Form):
    schema_file = forms.FileField(
        label=gettext_lazy("Table Schema file (JSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        error_messages={"required": gettext_lazy("Choose a schema file to upload.")},
    )
    message = forms.CharField(label=gettext_lazy("Change note"), max_length=500, required=False)
