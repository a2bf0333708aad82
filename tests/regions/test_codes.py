"""Region code rules: format per level, the undotted form, validation messages, hostile input."""

from __future__ import annotations

import pytest
from django.utils import translation

from satudata.core.errors import ValidationFailed
from satudata.regions.codes import (
    ancestor_codes,
    code_depth,
    is_region_code,
    level_from_code,
    normalise_region_code,
    parent_code,
    validate_region_code,
)
from satudata.regions.models import Region


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("51", "51"),
        ("51.05", "51.05"),
        ("51.05.01", "51.05.01"),
        ("51.05.01.2001", "51.05.01.2001"),
        ("51.10", "51.10"),  # a regency code, not the number 51.1
        (" 51.05 ", "51.05"),
        ("\t51.05.01\n", "51.05.01"),
        ("\u00a051.05\u00a0", "51.05"),  # no-break spaces pasted from a web page
        ("5105", "51.05"),
        ("510501", "51.05.01"),
        ("5105012001", "51.05.01.2001"),
        ("0101", "01.01"),  # leading zeros are kept
    ],
)
def test_normalise_accepts_dotted_and_undotted_codes(value, expected):
    assert normalise_region_code(value) == expected


def test_51_10_and_51_1_are_different():
    assert normalise_region_code("51.10") == "51.10"
    with pytest.raises(ValidationFailed) as caught:
        normalise_region_code("51.1")
    assert "part 2 ('1') must have exactly 2 digits" in caught.value.message
    assert caught.value.details["reason"] == "segment-width"


@pytest.mark.parametrize(
    ("value", "reason", "words"),
    [
        ("", "empty", "Enter a region code"),
        ("   ", "empty", "Enter a region code"),
        ("51.", "format", "is not a valid Kemendagri region code"),
        (".51", "format", "is not a valid Kemendagri region code"),
        ("51..05", "format", "is not a valid Kemendagri region code"),
        ("51.05.01.2001.1", "too-long", "too long"),
        ("51.05.01.01.01", "too-long", "too long"),
        ("1.2.3.4", "segment-width", "part 1 ('1') must have exactly 2 digits"),
        ("51.05.01.201", "segment-width", "part 4 ('201') must have exactly 4 digits"),
        ("51.5", "segment-width", "part 2 ('5') must have exactly 2 digits"),
        ("51,05", "characters", "cannot appear in a region code"),
        ("51-05", "characters", "cannot appear in a region code"),
        ("51 05", "characters", "cannot appear in a region code"),
        ("-51", "characters", "cannot appear in a region code"),
        ("51050", "format", "is not a valid Kemendagri region code"),
        ("3273180", "bps-code", "looks like a BPS code"),
    ],
)
def test_malformed_codes_say_what_is_wrong(value, reason, words):
    with pytest.raises(ValidationFailed) as caught:
        normalise_region_code(value)
    error = caught.value
    assert error.code == "invalid-region-code"
    assert error.details["reason"] == reason
    assert words in error.message
    if reason != "bps-code":
        assert "PP.KK.CC.DDDD" in error.message  # every format error shows the format


HOSTILE = [
    "' OR 1=1 --",
    "51'; DROP TABLE regions_region; --",
    "51.05; DROP TABLE x",
    "51.05\x00",
    "\x00",
    "51\n05",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%35%31",
    "\uff15\uff11.\uff10\uff15",  # full-width digits
    "\u0665\u0661.\u0660\u0665",  # Arabic-Indic digits
    "51.05\u200b",  # zero-width space
    "\U0001d7d3\U0001d7cf",  # mathematical bold digits
    "51" * 5000,
    "9" * 100_000,
    "51.05" + "\u0301" * 10,  # combining accents
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_gets_a_clear_short_message(value):
    with pytest.raises(ValidationFailed) as caught:
        normalise_region_code(value)
    message = caught.value.message
    assert caught.value.code == "invalid-region-code"
    assert "PP.KK" in message
    assert len(message) < 400, "a long input must not be echoed whole"
    assert "\x00" not in message and "\n" not in message


@pytest.mark.parametrize("value", [51.05, 5105, None, b"51.05", ["51"], 51.10])
def test_non_text_is_refused(value):
    with pytest.raises(ValidationFailed) as caught:
        normalise_region_code(value)
    assert caught.value.details["reason"] == "not-text"
    assert "51.10 would become 51.1" in caught.value.message


def test_messages_are_in_indonesian_by_default():
    with translation.override("id"), pytest.raises(ValidationFailed) as caught:
        normalise_region_code("51.1")
    assert caught.value.message.startswith("'51.1' bukan kode wilayah yang sah")
    assert "harus terdiri atas tepat 2 digit" in caught.value.message


def test_code_helpers():
    assert code_depth("51.05.01.2001") == 4
    assert parent_code("51.05.01") == "51.05"
    assert parent_code("51") is None
    assert ancestor_codes("51.05.01.2001") == ["51", "51.05", "51.05.01"]
    assert is_region_code("51.05") and not is_region_code("5105") and not is_region_code(51)
    assert [level_from_code(c) for c in ("51", "51.05", "51.71", "51.05.01")] == [
        "provinsi",
        "kabupaten",
        "kota",
        "kecamatan",
    ]
    assert [level_from_code(c) for c in ("51.71.01.1001", "51.05.01.2001", "91.03.01.3001")] == [
        "kelurahan",
        "desa",
        "desa_adat",
    ]


def test_malformed_codes_never_reach_the_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        for value in ["51.1", "' OR 1=1 --", "x" * 1000, "51.05\x00"]:
            with pytest.raises(ValidationFailed):
                validate_region_code(value)


@pytest.mark.django_db
class TestValidateRegionCode:
    def test_returns_the_stored_region(self, klungkung):
        region = validate_region_code("5105012001")
        assert isinstance(region, Region) and region.pk == "51.05.01.2001"
        assert region.name == "Sakti"

    def test_unknown_code(self, klungkung):
        with pytest.raises(ValidationFailed) as caught:
            validate_region_code("51.10")
        assert caught.value.code == "unknown-region"
        assert caught.value.message == "'51.10' is not a known Kemendagri region code."

    @pytest.mark.parametrize(
        ("code", "level", "words"),
        [
            ("51.05", "kecamatan", "'51.05' is the code of a regency or city (kabupaten/kota)"),
            ("51.05.01", "desa", "the code of a village (desa/kelurahan) (PP.KK.CC.DDDD)"),
            ("51.05.01.2001", "provinsi", "the code of a province (provinsi) (PP) is needed"),
        ],
    )
    def test_wrong_level(self, klungkung, code, level, words):
        with pytest.raises(ValidationFailed) as caught:
            validate_region_code(code, level=level)
        assert caught.value.code == "wrong-region-level"
        assert words in caught.value.message

    @pytest.mark.parametrize(
        ("code", "level"),
        [
            ("51.05", "kabupaten"),
            ("51.05", "kabupaten_kota"),
            ("51.05.01.2001", "desa"),
            ("51.05.01.2001", "kelurahan"),  # compared by depth: desa and kelurahan are peers
            ("51", "provinsi"),
        ],
    )
    def test_right_level(self, klungkung, code, level):
        assert validate_region_code(code, level=level).code == code

    def test_unknown_level_name_is_a_programming_error(self, klungkung):
        with pytest.raises(ValueError, match="unknown region level"):
            validate_region_code("51.05", level="dusun")

    def test_must_exist_false_gives_an_unsaved_region(self, klungkung):
        region = validate_region_code("51.71.01.1001", must_exist=False)
        assert region._state.adding
        assert (region.code, region.level, region.depth, region.parent_id) == (
            "51.71.01.1001",
            "kelurahan",
            4,
            "51.71.01",
        )
        assert not Region.objects.filter(code="51.71.01.1001").exists()
        with pytest.raises(ValidationFailed):
            validate_region_code("51.1", must_exist=False)  # format is still checked
