"""Uploading with a progress bar and following the background job, in a real browser.

A produsen uploads a 2 MB CSV over a throttled connection: the form's progress bar shows the
file going up (upload.js). The upload becomes a job for the background worker; the browser lands
on the job's status page, which polls with htmx. The test plays the worker: it moves the job on
one step and the page follows without a reload, then it runs the queued task itself (the
task's own function, as the Huey consumer would) and the page shows the new version and stops
polling. The produsen leaves for the dataset page (which lists the job) and comes back.
"""

from __future__ import annotations

import re

import pytest

from satudata.catalog import services as catalog_services
from satudata.core.permissions import SYSTEM
from satudata.warehouse import tasks
from satudata.warehouse.models import IngestJob, JobStatus
from tests.e2e.browser import check_accessibility, log_in, save_screenshot
from tests.factories import COMPLETE_METADATA, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = 40_000  # about 2 MB
UPLOAD_BYTES_PER_S = 1_000_000  # about two seconds of visible progress


def big_csv(path) -> int:
    lines = ["kode_desa,tahun,jumlah,catatan"]
    lines += [
        f"51.05.0{1 + i % 4}.{2001 + i % 16},{2015 + i % 10},{i % 997},catatan baris nomor {i}"
        for i in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path.stat().st_size


@pytest.fixture
def worker_queue(settings, tmp_path, monkeypatch):
    """A worker that is alive (its heartbeat file is fresh) but has not run anything yet: jobs
    wait in this list until the test runs them as the consumer would."""
    settings.BLOB_ROOT = tmp_path / "blobs"
    tasks.beat()
    queued: list[int] = []
    task = tasks.run_ingest_job
    monkeypatch.setattr(tasks, "run_ingest_job", lambda job_id: queued.append(job_id))

    def run_next() -> None:
        task.call_local(queued.pop(0))

    return queued, run_next


def panel_state(page) -> str:
    return page.locator("#job-panel").get_attribute("class") or ""


def test_upload_progress_and_live_job_status(browsing, worker_queue, tmp_path):
    queued, run_next = worker_queue
    world = make_world("kemajuan")
    dataset = catalog_services.create_dataset(
        SYSTEM,
        organisation=world.owner,
        title="Data desa besar",
        topic=world.topic,
        regions=["51.05"],
        **COMPLETE_METADATA,
    )
    source = tmp_path / "data_desa.csv"
    size = big_csv(source)
    assert size > 1_500_000
    page = browsing.page
    log_in(browsing, "kemajuan_produsen_own", world.password)
    browsing.visit(f"/dataset/{dataset.slug}/unggah")
    check_accessibility(page, label="upload form")
    assert page.locator(".upload-progress").is_hidden()

    # A slow uplink, so that the progress of the upload can be seen.
    cdp = browsing.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_S,
        },
    )
    page.set_input_files("input[type=file]", str(source))
    page.locator("form[data-upload-progress] button[type=submit]").click()
    # The bar appears and shows part of the file sent, with its percentage as text.
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('#upload-progress-bar');
            return bar && !bar.closest('[hidden]') && bar.value > 0 && bar.value < 100;
        }""",
        timeout=15_000,
    )
    assert re.fullmatch(r"\d{1,2}%", page.locator(".upload-progress__text").inner_text())
    assert page.locator("form[data-upload-progress] button[type=submit]").is_disabled()
    save_screenshot(page, "upload-progress-1280", full_page=False)

    # Sent: the job waits for the worker; the status page says so and polls.
    page.wait_for_url(re.compile(r"/unggahan/\d+$"), timeout=30_000)
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
    })  # fmt: skip
    job = IngestJob.objects.get(dataset=dataset)
    assert queued == [job.pk] and job.status == JobStatus.QUEUED and job.size == size
    assert "job-panel--queued" in panel_state(page)
    assert page.locator("#job-panel[hx-trigger]").count() == 1
    check_accessibility(page, label="job status, queued")

    # The worker takes the job: the page follows without being reloaded.
    marker = page.evaluate("() => (window.__notReloaded = true)")
    IngestJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATING)
    page.wait_for_function(
        "() => document.querySelector('#job-panel').classList.contains('job-panel--validating')"
    )
    assert marker and page.evaluate("() => window.__notReloaded === true")

    # The worker finishes: the new version is announced and polling stops.
    run_next()
    page.wait_for_selector("#job-panel.job-panel--done", timeout=15_000)
    text = page.locator("#job-panel").inner_text()
    assert f"{ROWS}" in text.replace(".", "").replace(",", "")
    assert page.locator("#job-panel[hx-trigger]").count() == 0
    assert page.evaluate("() => window.__notReloaded === true")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.version.row_count == ROWS
    browsing.assert_clean("while following the job")
    save_screenshot(page, "upload-job-done-1280", full_page=False)

    # Leave and come back: the dataset page lists the job, its link leads back to the result.
    browsing.visit(f"/dataset/{dataset.slug}")
    link = page.locator(f"a[href$='/unggahan/{job.pk}']").first
    link.wait_for()
    link.click()
    page.wait_for_url(re.compile(rf"/unggahan/{job.pk}$"))
    page.wait_for_selector("#job-panel.job-panel--done")
    browsing.assert_clean("coming back to the job")


def test_large_comparison_page_polls_until_the_worker_is_done(
    browsing, settings, tmp_path, monkeypatch
):
    """Comparing large versions (here: every comparison counts as large) runs as a job: the
    page shows the progress and swaps in the result by itself once the worker is done."""
    from satudata.warehouse import comparisons
    from satudata.warehouse.services import ingest_upload
    from tests.factories import CODE_CSV

    settings.BLOB_ROOT = tmp_path / "blobs"
    settings.SATUDATA_COMPARE_INLINE_MAX_ROWS = 0
    tasks.beat()
    queued: list[tuple] = []
    task = comparisons.compare_task
    monkeypatch.setattr(comparisons, "compare_task", lambda *args: queued.append(args))
    world = make_world("banding")
    dataset = catalog_services.create_dataset(
        SYSTEM, organisation=world.owner, title="Dua versi", **COMPLETE_METADATA
    )
    ingest_upload(SYSTEM, dataset, filename="a.csv", data=CODE_CSV.encode())
    ingest_upload(SYSTEM, dataset, filename="b.csv", data=(CODE_CSV + "51.05.09,Baru,7\n").encode())
    page = browsing.page
    log_in(browsing, "banding_produsen_own", world.password)
    browsing.visit(f"/dataset/{dataset.slug}/versi/banding?a=1&b=2", wait_until="load")
    page.wait_for_selector("#compare-result[hx-trigger] progress")
    assert len(queued) == 1
    check_accessibility(page, label="comparison in the background")
    save_screenshot(page, "compare-pending-1280", full_page=False)
    task.call_local(*queued.pop(0))  # the worker
    page.wait_for_selector("#compare-result:not([hx-trigger]) .version-compare__counts")
    assert "Baru" in page.locator("#compare-result").inner_text()
    assert not queued
    browsing.assert_clean("while the comparison was polled")
