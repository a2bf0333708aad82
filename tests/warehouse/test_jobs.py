"""Background ingest: jobs through the Huey task (immediate mode, never sleeping), the status
page with htmx polling, retries with other reading choices, and `satudata dataset import`."""

from __future__ import annotations

import argparse
import io

import pytest
from django.urls import reverse

from satudata.core.permissions import SYSTEM
from satudata.warehouse import services, tasks
from satudata.warehouse.cli import add_import_parser, run_import
from satudata.warehouse.models import IngestJob, JobStatus
from tests.factories import CODE_CSV
from tests.warehouse.formats.helpers import rows_of, stored_state, xlsx_bytes


@pytest.fixture
def queue(settings, tmp_path):
    """A worker that is 'alive' (heartbeat) and Huey in immediate mode: enqueued tasks run now,
    through the real task."""
    settings.BLOB_ROOT = tmp_path / "blobs"
    tasks.beat()
    tasks.huey.immediate = True
    yield tasks.huey
    tasks.huey.immediate = False


def post_upload(client, dataset, data: bytes, name: str = "data.csv", **extra):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("warehouse:upload", args=[dataset.slug]), {"file": upload, **extra})


def test_upload_through_the_queue(client_for, dataset, queue):
    assert tasks.worker_alive()
    client = client_for("produsen_own")
    response = post_upload(client, dataset, CODE_CSV.encode())
    job = IngestJob.objects.get()
    assert response["Location"] == reverse("warehouse:job", args=[dataset.slug, job.pk])
    assert job.status == JobStatus.DONE and job.created_version and job.version.number == 1
    assert not job.spool_name and not list(tasks.spool_dir().iterdir())
    page = client.get(response["Location"]).content.decode()
    assert "Version 1 created" in page and "How the file was read" in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_status_page_polls_until_finished(client_for, dataset, world):
    client = client_for("produsen_own")
    job = IngestJob.objects.create(
        dataset=dataset, filename="x.csv", created_by=world.users["produsen_own"]
    )
    url = reverse("warehouse:job", args=[dataset.slug, job.pk])
    html = client.get(url).content.decode()
    assert f'hx-get="{url}"' in html and 'hx-trigger="every' in html
    assert 'http-equiv="refresh"' in html  # without JavaScript
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith("<div") or 'id="job-panel"' in partial
    for status in ("reading", "validating", "writing"):
        IngestJob.objects.filter(pk=job.pk).update(status=status)
        assert "job-panel--" + status in client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_a_refused_file_fails_the_job_and_stores_nothing(dataset, queue, world):
    before = stored_state()
    job = services.enqueue_upload(
        world.users["produsen_own"], dataset, filename="x.csv", data=b"\x89PNG\r\n\x1a\n\0\0"
    )
    assert job.status == JobStatus.FAILED and "PNG image" in job.error
    assert job.report["errors"][0]["type"] == "format-error"
    assert stored_state() == before


def test_failed_workbook_upload_retried_with_another_sheet(client_for, dataset, queue, world):
    data = xlsx_bytes({"A": [["kode"], ["0101"]], "B": [["nama"], ["Sakti"]]})
    job = services.enqueue_upload(
        world.users["produsen_own"], dataset, filename="b.xlsx", data=data, options={"sheet": "C"}
    )
    assert job.status == JobStatus.FAILED and job.choices == {"sheets": ["A", "B"]}
    assert job.spool_name, "a failed upload keeps its file for a retry"
    client = client_for("produsen_own")
    page = client.get(reverse("warehouse:job", args=[dataset.slug, job.pk])).content.decode()
    assert "Read the file again with other choices" in page
    response = client.post(
        reverse("warehouse:job_retry", args=[dataset.slug, job.pk]), {"sheet": "B"}
    )
    retried = IngestJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and retried.status == JobStatus.DONE
    assert rows_of(retried.version) == [{"nama": "Sakti"}]
    assert retried.version.read_options["sheet"] == "B"


def test_no_worker_runs_the_job_in_the_request(client_for, dataset, settings, tmp_path):
    settings.BLOB_ROOT = tmp_path / "blobs"
    assert not tasks.worker_alive()
    response = post_upload(client_for("produsen_own"), dataset, CODE_CSV.encode())
    assert IngestJob.objects.get().status == JobStatus.DONE
    assert response.status_code == 302


def test_job_pages_are_for_editors_only(client_for, dataset, world):
    job = services.enqueue_upload(
        world.users["produsen_own"], dataset, filename="a.csv", data=CODE_CSV.encode()
    )
    url = reverse("warehouse:job", args=[dataset.slug, job.pk])
    jobs = reverse("warehouse:jobs", args=[dataset.slug])
    assert client_for("produsen_own").get(url).status_code == 200
    assert "a.csv" in client_for("produsen_own").get(jobs).content.decode()
    for role in ("produsen_other", "pembina"):
        assert client_for(role).get(url).status_code == 404
        assert client_for(role).get(jobs).status_code == 404
    assert client_for("anonymous").get(url).status_code == 302


def test_an_unexpected_error_fails_the_job_without_crashing(dataset, queue, world, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "ingest_upload", explode)
    job = services.enqueue_upload(
        world.users["produsen_own"], dataset, filename="a.csv", data=CODE_CSV.encode()
    )
    assert job.status == JobStatus.FAILED and "unexpected error" in job.error


# --- satudata dataset import ------------------------------------------------------------------


def import_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_import_parser(parser.add_subparsers(), [], argparse.HelpFormatter)
    return parser.parse_args(["import", *argv])


def test_cli_import_and_publish(dataset, tmp_path, capsys):
    path = tmp_path / "kode.csv"
    path.write_text(CODE_CSV)
    assert run_import(import_args(str(path), "--dataset", dataset.slug, "--publish")) == 0
    out = capsys.readouterr().out
    assert "version 1 created" in out and "version 1 published" in out
    dataset.refresh_from_db()
    assert dataset.published_version.number == 1
    assert run_import(import_args(str(path), "--dataset", dataset.slug)) == 0
    assert "unchanged" in capsys.readouterr().out


def test_cli_import_refused_file_exits_non_zero(dataset, tmp_path, capsys):
    path = tmp_path / "rusak.csv"
    path.write_bytes(b"a,b\n1,2\n3\n")
    assert run_import(import_args(str(path), "--dataset", dataset.slug)) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "missing-cell" in err
    assert run_import(import_args(str(path), "--dataset", "tidak-ada")) == 1
    assert run_import(import_args(str(tmp_path / "none.csv"), "--dataset", dataset.slug)) == 1


def test_cli_import_with_errors_exits_2_and_does_not_publish(dataset, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("kode,jumlah\n0101,1\n0102,2\n")
    assert run_import(import_args(str(path), "--dataset", dataset.slug)) == 0
    version = dataset.versions.get()
    schema = dict(version.table_schema, primaryKey=["kode"])
    services.rederive_version(SYSTEM, version, schema=schema)
    path.write_text("kode,jumlah\n0101,1\n0101,2\n")
    code = run_import(import_args(str(path), "--dataset", dataset.slug, "--publish"))
    assert code == 2
    dataset.refresh_from_db()
    assert dataset.published_version is None
