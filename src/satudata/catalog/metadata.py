"""The standard dataset metadata (DESIGN §4) and its completeness score.

One declaration serves the form (labels, grouping), the dataset page (what to show) and the score
(what is required). Two layers:

* **Catalogue fields** on every dataset: the eight seed fields of the regency's standard metadata
  (Nama Dataset, OPD Pengelola, Frekuensi Pemutakhiran, Sumber Data, Metode Pengumpulan, Kode
  Referensi & Format, Tanggal Rilis, Tanggal Terakhir Perubahan) plus description, topic, licence,
  classification, spatial/temporal coverage, contact, unit, …
* **BPS statistical metadata** (Peraturan BPS 5/2020) when `is_statistical` is set, stored as keyed
  JSON on the dataset:

  - ``ms_keg`` (MS-Keg, the statistical activity): ``{key: text}`` with the keys of `MS_KEG_FIELDS`;
  - ``ms_ind`` (MS-Ind, the indicator the dataset presents): ``{key: text}`` with `MS_IND_FIELDS`;
  - ``ms_var`` (MS-Var, one entry per table column): ``{column_name: {key: text}}`` with the keys
    of `MS_VAR_FIELDS`.

  Unknown keys are refused by `clean_bps_metadata`, so the stored JSON always follows these lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from satudata.core.errors import ValidationFailed

# Weights: a required item counts three times as much as an optional one, so that a dataset with
# every required field filled scores well above one with only the optional extras.
REQUIRED_WEIGHT = 3
OPTIONAL_WEIGHT = 1


@dataclass(frozen=True)
class MetadataItem:
    """One line of the completeness check: a field (or a small group of fields) and its label."""

    key: str
    label: str | Promise
    required: bool
    fields: tuple[str, ...] = ()
    # Filled by the system (e.g. the last-modified date): always counted as present.
    automatic: bool = False
    # Standard it comes from, shown on the form ("seed" = the regency's eight seed fields).
    standard: str = ""

    @property
    def source_fields(self) -> tuple[str, ...]:
        return self.fields or (self.key,)


@dataclass(frozen=True)
class BpsField:
    """One key of a BPS metadata JSON object (MS-Keg, MS-Ind or MS-Var)."""

    key: str
    label: str | Promise
    required: bool = False
    help_text: str | Promise = ""
    multiline: bool = False
    choices: tuple[tuple[str, str | Promise], ...] = ()


SEED = "seed"

# The catalogue fields, in the order the form and the dataset page show them.
CATALOGUE_ITEMS: tuple[MetadataItem, ...] = (
    MetadataItem("title", _("Dataset name"), True, standard=SEED),
    MetadataItem("organisation", _("Managing agency (OPD)"), True, standard=SEED),
    MetadataItem("frequency", _("Update frequency"), True, standard=SEED),
    MetadataItem("data_source", _("Data source"), True, standard=SEED),
    MetadataItem("collection_method", _("Collection method"), True, standard=SEED),
    MetadataItem("reference_codes", _("Reference codes & format"), True, standard=SEED),
    MetadataItem("release_date", _("Release date"), True, standard=SEED),
    MetadataItem("modified_at", _("Last modified date"), True, automatic=True, standard=SEED),
    MetadataItem("description", _("Description"), True),
    MetadataItem("topic", _("Sector / topic"), True),
    MetadataItem("licence", _("Licence"), True),
    MetadataItem("classification", _("Classification"), True),
    MetadataItem("regions", _("Spatial coverage"), True),
    MetadataItem(
        "temporal", _("Temporal coverage"), True, fields=("temporal_start", "temporal_end")
    ),
    MetadataItem("contact", _("Contact"), True, fields=("contact_name", "contact_email")),
    MetadataItem("unit", _("Unit of measure"), False),
    MetadataItem("presentation_level", _("Presentation level"), False),
    MetadataItem("tags", _("Tags"), False),
    MetadataItem("collection_method_detail", _("Collection method details"), False),
)

STATISTICS_TYPES = (
    ("dasar", _("Basic statistics (statistik dasar)")),
    ("sektoral", _("Sectoral statistics (statistik sektoral)")),
    ("khusus", _("Special statistics (statistik khusus)")),
)
YES_NO = (("ya", _("Yes")), ("tidak", _("No")))

# MS-Keg: the statistical activity that produced the data (identity + blocks I-VIII, condensed to
# what a regency OPD fills in; the frequency, collection method and presentation level live in the
# catalogue fields above and are not repeated here).
MS_KEG_FIELDS: tuple[BpsField, ...] = (
    BpsField("jenis_statistik", _("Type of statistics"), True, choices=STATISTICS_TYPES),
    BpsField("judul_kegiatan", _("Activity title"), True),
    BpsField("tahun_kegiatan", _("Activity year"), True),
    BpsField(
        "kode_kegiatan",
        _("BPS activity code / recommendation ID"),
        help_text=_("Given by BPS when the activity received a recommendation."),
    ),
    BpsField("sektor_kegiatan", _("Activity sector")),
    BpsField(
        "penyelenggara",
        _("Organising agency"),
        True,
        help_text=_("Block I: agency name, address, telephone, e-mail."),
        multiline=True,
    ),
    BpsField(
        "penanggung_jawab",
        _("Person in charge"),
        True,
        help_text=_("Block II: responsible unit and technical person (name, position, contact)."),
        multiline=True,
    ),
    BpsField("latar_belakang", _("Background"), multiline=True),
    BpsField("tujuan", _("Objective"), True, multiline=True),
    BpsField(
        "kegiatan_dilakukan",
        _("Activity is carried out"),
        choices=(("sekali", _("Once")), ("berulang", _("Repeatedly"))),
    ),
    BpsField(
        "tipe_pengumpulan",
        _("Type of data collection"),
        choices=(
            ("longitudinal_panel", _("Longitudinal panel")),
            ("longitudinal_cross_sectional", _("Longitudinal cross-sectional")),
            ("cross_sectional", _("Cross-sectional")),
        ),
    ),
    BpsField(
        "metode_pengumpulan",
        _("Collection techniques"),
        True,
        help_text=_("E.g. interview, self-completed questionnaire, observation, secondary data."),
    ),
    BpsField(
        "sarana_pengumpulan",
        _("Collection instruments"),
        help_text=_("E.g. paper (PAPI), tablet (CAPI), telephone (CATI), web (CAWI)."),
    ),
    BpsField(
        "unit_pengumpulan",
        _("Collection unit"),
        True,
        help_text=_("E.g. individual, household, business, institution."),
    ),
    BpsField("desain_sampel", _("Sample design (surveys only)"), multiline=True),
    BpsField("pengolahan", _("Processing steps"), multiline=True),
    BpsField("metode_analisis", _("Analysis method")),
    BpsField("unit_analisis", _("Unit of analysis")),
    BpsField("produk_diseminasi", _("Products available to the public"), multiline=True),
)

# MS-Ind: the indicator the dataset presents.
MS_IND_FIELDS: tuple[BpsField, ...] = (
    BpsField("nama_indikator", _("Indicator name"), True),
    BpsField("konsep", _("Concept"), True, multiline=True),
    BpsField("definisi", _("Definition"), True, multiline=True),
    BpsField("interpretasi", _("Interpretation"), True, multiline=True),
    BpsField("rumus", _("Calculation method / formula"), True, multiline=True),
    BpsField(
        "ukuran",
        _("Measure"),
        True,
        help_text=_("E.g. count, ratio, percentage, index."),
    ),
    BpsField("satuan", _("Unit"), True),
    BpsField(
        "klasifikasi_penyajian",
        _("Presentation breakdowns"),
        help_text=_("E.g. by region, by sex, by age group."),
    ),
    BpsField("indikator_komposit", _("Composite indicator"), choices=YES_NO),
    BpsField("publikasi_ketersediaan", _("Where it is published")),
    BpsField("indikator_pembangun", _("Component indicators")),
    BpsField("variabel_pembangun", _("Component variables")),
    BpsField("level_estimasi", _("Lowest estimation level"), True),
    BpsField("akses_publik", _("Publicly accessible"), choices=YES_NO),
)

# MS-Var: one entry per column of the data table.
MS_VAR_FIELDS: tuple[BpsField, ...] = (
    BpsField("alias", _("Alias")),
    BpsField("konsep", _("Concept")),
    BpsField("definisi", _("Definition"), True),
    BpsField("referensi_pemilihan", _("Selection reference")),
    BpsField("referensi_waktu", _("Time reference")),
    BpsField("tipe_data", _("Data type")),
    BpsField("klasifikasi_isian", _("Allowed values / code list")),
    BpsField("aturan_validasi", _("Validation rule")),
    BpsField("kalimat_pertanyaan", _("Question wording")),
    BpsField("akses_publik", _("Publicly accessible"), choices=YES_NO),
)

BPS_BLOCKS: dict[str, tuple[BpsField, ...]] = {
    "ms_keg": MS_KEG_FIELDS,
    "ms_ind": MS_IND_FIELDS,
}

# Bounds on the JSON a form or API may store (guard-rails against pasted novels).
BPS_VALUE_MAX_CHARS = 4000
MS_VAR_MAX_COLUMNS = 500
# Columns asked one by one on the form (a wider table keeps the JSON box only).
MS_VAR_COLUMN_FIELDS_MAX = 60


@dataclass
class CompletenessResult:
    """Score 0-100 and the required items still missing, as ``(key, label)`` pairs."""

    score: int
    missing: list[tuple[str, str]] = field(default_factory=list)
    missing_optional: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.missing


def _present(value: Any) -> bool:
    """Whether a submitted value counts as filled in (blank strings and empty lists do not)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return len(value) > 0
    if hasattr(value, "exists") and callable(value.exists):  # a queryset or related manager
        return value.exists()
    return True


def _item_present(item: MetadataItem, values: Mapping[str, Any]) -> bool:
    if item.automatic:
        return True
    if item.key == "temporal":
        return _present(values.get("temporal_start")) and _present(values.get("temporal_end"))
    return any(_present(values.get(name)) for name in item.source_fields)


def _bps_items(values: Mapping[str, Any]) -> list[tuple[str, str, bool, bool]]:
    """(key, label, required, present) for the BPS metadata of a statistical dataset."""
    items: list[tuple[str, str, bool, bool]] = []
    for block, prefix in (("ms_keg", "MS-Keg"), ("ms_ind", "MS-Ind")):
        stored = values.get(block) or {}
        if not isinstance(stored, Mapping):
            stored = {}
        for spec in BPS_BLOCKS[block]:
            label = f"{prefix}: {spec.label}"
            present = _present(stored.get(spec.key))
            items.append((f"{block}.{spec.key}", label, spec.required, present))
    ms_var = values.get("ms_var") or {}
    if not isinstance(ms_var, Mapping):
        ms_var = {}
    # When the table's columns are known, each needs a definition; otherwise every entry given.
    columns = list(values.get("ms_var_columns") or []) or list(ms_var)
    described = bool(columns) and all(
        isinstance(ms_var.get(column), Mapping) and _present(ms_var[column].get("definisi"))
        for column in columns
    )
    items.append(("ms_var", f"MS-Var: {gettext('definition of every column')}", True, described))
    return items


def completeness(values: Mapping[str, Any]) -> CompletenessResult:
    """Score the metadata in `values` (model field names → values, as a form or a dataset gives).

    `tags` and `regions` are lists (or querysets); `ms_keg`, `ms_ind` and `ms_var` dicts. When
    `is_statistical` is true, the BPS metadata items count too.
    """
    rows: list[tuple[str, str, bool, bool]] = [
        (item.key, str(item.label), item.required, _item_present(item, values))
        for item in CATALOGUE_ITEMS
    ]
    if values.get("is_statistical"):
        rows.extend(_bps_items(values))
    total = sum(REQUIRED_WEIGHT if required else OPTIONAL_WEIGHT for _, _, required, _ in rows)
    got = sum(
        (REQUIRED_WEIGHT if required else OPTIONAL_WEIGHT)
        for _, _, required, present in rows
        if present
    )
    score = round(100 * got / total) if total else 0
    # Never show 100 while something required is missing (rounding could otherwise do it).
    missing = [(key, label) for key, label, required, present in rows if required and not present]
    if missing and score == 100:
        score = 99
    return CompletenessResult(
        score=score,
        missing=missing,
        missing_optional=[
            (key, label) for key, label, required, present in rows if not required and not present
        ],
    )


def table_columns(dataset) -> list[str]:
    """Column names of the dataset's newest version: what its MS-Var should describe."""
    if dataset is None or not dataset.pk:
        return []
    version = dataset.versions.order_by("-number").only("table_schema").first()
    schema = getattr(version, "table_schema", None) or {}
    fields = schema.get("fields") if isinstance(schema, dict) else None
    names = [
        str(spec["name"]) for spec in fields or [] if isinstance(spec, dict) and spec.get("name")
    ]
    return names[:MS_VAR_COLUMN_FIELDS_MAX]


def dataset_values(dataset) -> dict[str, Any]:
    """The values `completeness()` reads, from a saved Dataset (uses prefetched m2m if any)."""
    values: dict[str, Any] = {
        name: getattr(dataset, name)
        for item in CATALOGUE_ITEMS
        for name in item.source_fields
        if name not in {"organisation", "topic", "tags", "regions", "modified_at"}
    }
    values["organisation"] = dataset.organisation_id
    values["topic"] = dataset.topic_id
    if dataset.pk:
        values["tags"] = [tag.name for tag in dataset.tags.all()]
        values["regions"] = [region.pk for region in dataset.regions.all()]
    values["is_statistical"] = dataset.is_statistical
    values["ms_keg"] = dataset.ms_keg
    values["ms_ind"] = dataset.ms_ind
    values["ms_var"] = dataset.ms_var
    if dataset.is_statistical:
        values["ms_var_columns"] = table_columns(dataset)
    return values


def _clean_text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValidationFailed(
            gettext("%(where)s must be text.") % {"where": where}, details={"field": where}
        )
    text = str(value).strip()
    if len(text) > BPS_VALUE_MAX_CHARS:
        raise ValidationFailed(
            gettext("%(where)s is longer than %(max)d characters.")
            % {"where": where, "max": BPS_VALUE_MAX_CHARS},
            details={"field": where},
        )
    return text


def _clean_keyed(value: Any, specs: Iterable[BpsField], name: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed(
            gettext("%(name)s must be an object of named fields.") % {"name": name},
            details={"field": name},
        )
    by_key = {spec.key: spec for spec in specs}
    unknown = sorted(set(value) - set(by_key))
    if unknown:
        raise ValidationFailed(
            gettext("%(name)s has unknown fields: %(keys)s.")
            % {"name": name, "keys": ", ".join(map(str, unknown))},
            details={"field": name, "unknown": unknown},
        )
    cleaned: dict[str, str] = {}
    for key, raw in value.items():
        spec = by_key[key]
        text = _clean_text(raw, f"{name}.{key}")
        if text and spec.choices and text not in {choice for choice, _ in spec.choices}:
            raise ValidationFailed(
                gettext("%(where)s: '%(value)s' is not one of the allowed values.")
                % {"where": f"{name}.{key}", "value": text},
                details={"field": name, "key": key},
            )
        if text:
            cleaned[key] = text
    return cleaned


def clean_bps_metadata(block: str, value: Any) -> dict:
    """Check and normalise one BPS metadata block (`ms_keg`, `ms_ind` or `ms_var`).

    Raises ValidationFailed naming the offending key; drops empty values.
    """
    if block in BPS_BLOCKS:
        return _clean_keyed(value, BPS_BLOCKS[block], block.replace("_", "-").upper())
    if block != "ms_var":
        raise ValueError(f"unknown BPS metadata block {block!r}")
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed(
            gettext("MS-Var must map each column name to its fields."), details={"field": "ms_var"}
        )
    if len(value) > MS_VAR_MAX_COLUMNS:
        raise ValidationFailed(
            gettext("MS-Var describes more than %(max)d columns.") % {"max": MS_VAR_MAX_COLUMNS},
            details={"field": "ms_var"},
        )
    cleaned: dict[str, dict[str, str]] = {}
    for column, entry in value.items():
        column_name = _clean_text(column, "MS-Var")
        if not column_name:
            raise ValidationFailed(
                gettext("MS-Var has an entry without a column name."), details={"field": "ms_var"}
            )
        fields = _clean_keyed(entry, MS_VAR_FIELDS, f"MS-Var[{column_name}]")
        if fields:
            cleaned[column_name] = fields
    return cleaned
