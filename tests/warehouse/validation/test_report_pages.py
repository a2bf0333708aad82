"""The report page, its JSON and the "rows to fix" downloads: who may see them, grouping,
highlighting, filters, formula escaping, and acknowledging warnings through the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from satudata.core.permissions import SYSTEM
from satudata.warehouse.services import publish_version

SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string"},
        {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "catatan", "type": "string"},
    ]
}
DATA = (
    "kode,jumlah,catatan\n"
    "A,1,ok\n"
    'B,dua,=HYPERLINK("http://x")\n'  # row 3: type error, a formula in the row
    "C,-5,baik \n"  # row 4: constraint error and a padded value
    "D,4,\n"
)


def url(name: str, version, *extra) -> str:
    return reverse(f"warehouse:{name}", args=[version.dataset.slug, version.number, *extra])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def draft(upload):
    return upload(DATA, SCHEMA)


@pytest.mark.parametrize("role", ["produsen_own", "walidata", "admin"])
def test_those_who_may_see_the_draft_see_its_report(client_for, draft, role):
    response = client_for(role).get(url("report", draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Validation report, version 1" in html
    assert "Wrong type" in html and "Rule not met" in html and "Spaces around a value" in html
    assert "Row 3, column “jumlah”: “dua” is not a whole number." in html
    assert 'class="report-cell report-cell--error"' in html
    assert 'class="report-cell report-cell--warning"' in html


@pytest.mark.parametrize("role", ["anonymous", "produsen_other", "user"])
def test_a_hidden_draft_report_answers_404(client_for, draft, role):
    for name, extra in (("report", ()), ("report_json", ()), ("report_rows", ("csv",))):
        assert client_for(role).get(url(name, draft, *extra)).status_code == 404


def test_the_public_sees_the_report_of_a_published_version(client_for, upload):
    version = upload("kode,jumlah,catatan\nA,1,ok \nB,2,x\n", SCHEMA)
    publish_version(SYSTEM, version, acknowledge_warnings=True)
    client = client_for("anonymous")
    response = client.get(url("report", version))
    assert response.status_code == 200
    assert "the 1 warning was acknowledged" in response.content.decode()
    assert client.get(url("report_json", version)).json()["warnings_acknowledged"] is True


def test_filters_by_type_and_column(client_for, draft):
    client = client_for("produsen_own")
    html = client.get(url("report", draft), {"jenis": "constraint-error"}).content.decode()
    assert "1 row with problems" in html and ">4</th>" in html and ">3</th>" not in html
    html = client.get(url("report", draft), {"kolom": "catatan"}).content.decode()
    assert "1 row with problems" in html and ">4</th>" in html
    # Unknown filter values are ignored, not an error.
    assert client.get(url("report", draft), {"jenis": "x' OR 1=1"}).status_code == 200


def test_report_json_has_counts_and_messages(client_for, draft):
    data = client_for("produsen_own").get(url("report_json", draft)).json()
    assert data["valid"] is False and data["version"] == 1
    assert data["stats"]["errors"] == 2 and data["stats"]["warnings"] == 1
    assert data["types"]["type-error"] == {
        "severity": "error",
        "count": 1,
        "title": "Wrong type",
        "explanation": data["types"]["type-error"]["explanation"],
    }
    assert [e["row"] for e in data["errors"]] == [3, 4]
    assert data["errors"][0]["message"] == "Row 3, column “jumlah”: “dua” is not a whole number."


def test_rows_to_fix_as_csv(client_for, draft):
    response = client_for("produsen_own").get(url("report_rows", draft, "csv"))
    assert response.status_code == 200
    assert 'filename="' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0] == ["Row", "kode", "jumlah", "catatan", "Problems"]
    assert rows[1] == ["3", "B", "dua", '\'=HYPERLINK("http://x")', "Wrong type (jumlah)"]
    assert rows[2][:4] == ["4", "C", "-5", "baik "]  # a plain number is no formula
    assert set(rows[2][4].split("; ")) == {
        "Rule not met (jumlah)",
        "Spaces around a value (catatan)",
    }
    only_errors = client_for("produsen_own").get(
        url("report_rows", draft, "csv"), {"tingkat": "warning"}
    )
    assert len(list(csv.reader(io.StringIO(body(only_errors).decode("utf-8-sig"))))) == 2


def test_rows_to_fix_as_xlsx(client_for, draft):
    response = client_for("produsen_own").get(url("report_rows", draft, "xlsx"))
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Row", "kode", "jumlah", "catatan", "Problems")
    assert rows[1][:4] == (3, "B", "dua", '\'=HYPERLINK("http://x")')
    assert sheet["D2"].data_type == "s"


def test_unknown_download_format(client_for, draft):
    assert client_for("produsen_own").get(url("report_rows", draft, "exe")).status_code == 404


def test_walidata_acknowledges_warnings_on_the_page(client_for, upload):
    version = upload("kode,jumlah,catatan\nA,1,ok \n", SCHEMA)
    produsen = client_for("produsen_own")
    page = produsen.get(url("report", version)).content.decode()
    assert "I have read the 1 warning" not in page  # a produsen cannot acknowledge
    assert produsen.post(url("acknowledge_warnings", version)).status_code == 403
    walidata = client_for("walidata")
    assert (
        "I have read the 1 warning: acknowledge it"
        in walidata.get(url("report", version)).content.decode()
    )
    response = walidata.post(url("acknowledge_warnings", version))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.warnings_acknowledged_at is not None
    assert "I have read the 1 warning" not in walidata.get(url("report", version)).content.decode()
    assert client_for("anonymous").post(url("acknowledge_warnings", version)).status_code in (
        302,
        404,
    )


def test_rows_to_fix_escape_formulas_but_not_plain_numbers():
    from satudata.warehouse.validation.pages import _escaped

    assert _escaped("-5") == "-5" and _escaped("+62") == "+62" and _escaped("1.234,5") == "1.234,5"
    assert _escaped("-2+3") == "'-2+3"
    assert _escaped("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _escaped("@SUM(A1)") == "'@SUM(A1)"
    assert _escaped("-") == "-"
