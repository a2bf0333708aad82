"""Key checks: unique values, the primary key, and foreign keys to the Kemendagri region list
(at a level) or to the table itself."""

from __future__ import annotations

from tests.warehouse.validation.helpers import counts, found


def test_unique_values(check):
    schema = {
        "fields": [
            {"name": "nik_hash", "type": "string", "constraints": {"unique": True}},
            {"name": "urut", "type": "integer", "constraints": {"unique": True}},
        ]
    }
    report = check("nik_hash,urut\naa,1\nbb,2\naa,3\ncc,02\n,4\n,5\n", schema)
    # `02` and `2` are the same integer; empty cells are not values.
    assert found(report) == [("unique-error", 4, "nik_hash"), ("unique-error", 5, "urut")]
    assert [i["params"]["first"] for i in report["errors"]] == [2, 3]
    assert report["errors"][0]["message"] == (
        "Row 4, column “nik_hash”: “aa” is already in row 2; every value must be different."
    )


PK_SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string"},
        {"name": "penyakit", "type": "string"},
        {"name": "kasus", "type": "integer"},
    ],
    "primaryKey": ["kode", "penyakit"],
}


def test_primary_key_repeats_and_empty_keys(check):
    report = check(
        "kode,penyakit,kasus\n"
        "3201,CAMPAK,7\n"
        "3201,DIARE,10\n"
        "3201,CAMPAK,9\n"  # row 4 repeats row 2 (the Kab. Bogor sample defect)
        ",,5\n"  # row 5: no key at all
        "3202,,1\n"  # row 6: part of the key is enough
        "3202,,2\n",  # row 7 repeats row 6
        PK_SCHEMA,
    )
    assert found(report) == [
        ("primary-key", 4, None),
        ("primary-key", 5, None),
        ("primary-key", 7, None),
    ]
    first, empty, _third = report["errors"]
    assert first["params"]["values"] == ["3201", "CAMPAK"] and first["params"]["first"] == 2
    assert first["message"] == (
        "Row 4: the key (kode, penyakit = 3201, CAMPAK) is already used in row 2."
    )
    assert empty["params"]["empty"] is True


def test_unique_primary_key_means_no_row_can_repeat(check):
    report = check("kode,penyakit,kasus\n3201,CAMPAK,7\n3201,DIARE,7\n", PK_SCHEMA)
    assert report["valid"] and report["warnings"] == []


def _desa_schema(level: str | None = "desa", *, on_field: bool = False) -> dict:
    field = {"name": "kode_desa", "type": "string"}
    schema = {"fields": [field, {"name": "jumlah", "type": "integer"}]}
    if on_field:
        field["regionLevel"] = level
    else:
        reference = {"resource": "wilayah", "fields": ["kode"]}
        if level:
            reference["level"] = level
        schema["foreignKeys"] = [{"fields": ["kode_desa"], "reference": reference}]
    return schema


FK_CSV = (
    "kode_desa,jumlah\n"
    "51.05.01.2001,1\n"  # Sakti: fine
    "51.05.01,2\n"  # a kecamatan code where a desa is expected
    "5105012002,3\n"  # undotted desa code
    "51.05.99.9999,4\n"  # no such region
    ",5\n"  # empty: not a reference
    "51.05.01.2001,6\n"
)


def test_region_foreign_key_at_a_level(check, regions):
    report = check(FK_CSV, _desa_schema("desa"))
    assert found(report) == [
        ("foreign-key", 3, "kode_desa"),
        ("foreign-key", 4, "kode_desa"),
        ("foreign-key", 5, "kode_desa"),
    ]
    wrong_level, undotted, unknown = (i["message"] for i in report["errors"])
    assert wrong_level == (
        "Row 3, column “kode_desa”: “51.05.01” is not a village (desa) code in the Kemendagri"
        " region list. It is the code of the district (kecamatan) Nusa Penida."
    )
    assert undotted.endswith("Write it as 51.05.01.2002.")
    assert unknown == (
        "Row 5, column “kode_desa”: “51.05.99.9999” is not a village (desa) code in the"
        " Kemendagri region list."
    )


def test_region_level_on_the_field_means_the_same_foreign_key(check, regions):
    declared = check(FK_CSV, _desa_schema("desa"))
    on_field = check(FK_CSV, _desa_schema("desa", on_field=True))
    assert found(on_field) == found(declared)


def test_region_foreign_key_without_level_accepts_any_level(check, regions):
    report = check(FK_CSV, _desa_schema(None))
    assert found(report) == [("foreign-key", 4, "kode_desa"), ("foreign-key", 5, "kode_desa")]


def test_foreign_key_to_the_table_itself(check):
    schema = {
        "fields": [
            {"name": "kode", "type": "string"},
            {"name": "induk", "type": "string"},
        ],
        "foreignKeys": [{"fields": "induk", "reference": {"resource": "", "fields": "kode"}}],
    }
    report = check("kode,induk\n51,\n51.05,51\n51.05.01,51.05\n51.05.02,51.06\n", schema)
    assert found(report) == [("foreign-key", 5, "induk")]


def test_a_schema_with_an_unknown_reference_list_is_refused(check):
    schema = {
        "fields": [{"name": "kbli", "type": "string"}],
        "foreignKeys": [{"fields": "kbli", "reference": {"resource": "kbli", "fields": "kode"}}],
    }
    report = check("kbli\n01111\n", schema)
    assert found(report) == [("schema-error", None, None)]
    assert "“kbli” is unknown" in report["errors"][0]["message"]


def test_many_bad_codes_are_all_counted(check, regions, settings):
    settings.SATUDATA_VALIDATION_LISTED_PER_TYPE = 3
    rows = "".join(f"51.05.01.{9000 + i},1\n" for i in range(50))
    report = check("kode_desa,jumlah\n" + rows, _desa_schema("desa"))
    assert counts(report) == {"foreign-key": 50} and len(report["errors"]) == 3
