"""A produsen's first dataset, end to end in a real browser.

Log in at /akun/masuk/, create a dataset through the form at /dataset/baru while the live
completeness score rises, upload a CSV whose code column would be mangled by a naive reader,
see the preview with the codes exactly as written, log out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.browser import check_accessibility, log_in, log_out, save_screenshot
from tests.factories import CODE_VALUES, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UPLOAD_CSV = (
    "kode_wilayah,nama_wilayah,jumlah_pustu\n"
    "51.10,Kode mirip angka desimal,3\n"
    "0101,Kode dengan nol di depan,5\n"
    "3273180,Kode panjang,2\n"
    "51.05.01.2001,Desa Sakti,1\n"
)
# The form's fields as a produsen fills them (names from the dataset form).
TEXT_FIELDS = {
    "description": "Jumlah puskesmas pembantu (pustu) per desa di Kabupaten Klungkung.",
    "data_source": "Dinas Kesehatan Kabupaten Klungkung",
    "reference_codes": "Kode wilayah Kemendagri (Kepmendagri 2025)",
    "release_date": "2024-01-15",
    "regions": "51.05",
    "temporal_start": "2023",
    "temporal_end": "2023",
    "contact_name": "Ni Made Uji",
    "contact_email": "pustu@example.org",
}
SELECT_FIELDS = {"frequency": "tahunan", "collection_method": "kompilasi_administrasi"}


def completeness_score(page) -> int:
    value = page.locator("#completeness-panel meter").get_attribute("value")
    return int(float(value))


def wait_for_score_above(page, previous: int) -> int:
    """The panel refreshes (htmx) half a second after typing stops; wait for the new score."""
    page.wait_for_function(
        """(previous) => {
            const meter = document.querySelector('#completeness-panel meter');
            return meter && Number(meter.getAttribute('value')) > previous;
        }""",
        arg=previous,
        timeout=10_000,
    )
    return completeness_score(page)


def missing_fields(page) -> set[str]:
    return set(
        page.locator("#completeness-panel li[data-field]").evaluate_all(
            "items => items.map(item => item.dataset.field)"
        )
    )


def test_produsen_creates_a_dataset_uploads_a_csv_and_sees_the_codes(browsing):
    world = make_world("alur")
    page = browsing.page
    log_in(browsing, "alur_produsen_own", world.password)

    # The form, with its live completeness score.
    browsing.visit("/dataset/baru")
    check_accessibility(page, label="/dataset/baru")
    start = completeness_score(page)
    assert "frequency" in missing_fields(page)

    page.fill("#dataset-form [name=title]", "Jumlah Puskesmas Pembantu per Desa 2023")
    after_title = wait_for_score_above(page, start)
    for name, value in SELECT_FIELDS.items():
        page.select_option(f"#dataset-form [name={name}]", value)
    page.select_option("#dataset-form [name=topic]", label=world.topic.name)
    for name, value in TEXT_FIELDS.items():
        page.fill(f"#dataset-form [name={name}]", value)
    filled = wait_for_score_above(page, after_title)
    assert not missing_fields(page) & {"frequency", "data_source", "collection_method"}, (
        f"fields filled in are still reported missing: {missing_fields(page)}"
    )
    assert start < after_title < filled
    browsing.assert_clean("while filling the dataset form")
    save_screenshot(page, "dataset-form-1280")

    with page.expect_navigation(wait_until="networkidle"):
        page.locator("#dataset-form [type=submit]").click()
    browsing.assert_clean("after creating the dataset")
    match = re.search(r"/dataset/([a-z0-9-]+)$", page.url)
    assert match, f"creating the dataset did not lead to its page (at {page.url})"
    slug = match.group(1)
    assert page.get_by_role("heading", name="Jumlah Puskesmas Pembantu per Desa 2023").is_visible()

    # Upload the CSV with the awkward codes.
    browsing.visit(f"/dataset/{slug}/unggah")
    check_accessibility(page, label=f"/dataset/{slug}/unggah")
    page.set_input_files(
        "input[type=file]",
        {"name": "pustu-2023.csv", "mimeType": "text/csv", "buffer": UPLOAD_CSV.encode()},
    )
    form = page.locator("form").filter(has=page.locator("input[type=file]"))
    with page.expect_navigation(wait_until="networkidle"):
        form.locator("[type=submit]").first.click()
    browsing.assert_clean("after uploading the CSV")

    # The preview on the dataset page keeps every code exactly as written.
    browsing.visit(f"/dataset/{slug}")
    table = page.locator("table").filter(has_text="kode_wilayah").first
    table.wait_for(state="visible")
    cells = {text.strip() for text in table.locator("td").all_inner_texts()}
    for code in CODE_VALUES:
        assert code in cells, f"preview lost the code {code!r}; cells: {sorted(cells)}"
    assert "51.1" not in cells and "101" not in cells
    check_accessibility(page, label=f"/dataset/{slug} with preview")
    save_screenshot(page, "dataset-preview-1280")

    # The CSV the page offers keeps them too (first column of each data row).
    with page.expect_download() as download:
        page.locator("a[href$='unduh.csv']").first.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == list(CODE_VALUES)

    log_out(browsing)
