"""Cell checks: every type's strict reading and every constraint, found in one scan, counted
exactly and listed with row, field, cell and a message."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from satudata.warehouse.validation import vocabulary
from tests.warehouse.validation.helpers import counts, found


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def schema(*fields, **extra) -> dict:
    return {"fields": [dict(f) for f in fields], **extra}


def field(name: str, kind: str = "string", **props) -> dict:
    return {"name": name, "type": kind, **props}


@pytest.mark.parametrize(
    ("kind", "props", "good", "bad"),
    [
        ("integer", {}, ["1", "-7", " 42 ", "+3"], ["1.5", "1.0", "1e3", "0x10", "satu", "1_000"]),
        ("number", {}, ["1.5", "-2", "1e3", ".5", "NaN"], ["1,5", "0x10", "12a"]),
        (
            "number",
            {"decimalChar": ",", "groupChar": "."},
            ["1.234,5", "12,5", "7"],
            ["1.234.5x", "1,2,3"],
        ),
        ("integer", {"groupChar": "."}, ["1.234.567", "12"], ["1,5", "1.2a"]),
        ("integer", {"bareNumber": False}, ["Rp 1500", "5%"], ["Rp", "lima"]),
        ("year", {}, ["2024", "1999"], ["24", "20a4", "2024.0", "12345"]),
        ("date", {}, ["2024-01-31"], ["31/01/2024", "2024-02-30", "kemarin"]),
        ("date", {"format": "%d/%m/%Y"}, ["31/01/2024"], ["2024-01-31", "32/01/2024"]),
        ("boolean", {}, ["true", "FALSE", "1", "0"], ["ya", "yes", "benar"]),
        ("boolean", {"trueValues": ["ya"], "falseValues": ["tidak"]}, ["ya", "tidak"], ["true"]),
        ("string", {"format": "email"}, ["dinkes@klungkungkab.go.id"], ["dinkes.at.klungkung"]),
        ("yearmonth", {}, ["2024-01"], ["2024-13", "Jan 2024"]),
        ("object", {}, ['{"a": 1}'], ["[1]", "{a:1}"]),
    ],
)
def test_type_errors_for_every_type(check, kind, props, good, bad):
    values = good + bad
    report = check(
        csv_text(["nilai"], [[v] for v in values]), schema(field("nilai", kind, **props))
    )
    bad_rows = list(range(2 + len(good), 2 + len(values)))
    assert found(report) == [("type-error", row, "nilai") for row in bad_rows]
    assert [item["cell"] for item in report["errors"]] == bad
    assert report["stats"]["errors"] == len(bad) and report["valid"] is False


def test_missing_values_of_the_schema_and_of_a_field(check):
    csv = "a,b\n1,2\n-,n/a\n3,-\nx,4\n"
    report = check(
        csv,
        schema(
            field("a", "integer"),
            field("b", "integer", missingValues=["n/a", "-"]),
            missingValues=["", "-"],
        ),
    )
    assert found(report) == [("type-error", 5, "a")]


CONSTRAINTS = schema(
    field("kode", constraints={"required": True, "pattern": "[0-9]{2}\\.[0-9]{2}"}),
    field("nama", constraints={"minLength": 3, "maxLength": 10}),
    field("jumlah", "integer", constraints={"minimum": 0, "maximum": 100}),
    field("rasio", "number", constraints={"exclusiveMinimum": 0, "exclusiveMaximum": 1}),
    field("status", constraints={"enum": ["desa", "kelurahan"]}),
    field("tanggal", "date", constraints={"minimum": "2020-01-01"}),
)


def test_every_constraint(check):
    csv = (
        "kode,nama,jumlah,rasio,status,tanggal\n"
        "51.05,Sakti,10,0.5,desa,2024-01-01\n"  # row 2: fine
        ",Ped,10,0.5,desa,2024-01-01\n"  # row 3: required
        "5105,Ab,101,1,kota,2019-12-31\n"  # row 4: pattern, minLength, maximum, excl., enum, min
        "51.05,Sebelas huruf,-1,0,kelurahan,2024-01-01\n"  # row 5: maxLength, minimum, excl. min
        "51.05,Kutampi,x,0.5,desa,2024-01-01\n"  # row 6: a type error is not checked further
    )
    report = check(csv, CONSTRAINTS)
    assert found(report) == [
        ("constraint-error", 3, "kode"),
        ("constraint-error", 4, "jumlah"),
        ("constraint-error", 4, "kode"),
        ("constraint-error", 4, "nama"),
        ("constraint-error", 4, "rasio"),
        ("constraint-error", 4, "status"),
        ("constraint-error", 4, "tanggal"),
        ("constraint-error", 5, "jumlah"),
        ("constraint-error", 5, "nama"),
        ("constraint-error", 5, "rasio"),
        ("type-error", 6, "jumlah"),
    ]
    by_cell = {(i["row"], i["field"]): i["params"]["constraint"] for i in report["errors"][:10]}
    assert by_cell[(3, "kode")] == "required"
    assert by_cell[(4, "kode")] == "pattern"
    assert by_cell[(4, "nama")] == "minLength"
    assert by_cell[(4, "jumlah")] == "maximum"
    assert by_cell[(4, "rasio")] == "exclusiveMaximum"
    assert by_cell[(4, "status")] == "enum"
    assert by_cell[(4, "tanggal")] == "minimum"
    assert by_cell[(5, "nama")] == "maxLength"
    assert by_cell[(5, "jumlah")] == "minimum"
    assert by_cell[(5, "rasio")] == "exclusiveMinimum"


def test_messages_say_where_and_what(check):
    report = check(
        "kode,jumlah\n51.05,12\n51.06,dua belas\n51.07,-4\n",
        schema(field("kode"), field("jumlah", "integer", constraints={"minimum": 0})),
    )
    assert [i["message"] for i in report["errors"]] == [
        "Row 3, column “jumlah”: “dua belas” is not a whole number.",
        "Row 4, column “jumlah”: -4 is less than the minimum 0.",
    ]


def test_messages_are_shown_again_in_the_readers_language(check):
    report = check("jumlah\n1\nx\n", schema(field("jumlah", "integer")))
    item = report["errors"][0]
    assert vocabulary.render(item) == "Row 3, column “jumlah”: “x” is not a whole number."
    with translation.override("id"):
        indonesian = vocabulary.render(item)
    if indonesian == item["message"]:
        pytest.skip("the Indonesian catalogue has not been compiled with this msgid yet")
    assert "jumlah" in indonesian and "“x”" in indonesian


def test_all_problems_are_counted_but_only_the_first_of_each_type_listed(check, settings):
    settings.SATUDATA_VALIDATION_LISTED_PER_TYPE = 5
    csv = "a,b\n" + "".join(f"x{i},{'y' if i % 2 else 1}\n" for i in range(40))
    report = check(csv, schema(field("a", "integer"), field("b", "integer")))
    assert counts(report) == {"type-error": 40 + 20}
    assert report["stats"]["errors"] == 60
    assert len(report["errors"]) == 5
    # Listed in file order: rows 2, 3 (a), 3 (b), 4, 5.
    assert found(report)[:4] == [
        ("type-error", 2, "a"),
        ("type-error", 3, "a"),
        ("type-error", 3, "b"),
        ("type-error", 4, "a"),
    ]


def test_a_clean_file_against_its_schema_is_valid(check):
    report = check(
        "kode,jumlah\n51.05,12\n51.06,7\n", schema(field("kode"), field("jumlah", "integer"))
    )
    assert report["valid"] is True and report["errors"] == [] and report["schema"] == "given"


def test_a_workbook_is_checked_the_same_way_with_its_row_numbers(check):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["kode", "jumlah"])
    sheet.append(["0101", 12])
    sheet.append(["0102", "dua belas"])
    sheet.append([None, None])
    sheet.append(["0104", -3])
    out = io.BytesIO()
    workbook.save(out)
    report = check(
        out.getvalue(),
        schema(field("kode"), field("jumlah", "integer", constraints={"minimum": 0})),
        filename="data.xlsx",
    )
    assert found(report) == [("type-error", 3, "jumlah"), ("constraint-error", 5, "jumlah")]
    assert found(report, "warnings") == [("blank-row", 4, None)]
