"""Versions: the list on the dataset page, comparing two versions (rows added / removed / changed
by key, whole-row comparison without a key, schema changes) and restoring an old version as a new
draft — on a real table from the shared statistics folder, edited by the test."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.urls import reverse

from satudata.catalog.services import create_dataset
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.warehouse.models import Version
from satudata.warehouse.services import ingest_upload, publish_version, restore_version
from satudata.warehouse.versions import compare_versions
from tests.factories import COMPLETE_METADATA

# The shared data folder sits next to the repository (../shared/data on a clean clone);
# SATUDATA_SHARED_DIR points elsewhere.
SHARED = (
    Path(os.environ.get("SATUDATA_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
    / "data"
)
SOURCE = SHARED / "stats" / "bali_penduduk_kabkota_dukcapil_2024s2_luas_big.csv"
pytestmark = pytest.mark.skipif(not SOURCE.is_file(), reason=f"shared data absent: {SOURCE}")


def original_rows() -> list[dict[str, str]]:
    with SOURCE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_csv(rows: list[dict[str, str]], columns: list[str] | None = None) -> bytes:
    columns = columns or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def edited_rows() -> list[dict[str, str]]:
    """The Dukcapil table of the second half of 2024, corrected: Klungkung's men and total
    changed, Buleleng (51.08) removed, a new row for Kota Uji (51.72) added."""
    rows = [dict(row) for row in original_rows()]
    klungkung = next(row for row in rows if row["kode"] == "51.05")
    klungkung["laki_laki"], klungkung["total"] = "111995", "223800"
    rows = [row for row in rows if row["kode"] != "51.08"]
    rows.append(
        {
            "kode": "51.72",
            "nama": "Kota Uji",
            "laki_laki": "10",
            "perempuan": "12",
            "total": "22",
            "luas_km2": "1.5",
            "periode_penduduk": "2024-12",
        }
    )
    return rows


# The Table Schema the agency gives with its first upload (as the schema editor or an imported
# schema JSON would): the region code is the primary key. Later uploads with the same columns
# keep it.
SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string"},
        {"name": "nama", "type": "string"},
        {"name": "laki_laki", "type": "integer"},
        {"name": "perempuan", "type": "integer"},
        {"name": "total", "type": "integer"},
        {"name": "luas_km2", "type": "number"},
        {"name": "periode_penduduk", "type": "string"},
    ],
    "primaryKey": ["kode"],
}


@pytest.fixture
def penduduk(world):
    return create_dataset(
        SYSTEM, organisation=world.owner, title="Penduduk kabupaten/kota Bali", **COMPLETE_METADATA
    )


@pytest.fixture
def two_versions(penduduk):
    first = ingest_upload(
        SYSTEM, penduduk, filename=SOURCE.name, data=SOURCE.read_bytes(), schema=SCHEMA
    ).version
    publish_version(SYSTEM, first, acknowledge_warnings=True)
    second = ingest_upload(
        SYSTEM, penduduk, filename="koreksi.csv", data=as_csv(edited_rows()), message="koreksi"
    ).version
    assert second.table_schema.get("primaryKey") == ["kode"]  # kept from version 1
    return first, second


# --- comparison ----------------------------------------------------------------------------


def test_diff_by_primary_key_finds_exactly_the_edits(two_versions):
    first, second = two_versions
    diff = compare_versions(first, second)
    assert diff.key == ["kode"] and diff.key_source == "declared"
    assert (diff.changed, diff.added, diff.removed) == (1, 1, 1)
    assert not diff.schema.any
    assert diff.kind == "changed"
    (row,) = diff.rows
    assert row.key == ["51.05"]
    assert row.cells == [("laki_laki", 111918, 111995), ("total", 223723, 223800)]
    added = compare_versions(first, second, kind="added")
    assert added.rows == [["51.72", "Kota Uji", 10, 12, 22, 1.5, "2024-12"]]
    assert added.columns == [
        "kode",
        "nama",
        "laki_laki",
        "perempuan",
        "total",
        "luas_km2",
        "periode_penduduk",
    ]
    removed = compare_versions(first, second, kind="removed")
    assert [r[0] for r in removed.rows] == ["51.08"] and removed.rows[0][1] == "Kabupaten Buleleng"


def test_diff_the_other_way_round(two_versions):
    first, second = two_versions
    diff = compare_versions(second, first)
    assert (diff.changed, diff.added, diff.removed) == (1, 1, 1)
    assert diff.rows[0].cells == [("laki_laki", 111995, 111918), ("total", 223800, 223723)]
    assert compare_versions(second, first, kind="added").rows[0][0] == "51.08"


def test_identical_versions(two_versions):
    first, _ = two_versions
    diff = compare_versions(first, first)
    assert diff.identical and (diff.changed, diff.added, diff.removed) == (0, 0, 0)


def test_without_a_key_rows_are_compared_whole(penduduk):
    first = ingest_upload(SYSTEM, penduduk, filename="a.csv", data=SOURCE.read_bytes()).version
    second = ingest_upload(SYSTEM, penduduk, filename="b.csv", data=as_csv(edited_rows())).version
    diff = compare_versions(first, second)
    assert diff.key == [] and diff.key_source == ""
    # The changed row counts as one removed (old values) and one added (new values) row.
    assert (diff.changed, diff.added, diff.removed) == (0, 2, 2)
    assert sorted(r[0] for r in diff.rows) == ["51.05", "51.72"]
    removed = compare_versions(first, second, kind="removed")
    assert sorted((r[0], r[4]) for r in removed.rows) == [("51.05", 223723), ("51.08", 828156)]
    # A key chosen in the page gives the cell-level answer without a declared key.
    chosen = compare_versions(first, second, key=["kode"])
    assert chosen.key_source == "chosen" and (chosen.changed, chosen.added, chosen.removed) == (
        1,
        1,
        1,
    )


def test_whole_row_comparison_counts_duplicates(penduduk):
    rows = original_rows()[:3]
    first = ingest_upload(SYSTEM, penduduk, filename="a.csv", data=as_csv(rows)).version
    second = ingest_upload(
        SYSTEM, penduduk, filename="b.csv", data=as_csv([*rows, rows[0]])
    ).version
    diff = compare_versions(first, second)
    assert (diff.added, diff.removed) == (1, 0) and diff.rows[0][0] == "51"


def test_a_key_that_is_not_unique_falls_back_to_whole_rows(penduduk):
    rows = original_rows()
    first = ingest_upload(SYSTEM, penduduk, filename="a.csv", data=as_csv(rows)).version
    second = ingest_upload(
        SYSTEM, penduduk, filename="b.csv", data=as_csv([*rows, {**rows[1], "total": "1"}])
    ).version
    diff = compare_versions(first, second, key=["kode"])
    assert diff.key == [] and "not unique in version 2" in diff.key_problem
    assert (diff.added, diff.removed) == (1, 0)


def test_schema_changes(penduduk):
    first = ingest_upload(SYSTEM, penduduk, filename="a.csv", data=SOURCE.read_bytes()).version
    rows = [dict(row) for row in original_rows()]
    for row in rows:
        del row["periode_penduduk"]
        row["catatan"] = "revisi"
    rows[0]["luas_km2"] = "n/a"  # the column becomes text
    second = ingest_upload(SYSTEM, penduduk, filename="b.csv", data=as_csv(rows)).version
    diff = compare_versions(first, second, key=["kode"])
    assert [f["name"] for f in diff.schema.added] == ["catatan"]
    assert [f["name"] for f in diff.schema.removed] == ["periode_penduduk"]
    assert diff.schema.retyped == [("luas_km2", "number", "string")]
    # Only the changed cell of Bali counts: 5582.827 → "n/a"; the other areas compare as text
    # across the type change and are equal.
    assert diff.changed == 1
    bali = next(row for row in diff.rows if row.key == ["51"])
    assert ("luas_km2", 5582.827, "n/a") in bali.cells


def test_diff_pages(penduduk):
    rows = [{"kode": f"K{i:03d}", "nilai": str(i)} for i in range(120)]
    first = ingest_upload(SYSTEM, penduduk, filename="a.csv", data=as_csv(rows)).version
    changed = [{**row, "nilai": str(int(row["nilai"]) + 1)} for row in rows]
    second = ingest_upload(SYSTEM, penduduk, filename="b.csv", data=as_csv(changed)).version
    page_two = compare_versions(first, second, key=["kode"], page=2, page_size=50)
    assert page_two.changed == 120 and page_two.pages == 3 and page_two.page == 2
    assert [row.key[0] for row in page_two.rows] == [f"K{i:03d}" for i in range(50, 100)]
    last = compare_versions(first, second, key=["kode"], page=99, page_size=50)
    assert last.page == 3 and len(last.rows) == 20


def test_composite_key_and_a_key_whose_type_changed(penduduk, two_versions):
    first, second = two_versions
    composite = compare_versions(first, second, key=["kode", "periode_penduduk"])
    assert (composite.changed, composite.added, composite.removed) == (1, 1, 1)
    assert composite.rows[0].key == ["51.05", "2024-12"]
    other = create_dataset(
        SYSTEM, organisation=penduduk.organisation, title="Kunci", **COMPLETE_METADATA
    )
    old = ingest_upload(SYSTEM, other, filename="a.csv", data=b"urut,nilai\n1,10\n2,20\n").version
    # The agency retypes the column as text in the new schema (a new code "x3" appeared).
    text_key = {
        "fields": [{"name": "urut", "type": "string"}, {"name": "nilai", "type": "integer"}]
    }
    data = b"urut,nilai\n1,10\n2,21\nx3,30\n"
    new = ingest_upload(SYSTEM, other, filename="b.csv", data=data, schema=text_key).version
    diff = compare_versions(old, new, key=["urut"])
    assert diff.schema.retyped == [("urut", "integer", "string")]
    assert (diff.changed, diff.added, diff.removed) == (1, 1, 0)
    assert diff.rows[0].key == ["2"] and diff.rows[0].cells == [("nilai", 20, 21)]


def test_unknown_key_column_is_a_clear_error(two_versions):
    first, second = two_versions
    with pytest.raises(ValidationFailed) as caught:
        compare_versions(first, second, key=['kode"; DROP TABLE x; --'])
    assert "is not in both versions" in caught.value.message
    assert "kode, nama" in caught.value.message


# --- the compare page ------------------------------------------------------------------------


def compare_url(dataset) -> str:
    return reverse("warehouse:version_compare", args=[dataset.slug])


def test_compare_page(client_for, two_versions, penduduk):
    response = client_for("produsen_own").get(compare_url(penduduk), {"a": 1, "b": 2})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 1 → version 2" in html
    assert "Rows are matched by the primary key of the schema: kode." in html
    assert "<del>111918</del> → <ins>111995</ins>" in html
    added = client_for("produsen_own").get(compare_url(penduduk), {"a": 1, "b": 2, "show": "added"})
    assert "Kota Uji" in added.content.decode()
    # Defaults: the newest version against the one before it.
    default = client_for("produsen_own").get(compare_url(penduduk))
    assert "Version 1 → version 2" in default.content.decode()


def test_compare_page_without_key_says_so(client_for, penduduk):
    ingest_upload(SYSTEM, penduduk, filename="a.csv", data=SOURCE.read_bytes())
    ingest_upload(SYSTEM, penduduk, filename="b.csv", data=as_csv(edited_rows()))
    html = client_for("walidata").get(compare_url(penduduk)).content.decode()
    assert "Rows are compared whole" in html
    assert "a row that changed shows as one removed and one added row" in html


def test_compare_page_bad_input(client_for, two_versions, penduduk):
    client = client_for("produsen_own")
    bad_key = client.get(compare_url(penduduk), {"a": 1, "b": 2, "key": "tidak_ada"})
    assert bad_key.status_code == 400
    assert "Column “tidak_ada” is not in both versions" in bad_key.content.decode()
    for params in ({"a": "x"}, {"a": "99"}, {"b": "-1"}, {"a": "1" * 30}, {"b": "1.5"}):
        assert client.get(compare_url(penduduk), params).status_code == 404
    odd = client.get(compare_url(penduduk), {"a": 1, "b": 2, "show": "<script>", "page": "x"})
    assert odd.status_code == 200


def test_compare_respects_visibility(client_for, two_versions, penduduk, world):
    anonymous = client_for("anonymous")
    # Version 2 is a draft: hidden from the public, and so is comparing with it.
    assert anonymous.get(compare_url(penduduk), {"a": 1, "b": 2}).status_code == 404
    assert client_for("produsen_other").get(compare_url(penduduk), {"b": 2}).status_code == 404
    # The public sees one version only: nothing to compare, no leak of the draft.
    html = anonymous.get(compare_url(penduduk)).content.decode()
    assert "nothing to compare" in html and "111995" not in html
    hidden = create_dataset(SYSTEM, organisation=world.owner, title="Draf", **COMPLETE_METADATA)
    assert anonymous.get(compare_url(hidden)).status_code == 404


# --- large comparisons in the background -----------------------------------------------------


@pytest.fixture
def fresh_blobs(settings, tmp_path):
    """A blob folder of this test alone (no stored comparison, no worker heartbeat of others);
    list it before the fixtures that make versions."""
    settings.BLOB_ROOT = tmp_path / "blobs"
    settings.BLOB_ROOT.mkdir()
    settings.SATUDATA_COMPARE_INLINE_MAX_ROWS = 0  # every comparison counts as large


@pytest.fixture
def background(fresh_blobs, monkeypatch):
    """A worker is 'alive' (heartbeat), and the queue is a list the test empties by running
    each queued task's own function, as the worker would."""
    from satudata.warehouse import comparisons, tasks

    tasks.beat()
    queued = []
    task = comparisons.compare_task
    monkeypatch.setattr(comparisons, "compare_task", lambda *args: queued.append(args))

    def run_queued() -> int:
        # Immediate mode: the task leaves the database connection alone (a real worker closes
        # stale ones; here that would close the test's transaction).
        count = len(queued)
        monkeypatch.setattr(tasks.huey, "immediate", True)
        while queued:
            task.call_local(*queued.pop(0))
        monkeypatch.setattr(tasks.huey, "immediate", False)
        return count

    return queued, run_queued


def test_large_comparison_runs_in_the_background_and_the_page_polls(
    background, client_for, two_versions, penduduk
):
    queued, run_queued = background
    client = client_for("produsen_own")
    url = compare_url(penduduk)
    response = client.get(url, {"a": 1, "b": 2})
    html = response.content.decode()
    assert response.status_code == 200 and len(queued) == 1
    assert "in the background" in html and "You may leave this page" in html
    assert f'hx-get="{url}?a=1&amp;b=2"' in html and 'hx-trigger="every 1000ms"' in html
    assert 'http-equiv="refresh"' in html  # without JavaScript
    assert "111995" not in html
    # Polling while the job waits: the same state, no second job for the same comparison.
    partial = client.get(url, {"a": 1, "b": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="compare-result"') and "hx-trigger" in partial
    assert "<html" not in partial and len(queued) == 1
    assert run_queued() == 1
    done = client.get(url, {"a": 1, "b": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "<del>111918</del> → <ins>111995</ins>" in done
    # Other pages and kinds are read from the stored comparison: no new job.
    added = client.get(url, {"a": 1, "b": 2, "show": "added"}).content.decode()
    assert "Kota Uji" in added and not queued
    # Another user asking for the same comparison gets the stored result too.
    assert "111995" in client_for("walidata").get(url, {"a": 1, "b": 2}).content.decode()


def test_a_failed_background_comparison_says_so_and_can_be_retried(
    fresh_blobs, client_for, two_versions, penduduk, monkeypatch
):
    """No worker heartbeat: the job runs in the request."""
    from satudata.warehouse import comparisons

    def out_of_memory(*args):
        raise MemoryError("simulated")

    monkeypatch.setattr(comparisons, "work_out_comparison", out_of_memory)
    client = client_for("produsen_own")
    html = client.get(compare_url(penduduk), {"a": 1, "b": 2}).content.decode()
    assert "The comparison could not be worked out" in html and "Try again" in html
    assert "hx-trigger" not in html  # nothing runs: no polling
    monkeypatch.undo()
    # Asking again without retry keeps the message; "Try again" works it out.
    assert "Try again" in client.get(compare_url(penduduk), {"a": 1, "b": 2}).content.decode()
    retried = client.get(compare_url(penduduk), {"a": 1, "b": 2, "retry": "1"})
    assert "<del>111918</del> → <ins>111995</ins>" in retried.content.decode()


def test_a_stored_comparison_is_complete_or_absent(fresh_blobs, two_versions):
    """Worked out under a temporary name and renamed: an interrupted run leaves no folder that
    a page would read as a finished comparison."""
    from satudata.warehouse.versions import comparison_folder, comparison_id, comparisons_dir

    first, second = two_versions
    with pytest.raises(ValidationFailed):
        compare_versions(first, second, key=["tidak_ada"])
    assert not list(comparisons_dir().iterdir())
    compare_versions(first, second)
    folder = comparison_folder(comparison_id(first, second, ["kode"]))
    assert sorted(p.name for p in folder.iterdir()) == [
        "added.parquet",
        "changed.parquet",
        "removed.parquet",
        "summary.json",
    ]
    assert [p.name for p in comparisons_dir().iterdir()] == [folder.name]


def test_old_stored_comparisons_are_purged(fresh_blobs, two_versions, settings):
    import os
    import time

    from satudata.warehouse.versions import comparison_folder, comparison_id, comparisons_dir

    first, second = two_versions
    compare_versions(first, second)
    old_folder = comparison_folder(comparison_id(first, second, ["kode"]))
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(old_folder, (week_ago, week_ago))
    (comparisons_dir() / ".tmp-crashed").mkdir()
    os.utime(comparisons_dir() / ".tmp-crashed", (week_ago, week_ago))
    compare_versions(second, first)  # another comparison is worked out: old ones go
    names = {p.name for p in comparisons_dir().iterdir()}
    assert old_folder.name not in names and ".tmp-crashed" not in names
    assert comparison_id(second, first, ["kode"]) in names
    assert compare_versions(first, second).changed == 1  # worked out again when asked


# --- the version list ------------------------------------------------------------------------


def test_version_list_on_the_dataset_page(client_for, two_versions, penduduk, world):
    page_url = reverse("catalog:dataset_detail", args=[penduduk.slug])
    owner_html = client_for("produsen_own").get(page_url).content.decode()
    assert "Versions (2)" in owner_html and "koreksi" in owner_html
    assert "Restore version 1 as a new draft" in owner_html
    assert "Restore version 2" not in owner_html  # the newest needs no restoring
    assert compare_url(penduduk) in owner_html
    public_html = client_for("anonymous").get(page_url).content.decode()
    # The public sees the published version only, with the agency instead of a person.
    assert "Versions (1)" in public_html and "koreksi" not in public_html
    assert "Restore version" not in public_html
    assert world.owner.short_name in public_html


# --- restore -------------------------------------------------------------------------------


def test_restore_makes_a_new_draft(two_versions, penduduk, world):
    first, second = two_versions
    events = AuditEvent.objects.filter(action="version.restore").count()
    restored = restore_version(world.users["produsen_own"], first, message="kembali ke data awal")
    assert restored.number == 3 and restored.status == "draft"
    assert restored.parquet_sha256 == first.parquet_sha256
    assert restored.raw_sha256 == first.raw_sha256
    assert restored.table_schema == first.table_schema
    assert restored.row_count == first.row_count
    assert restored.created_by == world.users["produsen_own"]
    assert restored.message == "Restored from version 1. kembali ke data awal"
    assert restored.published_at is None
    # History untouched: the old versions are as they were; the public version stays 1.
    first_again, second_again = Version.objects.get(pk=first.pk), Version.objects.get(pk=second.pk)
    assert (first_again.status, second_again.status) == ("terbit", "draft")
    assert first_again.number == 1 and second_again.number == 2
    penduduk.refresh_from_db()
    assert penduduk.published_version_id == first.pk
    event = AuditEvent.objects.filter(action="version.restore").latest("id")
    assert AuditEvent.objects.filter(action="version.restore").count() == events + 1
    assert event.changes["restored_from"] == 1 and event.changes["number"] == 3
    # The restored draft holds exactly version 1's data.
    assert compare_versions(first, restored).identical


def test_restoring_the_same_content_again_makes_nothing(two_versions, world):
    first, _ = two_versions
    restored = restore_version(SYSTEM, first)
    again = restore_version(SYSTEM, first)
    assert again.pk == restored.pk and Version.objects.filter(dataset=first.dataset).count() == 3
    # Uploading version 1's file again is "unchanged" too (same bytes as the newest version).
    result = ingest_upload(SYSTEM, first.dataset, filename="a.csv", data=SOURCE.read_bytes())
    assert result.created is False and result.version.pk == restored.pk


def test_restore_needs_edit_rights(two_versions, world):
    first, second = two_versions
    with pytest.raises(PermissionDenied):
        restore_version(world.users["produsen_other"], first)  # published: visible, not theirs
    with pytest.raises(NotFound):
        restore_version(world.users["produsen_other"], second)  # a draft of another agency
    with pytest.raises(PermissionDenied):
        restore_version(None, first)
    assert Version.objects.filter(dataset=first.dataset).count() == 2
    # Restoring the newest version changes nothing; walidata may restore any agency's version.
    assert restore_version(world.users["produsen_own"], second).pk == second.pk
    assert restore_version(world.users["walidata"], first).number == 3


def test_restored_version_can_be_published(two_versions, penduduk, client_for):
    first, second = two_versions
    publish_version(SYSTEM, second, acknowledge_warnings=True)
    restored = restore_version(SYSTEM, first)
    publish_version(SYSTEM, restored, acknowledge_warnings=True)
    penduduk.refresh_from_db()
    assert penduduk.published_version_id == restored.pk
    text = b"".join(
        client_for("anonymous")
        .get(reverse("warehouse:download", args=[penduduk.slug, "csv"]))
        .streaming_content
    ).decode()
    assert "111918" in text and "Kota Uji" not in text


def test_restore_button(client_for, two_versions, penduduk):
    url = reverse("warehouse:version_restore", args=[penduduk.slug, 1])
    page_url = reverse("catalog:dataset_detail", args=[penduduk.slug])
    anonymous = client_for("anonymous")
    response = anonymous.post(url)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]
    assert client_for("produsen_other").post(url).status_code == 403
    owner = client_for("produsen_own")
    assert owner.get(url).status_code == 405
    response = owner.post(url)
    assert response.status_code == 302 and response["Location"] == page_url
    html = owner.get(page_url).content.decode()
    assert "Version 1 was restored as the new draft version 3." in html
    # The dataset's activity list names the restore in words, not as the raw audit action.
    assert "restored an older version as a new draft" in html
    assert "version.restore" not in html
    response = owner.post(url)
    assert "has the same content as the newest version 3" in owner.get(page_url).content.decode()
    assert Version.objects.filter(dataset=penduduk).count() == 3
    assert (
        owner.post(reverse("warehouse:version_restore", args=[penduduk.slug, 9])).status_code == 404
    )


# --- every role against the new endpoints ------------------------------------------------------

ROLES = (
    "anonymous",
    "user",
    "produsen_own",
    "produsen_other",
    "walidata",
    "pembina",
    "pimpinan",
    "operator_desa",
    "verifikator_kecamatan",
    "admin",
    "superuser",
)
SEES_DRAFTS = frozenset({"produsen_own", "walidata", "pembina", "pimpinan", "admin", "superuser"})
EDITS = frozenset({"produsen_own", "walidata", "admin", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_of_version_endpoints(client_for, two_versions, penduduk, role):
    """Version 1 is public, version 2 a draft: every reader sees version 1 everywhere; only
    those who may see drafts reach version 2; only editors restore."""
    client = client_for(role)
    slug = penduduk.slug
    draft_status = 200 if role in SEES_DRAFTS else 404
    urls = {
        reverse("warehouse:version_download", args=[slug, 1, "json"]): 200,
        reverse("warehouse:version_download", args=[slug, 1, "zip"]): 200,
        reverse("warehouse:version_download", args=[slug, 2, "parquet"]): draft_status,
        reverse("warehouse:version_download", args=[slug, 2, "xml"]): draft_status,
        reverse("warehouse:data_stats", args=[slug]) + "?v=1": 200,
        reverse("warehouse:data_stats", args=[slug]) + "?v=2": draft_status,
        reverse("warehouse:preview", args=[slug]) + "?v=2&f.nama=Klungkung": draft_status,
        compare_url(penduduk) + "?a=1&b=2": draft_status,
    }
    for url, expected in urls.items():
        response = client.get(url)
        assert response.status_code == expected, (role, url, response.status_code)
    before = Version.objects.filter(dataset=penduduk).count()
    response = client.post(reverse("warehouse:version_restore", args=[slug, 1]))
    if role == "anonymous":
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"]
    elif role in EDITS:
        assert response.status_code == 302
        assert Version.objects.filter(dataset=penduduk).count() == before + 1
    else:
        assert response.status_code == 403
    if role not in EDITS:
        assert Version.objects.filter(dataset=penduduk).count() == before
