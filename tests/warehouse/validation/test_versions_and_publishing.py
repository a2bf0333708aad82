"""What validation means for versions: a readable file with errors becomes an unpublishable
version with its report and rows to fix; warnings must be acknowledged (audited) to publish."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from satudata.core import blobs
from satudata.core.errors import PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.services import acknowledge_warnings, publish_version
from tests.factories import verify

SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string", "constraints": {"required": True}},
        {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "catatan", "type": "string"},
    ],
    "primaryKey": ["kode"],
}
WITH_ERRORS = "kode,jumlah,catatan\nA,1,ok\nB,dua,=HYPERLINK(1)\nC,-5,\nA,3,lagi\n"
WITH_WARNINGS = "kode,jumlah,catatan\nA,1,ok \nB,2,baik\n"


def test_a_file_with_errors_becomes_a_version_that_cannot_be_published(upload, world):
    version = upload(WITH_ERRORS, SCHEMA)
    assert version.error_count == 3 and version.row_count == 4
    assert version.report["stats"]["error_types"] == {
        "type-error": 1,
        "constraint-error": 1,
        "primary-key": 1,
    }
    # The bad cell is empty in the typed data; the rows to fix keep it as written.
    typed = pq.read_table(blobs.blob_path(version.parquet_sha256)).to_pylist()
    assert [row["jumlah"] for row in typed] == [1, None, -5, 3]
    issues = pq.read_table(blobs.blob_path(version.issues_sha256)).to_pylist()
    assert [row["__row"] for row in issues] == [3, 4, 5]
    assert issues[0]["jumlah"] == "dua" and issues[0]["catatan"] == "=HYPERLINK(1)"
    assert {(i["type"], i["field"]) for i in issues[2]["__issues"]} == {("primary-key", "kode")}
    with pytest.raises(ValidationFailed, match="validation errors"):
        publish_version(SYSTEM, version)


def test_a_clean_version_has_no_issues_file(upload):
    version = upload("kode,jumlah,catatan\nA,1,ok\n", SCHEMA)
    assert version.error_count == 0 and version.warning_count == 0
    assert version.issues_sha256 == ""


def test_warnings_must_be_acknowledged_before_publishing(upload, world):
    version = verify(upload(WITH_WARNINGS, SCHEMA))
    walidata = world.users["walidata"]
    with pytest.raises(ValidationFailed) as refused:
        publish_version(walidata, version)
    assert refused.value.code == "warnings-not-acknowledged"
    version.refresh_from_db()
    assert version.status != "terbit" and version.warnings_acknowledged_at is None

    with pytest.raises(PermissionDenied):
        acknowledge_warnings(world.users["produsen_own"], version)
    acknowledge_warnings(walidata, version)
    version.refresh_from_db()
    assert version.warnings_acknowledged_by == walidata
    event = AuditEvent.objects.filter(action="version.acknowledge_warnings").latest("pk")
    assert event.actor_id == walidata.pk
    assert event.changes == {"warnings": 1, "types": {"whitespace-value": 1}}
    acknowledge_warnings(walidata, version)  # again: nothing new
    assert AuditEvent.objects.filter(action="version.acknowledge_warnings").count() == 1

    publish_version(walidata, version)
    version.refresh_from_db()
    assert version.status == "terbit"


def test_warnings_acknowledged_in_the_publishing_action(upload, world):
    version = verify(upload(WITH_WARNINGS, SCHEMA))
    walidata = world.users["walidata"]
    publish_version(walidata, version, acknowledge_warnings=True)
    version.refresh_from_db()
    assert version.status == "terbit" and version.warnings_acknowledged_by == walidata
    actions = list(
        AuditEvent.objects.filter(action__in=["version.acknowledge_warnings", "version.publish"])
        .values_list("action", flat=True)
        .order_by("pk")
    )
    assert actions == ["version.acknowledge_warnings", "version.publish"]


def test_the_previous_versions_schema_is_reused_and_holds(upload):
    first = upload("kode,jumlah\nA,1\nB,2\n")
    assert first.report["schema"] == "inferred"
    assert {f["name"]: f["type"] for f in first.table_schema["fields"]}["jumlah"] == "integer"
    # Same columns: the schema of version 1 is the rule, so a word in `jumlah` is an error now.
    second = upload("kode,jumlah\nA,1\nB,dua\n")
    assert second.report["schema"] == "previous"
    assert [(e["type"], e["row"], e["field"]) for e in second.report["errors"]] == [
        ("type-error", 3, "jumlah")
    ]
