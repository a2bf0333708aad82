"""catalog.metadata: the standard field list, the completeness score and BPS metadata checks."""

from __future__ import annotations

import pytest

from satudata.catalog.metadata import (
    CATALOGUE_ITEMS,
    MS_IND_FIELDS,
    MS_KEG_FIELDS,
    clean_bps_metadata,
    completeness,
)
from satudata.core.errors import ValidationFailed

FULL = {
    "title": "Jumlah Penduduk",
    "organisation": 1,
    "frequency": "tahunan",
    "data_source": "Disdukcapil",
    "collection_method": "kompilasi_administrasi",
    "reference_codes": "Kode wilayah Kemendagri",
    "release_date": "2024-01-31",
    "description": "Penduduk per kecamatan.",
    "topic": 3,
    "licence": "cc-by-4.0",
    "classification": "publik",
    "regions": ["51.05"],
    "temporal_start": 2020,
    "temporal_end": 2023,
    "contact_name": "Petugas",
    "unit": "jiwa",
    "presentation_level": "kecamatan",
    "tags": ["penduduk"],
    "collection_method_detail": "Rekap SIAK",
}


def missing_keys(values) -> set[str]:
    return {key for key, _label in completeness(values).missing}


def test_the_eight_seed_fields_are_declared_and_required():
    seed = [item for item in CATALOGUE_ITEMS if item.standard == "seed"]
    assert [item.key for item in seed] == [
        "title",
        "organisation",
        "frequency",
        "data_source",
        "collection_method",
        "reference_codes",
        "release_date",
        "modified_at",
    ]
    assert all(item.required for item in seed)


def test_everything_filled_scores_100_with_nothing_missing():
    result = completeness(FULL)
    assert result.score == 100
    assert result.missing == []
    assert result.missing_optional == []
    assert result.is_complete


def test_empty_form_scores_low_and_lists_required_fields_by_label():
    result = completeness({})
    # Only the automatic "last modified" counts: 3 of the total weight.
    assert 0 < result.score < 10
    labels = [label for _key, label in result.missing]
    assert "Dataset name" in labels
    assert "Data source" in labels
    assert "Last modified date" not in labels  # filled by the system on save


def test_blank_strings_and_empty_lists_count_as_missing():
    values = {**FULL, "data_source": "   ", "regions": [], "temporal_end": None}
    assert missing_keys(values) == {"data_source", "regions", "temporal"}
    assert completeness(values).score < 100


def test_optional_fields_lower_the_score_but_are_not_listed_as_missing():
    values = {**FULL, "unit": "", "tags": []}
    result = completeness(values)
    assert result.missing == []
    assert {key for key, _ in result.missing_optional} == {"unit", "tags"}
    assert 90 <= result.score < 100


def test_contact_is_satisfied_by_name_or_email():
    values = {**FULL, "contact_name": ""}
    assert "contact" in missing_keys(values)
    assert "contact" not in missing_keys({**values, "contact_email": "a@b.id"})


def test_statistical_dataset_needs_bps_metadata():
    values = {**FULL, "is_statistical": True}
    result = completeness(values)
    assert result.score < 100
    keys = {key for key, _ in result.missing}
    assert "ms_keg.judul_kegiatan" in keys
    assert "ms_ind.definisi" in keys
    assert "ms_var" in keys
    labels = [label for _key, label in result.missing]
    assert any(label.startswith("MS-Keg: ") for label in labels)


def test_statistical_dataset_with_required_bps_fields_is_complete():
    ms_keg = {spec.key: "isi" for spec in MS_KEG_FIELDS if spec.required}
    ms_ind = {spec.key: "isi" for spec in MS_IND_FIELDS if spec.required}
    values = {
        **FULL,
        "is_statistical": True,
        "ms_keg": ms_keg,
        "ms_ind": ms_ind,
        "ms_var": {"jumlah": {"definisi": "Jumlah penduduk"}},
    }
    result = completeness(values)
    assert result.missing == []
    assert result.score < 100  # optional BPS fields still open
    # A column without a definition is not enough.
    values["ms_var"]["kode"] = {"alias": "kd"}
    assert "ms_var" in missing_keys(values)


def test_score_is_never_100_while_something_required_is_missing():
    values = {**FULL, "is_statistical": True}
    values["ms_keg"] = {spec.key: "x" for spec in MS_KEG_FIELDS}
    values["ms_ind"] = {spec.key: "x" for spec in MS_IND_FIELDS}
    values["ms_var"] = {}
    result = completeness(values)
    assert result.missing and result.score < 100


def test_clean_bps_metadata_refuses_unknown_keys_and_bad_choices():
    with pytest.raises(ValidationFailed, match="unknown fields: warna"):
        clean_bps_metadata("ms_keg", {"judul_kegiatan": "Survei", "warna": "merah"})
    with pytest.raises(ValidationFailed, match="not one of the allowed values"):
        clean_bps_metadata("ms_keg", {"jenis_statistik": "rahasia"})
    with pytest.raises(ValidationFailed, match="object"):
        clean_bps_metadata("ms_ind", ["nama_indikator"])
    with pytest.raises(ValidationFailed, match="MS-Var"):
        clean_bps_metadata("ms_var", {"kolom": {"definisi": "x", "bukan": "y"}})
    with pytest.raises(ValidationFailed, match="longer than"):
        clean_bps_metadata("ms_ind", {"konsep": "x" * 5000})


def test_clean_bps_metadata_trims_and_drops_empty_values():
    assert clean_bps_metadata("ms_ind", {"konsep": "  K  ", "definisi": ""}) == {"konsep": "K"}
    assert clean_bps_metadata("ms_var", {"a": {"definisi": " d "}, "b": {"alias": ""}}) == {
        "a": {"definisi": "d"}
    }
    assert clean_bps_metadata("ms_keg", None) == {}


def test_known_table_columns_each_need_a_definition():
    ms_keg = {spec.key: "isi" for spec in MS_KEG_FIELDS if spec.required}
    ms_ind = {spec.key: "isi" for spec in MS_IND_FIELDS if spec.required}
    values = {
        **FULL,
        "is_statistical": True,
        "ms_keg": ms_keg,
        "ms_ind": ms_ind,
        "ms_var": {"kode": {"definisi": "Kode desa"}},
        "ms_var_columns": ["kode", "jumlah"],
    }
    assert "ms_var" in missing_keys(values)
    values["ms_var"]["jumlah"] = {"definisi": "Jumlah"}
    assert "ms_var" not in missing_keys(values)
