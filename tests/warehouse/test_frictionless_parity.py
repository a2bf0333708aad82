"""Parity with frictionless, the reference implementation of Table Schema validation.

For one broken file per error type (made here), Satu Data's report must find exactly the injected
problems, and the same (type, row, field) set as frictionless's Python API on the same file and
schema. Where the two legitimately differ, the case says so and the comparison maps it:

- frictionless v5 calls one blank header label `blank-label` (its `blank-header` is a header row
  that is blank as a whole); Satu Data uses `blank-header` for both, as the issue names it.
- Header problems have no data row: frictionless gives no row number, Satu Data the header's
  row (1); the comparison ignores the row of label problems.
- A repeated label is renamed `nama_2` by Satu Data and `nama2` by frictionless: compared by type
  and position of the label.
- An extra cell has no field: frictionless writes `""`, Satu Data `None`.
- A foreign key names its fields in `fieldNames` in frictionless (its `fieldName` is empty).
- Satu Data's region list (`wilayah`, with a level) is not a frictionless resource: frictionless
  gets a package with a `wilayah` resource holding the codes of that level, so it checks the same.
- `duplicate-row` is an extra check in frictionless (enabled here); Satu Data always runs it and
  reports it as a warning. `blank-row` is an error in frictionless and a warning in Satu Data
  (the row is left out of the data). Severity is not compared, only (type, row, field).
- Files frictionless reads with a silently guessed encoding (one line in Windows-1252 inside a
  UTF-8 file) are refused by Satu Data (`encoding-error`); the encoding case here is a file that
  neither can decode.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from frictionless import Checklist, Package, Resource, Schema, checks, validate

from satudata.warehouse.validation.files import validate_file
from satudata.warehouse.validation.references import PACKAGED_REGIONS
from tests.warehouse.validation.helpers import load_regions

FRICTIONLESS_TYPES = {
    "type-error",
    "constraint-error",
    "missing-cell",
    "extra-cell",
    "blank-row",
    "duplicate-row",
    "unique-error",
    "primary-key",
    "foreign-key",
    "encoding-error",
    "blank-label",
    "duplicate-label",
    "incorrect-label",
    "missing-label",
    "extra-label",
}
LABEL_TYPES = {"blank-label", "duplicate-label", "incorrect-label", "missing-label", "extra-label"}
# Satu Data's names for the same problem, where they differ (see the module docstring).
OUR_NAMES = {"blank-header": "blank-label"}
# Our extensions of Table Schema, unknown to frictionless.
EXTENSIONS = ("regionLevel", "codeLike", "unit", "monthName")


@dataclass
class Case:
    name: str
    data: bytes
    schema: dict[str, Any] | None
    injected: set[tuple]
    duplicate_row_check: bool = False
    region_level: str | None = None
    notes: list[str] = field(default_factory=list)


def _fields(*specs: tuple) -> dict[str, Any]:
    return {"fields": [{"name": name, "type": kind, **extra} for name, kind, extra in specs]}


BASIC = _fields(("kode", "string", {}), ("nama", "string", {}), ("jumlah", "integer", {}))

CASES = [
    Case(
        "type-error",
        b"kode,nama,jumlah\n0101,Sakti,12\n0102,Ped,dua belas\n0103,Kutampi,1.5\n0104,Batu,7\n",
        BASIC,
        {("type-error", 3, "jumlah"), ("type-error", 4, "jumlah")},
    ),
    Case(
        "constraint-error",
        b"kode,nama,jumlah,status\n"
        b"0101,Sakti,12,desa\n"
        b",Ped,5,desa\n"  # required
        b"0103,K,-1,desa\n"  # minLength, minimum
        b"0104,Batununggul yang panjang,500,kota\n"  # maxLength, maximum, enum
        b"01X5,Kutampi,3,kelurahan\n",  # pattern
        {
            "fields": [
                {
                    "name": "kode",
                    "type": "string",
                    "constraints": {"required": True, "pattern": "[0-9]{4}"},
                },
                {
                    "name": "nama",
                    "type": "string",
                    "constraints": {"minLength": 2, "maxLength": 12},
                },
                {
                    "name": "jumlah",
                    "type": "integer",
                    "constraints": {"minimum": 0, "maximum": 100},
                },
                {
                    "name": "status",
                    "type": "string",
                    "constraints": {"enum": ["desa", "kelurahan"]},
                },
            ]
        },
        {
            ("constraint-error", 3, "kode"),
            ("constraint-error", 4, "nama"),
            ("constraint-error", 4, "jumlah"),
            ("constraint-error", 5, "nama"),
            ("constraint-error", 5, "jumlah"),
            ("constraint-error", 5, "status"),
            ("constraint-error", 6, "kode"),
        },
    ),
    Case(
        "missing-cell",
        b"kode,nama,jumlah\n0101,Sakti,12\n0102\n0103,Kutampi,3\n",
        BASIC,
        {("missing-cell", 3, "nama"), ("missing-cell", 3, "jumlah")},
    ),
    Case(
        "extra-cell",
        b"kode,nama,jumlah\n0101,Sakti,12\n0102,Ped,5,lebih,lagi\n0103,Kutampi,3\n",
        BASIC,
        {("extra-cell", 3, None)},
        notes=["one item per extra cell in both; the same (type, row, field) twice is one"],
    ),
    Case(
        "blank-row",
        b"kode,nama,jumlah\n0101,Sakti,12\n,,\n0103,Kutampi,3\n,,\n",
        BASIC,
        {("blank-row", 3, None), ("blank-row", 5, None)},
    ),
    Case(
        "blank-row (empty lines)",
        b"kode,nama,jumlah\n0101,Sakti,12\n\n0103,Kutampi,tiga\n\n\n0106,Batu,x\n",
        BASIC,
        {
            ("blank-row", 3, None),
            ("type-error", 4, "jumlah"),
            ("blank-row", 5, None),
            ("blank-row", 6, None),
            ("type-error", 7, "jumlah"),
        },
        notes=["row numbers after empty lines are the lines a spreadsheet shows"],
    ),
    Case(
        "duplicate-row",
        b"kode,nama,jumlah\n0101,Sakti,12\n0102,Ped,5\n0101,Sakti,12\n0102,Ped,5\n0102,Ped,6\n",
        BASIC,
        {("duplicate-row", 4, None), ("duplicate-row", 5, None)},
        duplicate_row_check=True,
    ),
    Case(
        "unique-error",
        b"kode,nama,jumlah\n0101,Sakti,12\n0102,Ped,5\n0101,Kutampi,3\n0104,Batu,5\n",
        _fields(
            ("kode", "string", {"constraints": {"unique": True}}),
            ("nama", "string", {}),
            ("jumlah", "integer", {"constraints": {"unique": True}}),
        ),
        {("unique-error", 4, "kode"), ("unique-error", 5, "jumlah")},
    ),
    Case(
        "primary-key",
        b"kode,penyakit,kasus\n3201,CAMPAK,7\n3201,DIARE,9\n3201,CAMPAK,9\n,,4\n3202,TB,1\n",
        {
            **_fields(("kode", "string", {}), ("penyakit", "string", {}), ("kasus", "integer", {})),
            "primaryKey": ["kode", "penyakit"],
        },
        {("primary-key", 4, None), ("primary-key", 5, None)},
    ),
    Case(
        "foreign-key",
        b"kode_desa,jumlah\n51.05.01.2001,1\n51.05.01,2\n51.05.99.9999,3\n,4\n51.05.02.2001,5\n",
        {
            **_fields(("kode_desa", "string", {}), ("jumlah", "integer", {})),
            "foreignKeys": [
                {
                    "fields": ["kode_desa"],
                    "reference": {"resource": "wilayah", "fields": ["kode"], "level": "desa"},
                }
            ],
        },
        {("foreign-key", 3, "kode_desa"), ("foreign-key", 4, "kode_desa")},
        region_level="desa",
    ),
    Case(
        "encoding-error",
        b"\xff\xfek\x00o\x00\x00",  # a UTF-16 byte order mark, then an odd number of bytes
        None,
        {("encoding-error", None, None)},
    ),
    Case(
        "blank-label",
        b"kode,,jumlah\n0101,Sakti,12\n0102,Ped,5\n",
        None,
        {("blank-label", None, "field2")},
    ),
    Case(
        "duplicate-label",
        b"kode,nama,nama\n0101,Sakti,SAKTI\n0102,Ped,PED\n",
        None,
        {("duplicate-label", None, "#3")},
    ),
    Case(
        "incorrect-label",
        b"kode,name,jumlah\n0101,Sakti,12\n",
        BASIC,
        {("incorrect-label", None, "nama")},
    ),
    Case(
        "missing-label",
        b"kode,nama\n0101,Sakti\n",
        BASIC,
        {("missing-label", None, "jumlah")},
    ),
    Case(
        "extra-label",
        b"kode,nama,jumlah,catatan\n0101,Sakti,12,x\n",
        BASIC,
        {("extra-label", None, None)},
    ),
    Case(
        "a clean file",
        b"kode,nama,jumlah\n0101,Sakti,12\n0102,Ped,5\n",
        BASIC,
        set(),
    ),
]


def _label_position(item: dict[str, Any], labels: list[str]) -> str | None:
    """`#n` for a repeated label (the two tools name the renamed column differently)."""
    if item["type"] != "duplicate-label":
        return item.get("field")
    seen: set[str] = set()
    for position, label in enumerate(labels, start=1):
        if label in seen:
            return f"#{position}"
        seen.add(label)
    return None


def ours(case: Case, tmp: Path) -> set[tuple]:
    report = validate_file(case.data, filename="data.csv", schema=case.schema).report
    labels = case.data.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")
    found = set()
    for item in report["errors"] + report["warnings"]:
        kind = OUR_NAMES.get(item["type"], item["type"])
        if kind not in FRICTIONLESS_TYPES:
            continue
        row = None if kind in LABEL_TYPES else item["row"]
        found.add((kind, row, _label_position({**item, "type": kind}, labels)))
    return found


def _frictionless_schema(schema: dict[str, Any]) -> dict[str, Any]:
    descriptor = {key: value for key, value in schema.items() if key != "foreignKeys"}
    descriptor["fields"] = [
        {k: v for k, v in f.items() if k not in EXTENSIONS} for f in schema["fields"]
    ]
    keys = []
    for key in schema.get("foreignKeys", []):
        reference = {k: v for k, v in key["reference"].items() if k != "level"}
        keys.append({"fields": key["fields"], "reference": reference})
    if keys:
        descriptor["foreignKeys"] = keys
    return descriptor


def _write_region_resource(tmp: Path, level: str) -> None:
    import csv

    depth = {"provinsi": 1, "kabupaten_kota": 2, "kecamatan": 3, "desa": 4}[level]
    with gzip.open(PACKAGED_REGIONS, "rt", encoding="utf-8") as source:
        codes = [
            row["kode"] for row in csv.DictReader(source) if row["kode"].count(".") + 1 == depth
        ]
    (tmp / "wilayah.csv").write_text("kode\n" + "\n".join(codes) + "\n", encoding="utf-8")


def theirs(case: Case, tmp: Path) -> set[tuple]:
    path = tmp / "data.csv"
    path.write_bytes(case.data)
    schema = Schema.from_descriptor(_frictionless_schema(case.schema)) if case.schema else None
    checklist = Checklist(checks=[checks.duplicate_row()]) if case.duplicate_row_check else None
    if case.region_level:
        _write_region_resource(tmp, case.region_level)
        package = Package(
            resources=[
                Resource(name="data", path="data.csv", schema=schema),
                Resource(name="wilayah", path="wilayah.csv"),
            ],
            basepath=str(tmp),
        )
        report = validate(package.get_resource("data"), checklist=checklist)
    else:
        resource = Resource(path="data.csv", basepath=str(tmp), schema=schema)
        report = validate(resource, checklist=checklist) if checklist else validate(resource)
    labels = case.data.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")
    found = set()
    for error in report.tasks[0].errors if report.tasks else report.errors:
        kind = error.type
        field = getattr(error, "field_name", None) or None
        names = getattr(error, "field_names", None)
        if kind == "foreign-key" and names:
            field = ",".join(names)
        if kind in LABEL_TYPES and kind != "duplicate-label" and kind != "extra-label":
            field = field or None
        if kind == "extra-label":
            field = None
        row = None if kind in LABEL_TYPES else getattr(error, "row_number", None)
        found.add((kind, row, _label_position({"type": kind, "field": field}, labels)))
    return found


@pytest.fixture
def regions(db):
    return load_regions()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_same_problems_as_frictionless(case, regions, tmp_path):
    found = ours(case, tmp_path)
    assert found == case.injected, "Satu Data must find exactly the injected problems"
    assert theirs(case, tmp_path) == found, "frictionless finds the same (type, row, field)"
