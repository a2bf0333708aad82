"""Schema review after upload: edit in a form, export/import Table Schema JSON, reuse the previous
version's schema; every change is a new draft version read again from the kept raw file."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from satudata.core.errors import ValidationFailed
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import IngestJob, Version
from satudata.warehouse.schema import normalise_schema, schema_from_upload
from satudata.warehouse.services import ingest_upload, rederive_version
from tests.warehouse.formats.helpers import field, rows_of, types_of

CSV = b"kode_desa,nama,jumlah,tahun\n51.05.01.2001,Sakti,12,2023\n51.05.01.2002,Ped,7,2023\n"


@pytest.fixture
def version(dataset):
    return ingest_upload(SYSTEM, dataset, filename="desa.csv", data=CSV).version


def edit_url(version) -> str:
    return reverse("warehouse:schema_edit", args=[version.dataset.slug, version.number])


def form_data(version, **changes) -> dict:
    data = {}
    for index, item in enumerate(version.table_schema["fields"]):
        data[f"f{index}_type"] = item["type"]
    data.update(changes)
    return data


def test_editing_the_schema_makes_a_new_draft_from_the_raw_file(client_for, version):
    client = client_for("produsen_own")
    page = client.get(edit_url(version))
    assert page.status_code == 200 and "kode_desa" in page.content.decode()
    data = form_data(
        version,
        f0_region_level="desa",
        f1_title="Nama desa",
        f2_type="number",
        f2_unit="orang",
        f2_minimum="0",
        f2_required="on",
        primary_key=["kode_desa", "tahun"],
        message="skema ditinjau",
    )
    response = client.post(edit_url(version), data)
    assert response.status_code == 302
    job = IngestJob.objects.get(kind="reread")
    assert response["Location"] == reverse("warehouse:job", args=[version.dataset.slug, job.pk])
    assert job.status == "done" and job.created_version
    new = Version.objects.get(pk=job.version_id)
    assert new.number == 2 and new.status == "draft" and new.raw_sha256 == version.raw_sha256
    assert new.message == "skema ditinjau"
    assert field(new, "kode_desa")["regionLevel"] == "desa"
    assert field(new, "nama")["title"] == "Nama desa"
    jumlah = field(new, "jumlah")
    assert jumlah["type"] == "number" and jumlah["unit"] == "orang"
    assert jumlah["constraints"] == {"required": True, "minimum": 0}
    assert new.table_schema["primaryKey"] == ["kode_desa", "tahun"]
    assert rows_of(new)[0]["jumlah"] == 12.0
    version.refresh_from_db()
    assert types_of(version)["jumlah"] == "integer", "the old version never changes"


def test_schema_download_and_import(client_for, version):
    client = client_for("produsen_own")
    url = reverse("warehouse:schema_download", args=[version.dataset.slug, version.number])
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    schema = json.loads(response.content)
    assert [f["name"] for f in schema["fields"]] == ["kode_desa", "nama", "jumlah", "tahun"]
    schema["fields"][2]["description"] = "Jumlah penduduk"
    upload = io.BytesIO(json.dumps(schema).encode())
    upload.name = "skema.json"
    response = client.post(
        reverse("warehouse:schema_import", args=[version.dataset.slug, version.number]),
        {"schema_file": upload, "message": "impor"},
    )
    assert response.status_code == 302
    new = version.dataset.versions.order_by("-number").first()
    assert new.number == 2 and field(new, "jumlah")["description"] == "Jumlah penduduk"


def test_a_bad_schema_file_gets_a_clear_message(client_for, version):
    client = client_for("produsen_own")
    url = reverse("warehouse:schema_import", args=[version.dataset.slug, version.number])
    for content, words in (
        (b"{not json", "not valid JSON"),
        (b'{"fields": [{"name": "a", "type": "angka"}]}', "“angka” is not a Table Schema type"),
        (b'{"fields": [{"name": "x"}]}', "the schema expects “x”"),
    ):
        upload = io.BytesIO(content)
        upload.name = "s.json"
        response = client.post(url, {"schema_file": upload})
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert words in response.content.decode()
        else:
            job = IngestJob.objects.order_by("-pk").first()
            assert job.status == "failed" and words in job.error
    assert version.dataset.versions.count() == 1


def test_schema_checks():
    with pytest.raises(ValidationFailed) as caught:
        normalise_schema(
            {
                "fields": [
                    {"name": "a", "type": "integer", "constraints": {"minimum": "x"}},
                    {"name": "a", "type": "string", "constraints": {"pattern": "("}},
                ],
                "primaryKey": ["b"],
            }
        )
    problems = caught.value.details["problems"]
    assert any("minimum" in p for p in problems)
    assert any("used twice" in p for p in problems)
    assert any("regular expression" in p for p in problems)
    assert any("primary key" in p for p in problems)
    assert schema_from_upload(b'{"fields": [{"name": "a"}]}')["fields"][0]["type"] == "string"


def test_previous_schema_is_reused_when_columns_match(dataset, version):
    edited = json.loads(json.dumps(version.table_schema))
    edited["fields"][1]["title"] = "Nama desa"
    second = rederive_version(SYSTEM, version, schema=edited).version
    assert second.read_options["schema"] == "given"
    third = ingest_upload(SYSTEM, dataset, filename="b.csv", data=CSV + b"51.05.01.2003,X,1,2024\n")
    assert third.version.read_options["schema"] == "previous"
    assert field(third.version, "nama")["title"] == "Nama desa"
    other = ingest_upload(SYSTEM, dataset, filename="c.csv", data=b"lain,kolom\n1,2\n").version
    assert other.read_options["schema"] == "inferred"


def test_only_editors_reach_the_schema_editor(client_for, version):
    assert client_for("produsen_other").get(edit_url(version)).status_code in (403, 404)
    assert client_for("anonymous").get(edit_url(version)).status_code == 302
    response = client_for("produsen_other").post(edit_url(version), form_data(version))
    assert response.status_code in (403, 404)
    assert version.dataset.versions.count() == 1
