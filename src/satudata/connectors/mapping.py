"""Field mapping: from the source's columns to the dataset's fields (DESIGN §4).

A mapping is a small JSON document stored (and versioned) with the connector::

    {"fields": [
        {"target": "jenis_kelamin", "source": "JK", "values": {"L": "Laki-laki", "P": "Perempuan"}},
        {"target": "kode_desa", "source": "kode", "transform": "kode_wilayah"},
        {"target": "kode_kecamatan", "source": "nama_kec", "transform": "region_code",
         "region_parent": "51.05"},
        {"target": "tahun", "constant": 2024, "type": "integer"},
        {"target": "jumlah", "expression": "laki_laki + perempuan", "type": "integer"}],
     "key": ["kode_desa"]}

Each field takes exactly one of `source` (rename), `constant` or `expression` (derived, see
`expressions.py`: arithmetic and a few text functions, never `eval`). `values` maps values,
`transform` applies a named conversion, `type` declares the Table Schema type (when every field
has one, the dataset's validation uses exactly these types). `key` names the fields that
identify a row: incremental pulls replace rows with the same key. An empty mapping imports the
source columns as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from satudata.connectors.expressions import evaluate, parse_expression
from satudata.connectors.types.base import SourceError
from satudata.core.errors import ValidationFailed

TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "year")
TRANSFORMS = ("kode_wilayah", "region_code", "upper", "lower", "strip")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]{0,62}$")
KODE_DIGITS = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$")


@dataclass
class FieldRule:
    target: str
    source: str | None = None
    constant: Any = None
    expression: str | None = None
    type: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    transform: str | None = None
    region_parent: str = ""


@dataclass
class Mapping:
    fields: list[FieldRule]
    key: list[str]

    @property
    def is_identity(self) -> bool:
        return not self.fields

    @property
    def sources(self) -> list[str]:
        return [rule.source for rule in self.fields if rule.source]

    def table_schema(self) -> dict | None:
        """A Table Schema when every field declares its type (otherwise the warehouse infers)."""
        if not self.fields or any(not rule.type for rule in self.fields):
            return None
        fields = []
        for rule in self.fields:
            schema_type = "datetime" if rule.type == "datetime" else rule.type
            fields.append({"name": rule.target, "type": schema_type})
        return {"fields": fields}


def _problem(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="mapping-invalid")


def parse_mapping(document: Any) -> Mapping:
    """Check a mapping document and return it as rules; `ValidationFailed` names the problem."""
    if document in (None, "", {}):
        return Mapping(fields=[], key=[])
    if not isinstance(document, dict):
        raise _problem(_('The mapping must be a JSON object with a "fields" list.'))
    raw_fields = document.get("fields", [])
    if not isinstance(raw_fields, list):
        raise _problem(_('"fields" of the mapping must be a list.'))
    rules = [_parse_rule(raw, position) for position, raw in enumerate(raw_fields, start=1)]
    targets = [rule.target for rule in rules]
    duplicated = sorted({name for name in targets if targets.count(name) > 1})
    if duplicated:
        raise _problem(_("Target field named twice: %(names)s.") % {"names": ", ".join(duplicated)})
    key = document.get("key", []) or []
    if isinstance(key, str):
        key = [key]
    if not isinstance(key, list) or not all(isinstance(name, str) for name in key):
        raise _problem(_('"key" of the mapping must be a list of field names.'))
    unknown = [name for name in key if rules and name not in targets]
    if unknown:
        raise _problem(
            _("Key field not in the mapping: %(names)s.") % {"names": ", ".join(unknown)}
        )
    return Mapping(fields=rules, key=key)


def _parse_rule(raw: Any, position: int) -> FieldRule:
    if not isinstance(raw, dict):
        raise _problem(_("Mapping field %(n)d must be an object.") % {"n": position})
    target = str(raw.get("target", "")).strip()
    if not FIELD_NAME.match(target):
        raise _problem(
            _("Mapping field %(n)d: the target name %(name)r is missing or not a valid name.")
            % {"n": position, "name": target}
        )
    kinds = [
        name for name in ("source", "constant", "expression") if raw.get(name) not in (None, "")
    ]
    if len(kinds) != 1:
        raise _problem(
            _("Mapping field %(name)s: give exactly one of source, constant or expression.")
            % {"name": target}
        )
    rule = FieldRule(
        target=target,
        source=str(raw["source"]) if raw.get("source") not in (None, "") else None,
        constant=raw.get("constant"),
        expression=str(raw["expression"]) if raw.get("expression") else None,
        type=raw.get("type") or None,
        values=raw.get("values") or {},
        transform=raw.get("transform") or None,
        region_parent=str(raw.get("region_parent") or ""),
    )
    if rule.type and rule.type not in TYPES:
        raise _problem(
            _("Mapping field %(name)s: unknown type %(type)r (use one of %(types)s).")
            % {"name": target, "type": rule.type, "types": ", ".join(TYPES)}
        )
    if rule.transform and rule.transform not in TRANSFORMS:
        raise _problem(
            _("Mapping field %(name)s: unknown conversion %(transform)r (use one of %(all)s).")
            % {"name": target, "transform": rule.transform, "all": ", ".join(TRANSFORMS)}
        )
    if not isinstance(rule.values, dict):
        raise _problem(_('Mapping field %(name)s: "values" must be an object.') % {"name": target})
    if rule.expression:
        parse_expression(rule.expression)  # raises ValidationFailed with the position
    return rule


# --- applying a mapping ---------------------------------------------------------------------


def apply_mapping(table: pa.Table, mapping: Mapping, log: list[str] | None = None) -> pa.Table:
    """The dataset's table from the source's table. A source column the mapping needs but the
    source no longer has (a renamed field) is a `SourceError` naming it."""
    log = log if log is not None else []
    if mapping.is_identity:
        return table
    present = set(table.column_names)
    missing = [name for name in mapping.sources if name not in present]
    if missing:
        raise SourceError(
            _(
                "The source no longer has the field(s) %(missing)s that the mapping reads. It has:"
                " %(present)s. Update the mapping."
            )
            % {
                "missing": ", ".join(missing),
                "present": ", ".join(table.column_names[:40]) or "—",
            },
            code="source-field-missing",
            details={"missing": missing, "present": table.column_names},
        )
    columns: dict[str, pa.Array] = {}
    for rule in mapping.fields:
        columns[rule.target] = _column(table, rule, log)
    return pa.table(columns)


def _column(table: pa.Table, rule: FieldRule, log: list[str]) -> pa.Array:
    rows = table.num_rows
    if rule.source:
        column = table.column(rule.source).combine_chunks()
    elif rule.expression:
        column = evaluate(parse_expression(rule.expression), table)
    else:
        column = pa.array([rule.constant] * rows)
    if rule.transform:
        column = _transform(column, rule, log)
    if rule.values:
        column = _map_values(column, rule.values, rule.target, log)
    return column


def _as_text(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    if pa.types.is_null(column.type):
        return column.cast(pa.string())
    return pc.cast(column, pa.string())


def _map_values(column: pa.Array, values: dict, target: str, log: list[str]) -> pa.Array:
    text = _as_text(column).to_pylist()
    mapped, unmatched = [], 0
    for value in text:
        if value is not None and value in values:
            mapped.append(values[value])
        else:
            unmatched += value is not None
            mapped.append(value)
    if unmatched:
        log.append(
            _(
                "%(field)s: %(count)d value(s) without an entry in the value map were kept as"
                " they are."
            )
            % {"field": target, "count": unmatched}
        )
    return pa.array(mapped)


def _transform(column: pa.Array, rule: FieldRule, log: list[str]) -> pa.Array:
    text = _as_text(column)
    if rule.transform == "upper":
        return pc.utf8_upper(text)
    if rule.transform == "lower":
        return pc.utf8_lower(text)
    if rule.transform == "strip":
        return pc.utf8_trim_whitespace(text)
    if rule.transform == "kode_wilayah":
        return pa.array([dotted_region_code(value) for value in text.to_pylist()], pa.string())
    return _region_codes(text, rule, log)


def dotted_region_code(value: str | None) -> str | None:
    """OpenSID and many agency systems store Kemendagri codes without dots:
    `5105012001` → `51.05.01.2001`. A code that already has dots (or is not such a code) is
    returned unchanged (so a wrong value stays visible to validation instead of vanishing)."""
    if value is None:
        return None
    digits = value.strip()
    if not KODE_DIGITS.match(digits):
        return value
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(part for part in parts if part)


def _normal_name(name: str) -> str:
    name = re.sub(r"^(desa|kelurahan|kecamatan|kabupaten|kab\.|kota|provinsi)\s+", "", name.lower())
    return " ".join(name.split())


def _region_codes(text: pa.Array, rule: FieldRule, log: list[str]) -> pa.Array:
    """Region names → Kemendagri codes through the region list (within `region_parent`)."""
    from satudata.regions.models import Region

    wanted = {_normal_name(value) for value in text.to_pylist() if value}
    regions = Region.objects.all()
    if rule.region_parent:
        regions = regions.filter(code__startswith=rule.region_parent + ".")
    by_name: dict[str, set[str]] = {}
    for code, name in regions.values_list("code", "name").iterator():
        normal = _normal_name(name)
        if normal in wanted:
            by_name.setdefault(normal, set()).add(code)
    result, unmatched, ambiguous = [], 0, 0
    for value in text.to_pylist():
        codes = by_name.get(_normal_name(value)) if value else None
        if codes and len(codes) == 1:
            result.append(next(iter(codes)))
            continue
        unmatched += bool(value) and not codes
        ambiguous += bool(codes)
        result.append(value)
    if unmatched or ambiguous:
        log.append(
            _(
                "%(field)s: %(unmatched)d region name(s) not found and %(ambiguous)d ambiguous;"
                " kept as they are (narrow them with region_parent)."
            )
            % {"field": rule.target, "unmatched": unmatched, "ambiguous": ambiguous}
        )
    return pa.array(result, pa.string())
