"""The dataset form: grouped fieldsets over the standard metadata, saved through the services.

The form only parses and checks input; `views` hand `DatasetForm.metadata()` to
`catalog.services.create_dataset` / `update_dataset`, and service errors come back next to the
field they name (`add_service_error`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import fields_for_model
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Organisation
from satudata.catalog.metadata import (
    MS_IND_FIELDS,
    MS_KEG_FIELDS,
    MS_VAR_FIELDS,
    BpsField,
    clean_bps_metadata,
    table_columns,
)
from satudata.catalog.models import Dataset, Topic
from satudata.catalog.services import clean_tag_names, resolve_regions
from satudata.core.errors import SatuDataError, ValidationFailed
from satudata.core.permissions import PRODUCING_ROLES, actor_for

MODEL_FIELDS = (
    "title",
    "slug",
    "description",
    "frequency",
    "data_source",
    "collection_method",
    "collection_method_detail",
    "reference_codes",
    "release_date",
    "unit",
    "presentation_level",
    "temporal_start",
    "temporal_end",
    "contact_name",
    "contact_email",
    "classification",
    "licence",
    "is_statistical",
    "is_spatial",
    "is_synthetic",
)
BPS_PREFIXES = {"ms_keg": MS_KEG_FIELDS, "ms_ind": MS_IND_FIELDS}
# MS-Var keys asked column by column when the table's columns are known (the rest of the MS-Var
# keys stay in the JSON box).
MS_VAR_COLUMN_KEYS = ("definisi", "konsep")

MS_VAR_EXAMPLE = '{"jumlah_penduduk": {"definisi": "…", "tipe_data": "integer"}}'


@dataclass(frozen=True)
class Fieldset:
    key: str
    legend: str | Promise
    fields: tuple[str, ...]
    help: str | Promise = ""
    statistical: bool = False


def bps_field_name(block: str, key: str) -> str:
    return f"{block}__{key}"


FIELDSETS: tuple[Fieldset, ...] = (
    Fieldset(
        "identity",
        _("Dataset"),
        ("title", "slug", "description", "organisation", "topic", "tags"),
    ),
    Fieldset(
        "standard",
        _("Standard metadata"),
        (
            "frequency",
            "data_source",
            "collection_method",
            "collection_method_detail",
            "reference_codes",
            "release_date",
            "unit",
            "presentation_level",
        ),
        _("The regency's standard metadata for every dataset (Satu Data Indonesia)."),
    ),
    Fieldset(
        "coverage",
        _("Coverage"),
        ("regions", "temporal_start", "temporal_end"),
    ),
    Fieldset(
        "access",
        _("Access and contact"),
        ("classification", "licence", "contact_name", "contact_email"),
    ),
    Fieldset(
        "kind",
        _("Kind of data"),
        ("is_statistical", "is_spatial", "is_synthetic"),
    ),
    Fieldset(
        "ms_keg",
        _("Statistical activity metadata (MS-Keg)"),
        tuple(bps_field_name("ms_keg", spec.key) for spec in MS_KEG_FIELDS),
        _("BPS metadata of the activity that produced the data (Peraturan BPS 5/2020)."),
        statistical=True,
    ),
    Fieldset(
        "ms_ind",
        _("Indicator metadata (MS-Ind)"),
        tuple(bps_field_name("ms_ind", spec.key) for spec in MS_IND_FIELDS),
        _("BPS metadata of the indicator this dataset presents."),
        statistical=True,
    ),
    Fieldset(
        "ms_var",
        _("Variable metadata (MS-Var)"),
        ("ms_var",),
        _("BPS metadata of each column of the table."),
        statistical=True,
    ),
)


def producing_organisations(user) -> QuerySet:
    """Organisations `user` may create datasets for: its produsen ones (all for walidata)."""
    actor = actor_for(user)
    organisations = Organisation.objects.visible_to(user)
    if actor.is_walidata:
        return organisations
    return organisations.filter(pk__in=actor.organisations_with(*PRODUCING_ROLES))


def _bps_form_field(spec: BpsField) -> forms.Field:
    if spec.choices:
        return forms.ChoiceField(
            label=spec.label,
            required=False,
            choices=[("", "—"), *spec.choices],
            help_text=spec.help_text,
        )
    widget = forms.Textarea(attrs={"rows": 3}) if spec.multiline else forms.TextInput()
    return forms.CharField(
        label=spec.label,
        required=False,
        max_length=4000,
        widget=widget,
        help_text=spec.help_text,
    )


def column_field_name(index: int, key: str) -> str:
    return f"ms_var_col_{index}_{key}"


def merge_column_inputs(ms_var: dict, columns: list[str], data) -> dict:
    """MS-Var from the JSON box with the per-column inputs on top (a filled input wins)."""
    merged = {column: dict(entry) for column, entry in ms_var.items() if isinstance(entry, dict)}
    for index, column in enumerate(columns):
        for key in MS_VAR_COLUMN_KEYS:
            value = (data.get(column_field_name(index, key)) or "").strip()
            if value:
                merged.setdefault(column, {})[key] = value
    return {column: entry for column, entry in merged.items() if entry}


def _ms_var_help() -> str:
    keys = ", ".join(spec.key for spec in MS_VAR_FIELDS)
    return gettext("JSON: each column name maps to its fields (%(keys)s). Example: %(example)s") % {
        "keys": keys,
        "example": MS_VAR_EXAMPLE,
    }


class DatasetForm(forms.Form):
    """Create or edit a dataset. `organisations` limits the OPD choice; `dataset` means edit."""

    required_css_class = "required"

    def __init__(
        self, *args: Any, organisations: QuerySet, dataset: Dataset | None = None, **kwargs: Any
    ) -> None:
        self.dataset = dataset
        if dataset is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_dataset(dataset)
        # Labels end without a colon; required ones get a star from the stylesheet.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Dataset, fields=MODEL_FIELDS))
        self._adjust_model_fields()
        self.fields["organisation"] = forms.ModelChoiceField(
            queryset=organisations,
            label=_("Managing agency (OPD)"),
            empty_label=None if organisations.count() == 1 else "—",
        )
        self.fields["topic"] = forms.ModelChoiceField(
            queryset=Topic.objects.all(), label=_("Sector / topic"), required=False
        )
        self.fields["tags"] = forms.CharField(
            label=_("Tags"),
            required=False,
            max_length=2000,
            help_text=_("Separate tags with commas, e.g. kesehatan, balita, gizi."),
        )
        self.fields["regions"] = forms.CharField(
            label=_("Spatial coverage (region codes)"),
            required=False,
            max_length=3000,
            help_text=_(
                "Kemendagri region codes separated by commas, e.g. 51.05 for the regency or "
                "51.05.01 for one kecamatan."
            ),
        )
        for block, specs in BPS_PREFIXES.items():
            for spec in specs:
                self.fields[bps_field_name(block, spec.key)] = _bps_form_field(spec)
        self.columns = table_columns(dataset)
        column_labels = {"definisi": _("definition"), "konsep": _("concept")}
        for index, column in enumerate(self.columns):
            for key in MS_VAR_COLUMN_KEYS:
                self.fields[column_field_name(index, key)] = forms.CharField(
                    label=f"{column}: {column_labels[key]}",
                    required=False,
                    max_length=4000,
                )
        self.fields["ms_var"] = forms.CharField(
            label=_("Column descriptions (MS-Var)")
            if not self.columns
            else _("Other MS-Var fields (JSON)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
            help_text=_ms_var_help(),
        )
        self.order_fields([name for fieldset in self._fieldset_fields() for name in fieldset[1]])

    def _adjust_model_fields(self) -> None:
        fields = self.fields
        fields["title"].required = True
        fields["slug"].required = False
        fields["slug"].label = _("Web address (slug)")
        fields["slug"].help_text = _(
            "Letters, numbers and hyphens; part of the dataset's address. Leave empty to derive "
            "it from the name."
        )
        if self.dataset is not None:
            # Changing the address would break links people already shared.
            fields["slug"].disabled = True
            fields["slug"].help_text = _("The address cannot be changed after creation.")
        fields["description"].widget = forms.Textarea(attrs={"rows": 4})
        fields["collection_method_detail"].widget = forms.Textarea(attrs={"rows": 2})
        fields["release_date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name in ("temporal_start", "temporal_end"):
            fields[name].min_value = 1900
            fields[name].max_value = 2100
            fields[name].widget.attrs.update({"min": 1900, "max": 2100, "inputmode": "numeric"})
        fields["contact_email"].widget.attrs["autocomplete"] = "email"

    # --- cleaning ---------------------------------------------------------------------------

    def clean_tags(self) -> list[str]:
        try:
            return clean_tag_names(self.cleaned_data.get("tags") or "")
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None

    def clean_regions(self) -> list:
        try:
            return resolve_regions(self.cleaned_data.get("regions") or "")
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None

    def clean_ms_var(self) -> dict:
        raw = (self.cleaned_data.get("ms_var") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(
                gettext("This is not valid JSON (line %(line)d): %(error)s")
                % {"line": getattr(error, "lineno", 0), "error": getattr(error, "msg", error)}
            ) from None
        try:
            return clean_bps_metadata("ms_var", value)
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("temporal_start"), cleaned.get("temporal_end")
        if start and end and end < start:
            self.add_error(
                "temporal_end", gettext("The last year covered cannot be before the first year.")
            )
        return cleaned

    # --- output -----------------------------------------------------------------------------

    def bps_block(self, block: str) -> dict[str, str]:
        return {
            spec.key: self.cleaned_data.get(bps_field_name(block, spec.key)) or ""
            for spec in BPS_PREFIXES[block]
        }

    def metadata(self) -> dict[str, Any]:
        """Keyword arguments for create_dataset / update_dataset (title, slug and OPD included)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            name: data.get(name) for name in MODEL_FIELDS if name not in {"slug"}
        }
        values["organisation"] = data["organisation"]
        values["topic"] = data.get("topic")
        values["tags"] = data.get("tags") or []
        values["regions"] = data.get("regions") or []
        values["ms_keg"] = self.bps_block("ms_keg")
        values["ms_ind"] = self.bps_block("ms_ind")
        values["ms_var"] = clean_bps_metadata(
            "ms_var", merge_column_inputs(data.get("ms_var") or {}, self.columns, self.data)
        )
        for name in ("frequency", "collection_method", "presentation_level"):
            values[name] = values.get(name) or ""
        if self.dataset is None and data.get("slug"):
            values["slug"] = data["slug"]
        return values

    def add_service_error(self, error: SatuDataError) -> None:
        """Show a service error next to the field it names, or above the form."""
        field = (error.details or {}).get("field") if isinstance(error.details, dict) else None
        if field in ("ms_keg", "ms_ind"):
            field = None
        self.add_error(field if field in self.fields else None, error.message)

    # --- rendering helpers --------------------------------------------------------------------

    def _fieldset_fields(self) -> list[tuple[Fieldset, tuple[str, ...]]]:
        columns = tuple(
            column_field_name(index, key)
            for index in range(len(getattr(self, "columns", [])))
            for key in MS_VAR_COLUMN_KEYS
        )
        return [
            (fieldset, (columns + fieldset.fields) if fieldset.key == "ms_var" else fieldset.fields)
            for fieldset in FIELDSETS
        ]

    def _describe_errors(self) -> None:
        """Point each field with errors at its error list (and help text) for screen readers."""
        for name, errors in self.errors.items():
            if name not in self.fields or not errors:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_errors"]
            if self.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)

    def fieldsets(self) -> list[dict]:
        if self.is_bound:
            self._describe_errors()
        blocks = []
        for fieldset, names in self._fieldset_fields():
            present = [name for name in names if name in self.fields]
            blocks.append(
                {
                    "key": fieldset.key,
                    "legend": fieldset.legend,
                    "help": fieldset.help,
                    "statistical": fieldset.statistical,
                    "fields": [self[name] for name in present],
                    "has_errors": any(self[name].errors for name in present),
                }
            )
        return blocks


def initial_from_dataset(dataset: Dataset) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(dataset, name) for name in MODEL_FIELDS}
    initial["organisation"] = dataset.organisation_id
    initial["topic"] = dataset.topic_id
    initial["tags"] = ", ".join(tag.name for tag in dataset.tags.all())
    initial["regions"] = ", ".join(region.pk for region in dataset.regions.all())
    for block in BPS_PREFIXES:
        stored = getattr(dataset, block) or {}
        for key, value in stored.items():
            initial[bps_field_name(block, key)] = value
    ms_var = dataset.ms_var if isinstance(dataset.ms_var, dict) else {}
    columns = table_columns(dataset)
    rest = {column: dict(entry) for column, entry in ms_var.items() if isinstance(entry, dict)}
    for index, column in enumerate(columns):
        for key in MS_VAR_COLUMN_KEYS:
            value = rest.get(column, {}).pop(key, None)
            if value:
                initial[column_field_name(index, key)] = value
    rest = {column: entry for column, entry in rest.items() if entry}
    initial["ms_var"] = json.dumps(rest, ensure_ascii=False, indent=2) if rest else ""
    return initial


def values_from_form_data(data) -> dict[str, Any]:
    """Loose reading of a half-filled form for the live completeness panel (no DB checks)."""
    values: dict[str, Any] = {name: data.get(name, "") for name in MODEL_FIELDS}
    values["organisation"] = data.get("organisation", "")
    values["topic"] = data.get("topic", "")
    values["tags"] = [t for t in (data.get("tags") or "").split(",") if t.strip()]
    values["regions"] = (data.get("regions") or "").replace(",", " ").split()
    values["is_statistical"] = data.get("is_statistical") in {"on", "true", "1", "True"}
    for block, specs in BPS_PREFIXES.items():
        values[block] = {spec.key: data.get(bps_field_name(block, spec.key), "") for spec in specs}
    try:
        ms_var = json.loads(data.get("ms_var") or "{}")
    except ValueError:
        ms_var = {}
    # The form carries the table's column names in hidden inputs (only used for this score).
    columns = []
    while data.get(column_field_name(len(columns), "name")) and len(columns) < 1000:
        columns.append(data.get(column_field_name(len(columns), "name")))
    values["ms_var"] = merge_column_inputs(
        ms_var if isinstance(ms_var, dict) else {}, columns, data
    )
    values["ms_var_columns"] = columns
    return values
