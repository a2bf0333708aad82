"""Catalogue pages and the dataset form: visibility, content, errors, the completeness panel."""

from __future__ import annotations

import pytest

from satudata.catalog import services
from satudata.catalog.models import Dataset
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from tests.factories import read_form

pytestmark = pytest.mark.django_db

ROLES_WITHOUT_DRAFT_ACCESS = ["anonymous", "user", "produsen_other", "operator_desa"]


def body(response) -> str:
    return response.content.decode()


# --- public pages ---------------------------------------------------------------------------------


def test_home_shows_counts_newest_and_sectors(world, make, client_for):
    make("Jumlah Penduduk", topic=world.topic)
    make("Rencana Rahasia", classification="rahasia", topic=world.topic)
    response = client_for("anonymous").get("/")
    assert response.status_code == 200
    html = body(response)
    assert "Jumlah Penduduk" in html
    assert "Rencana Rahasia" not in html
    assert world.topic.name_en in html  # English UI shows the English sector name
    assert "<strong>1</strong> <span>datasets</span>" in html
    assert "catalog/catalog.css" in html


def test_home_counts_only_sectors_with_data_and_says_one_dataset(world, make, client_for):
    from tests.factories import make_topic

    make_topic("pariwisata", "Pariwisata", "Tourism")  # no dataset: not counted, not shown
    make("Jumlah Penduduk", topic=world.topic)
    html = body(client_for("anonymous").get("/"))
    assert "<strong>1</strong> <span>sectors</span>" in html
    assert "Tourism" not in html
    assert "1 dataset<" in html and "1 datasets" not in html


@pytest.mark.parametrize("url", ["/dataset", "/organization", "/topik", "/"])
def test_pages_answer_on_an_empty_portal(db, url):
    from django.test import Client

    assert Client().get(url).status_code == 200


def test_dataset_page_shows_metadata_tags_licence_coverage_and_activity(world, make, client_for):
    dataset = make(
        "Angka Kematian Bayi",
        description="Kematian bayi per 1.000 kelahiran hidup.",
        tags=["bayi", "kesehatan ibu"],
        regions=["51.05", "51.05.01"],
        topic=world.topic,
        temporal_start=2019,
        temporal_end=2023,
        release_date="2024-02-01",
    )
    services.update_dataset(world.users["produsen_own"], dataset, unit="per 1.000 kelahiran")
    html = body(client_for("anonymous").get(f"/dataset/{dataset.slug}"))
    for text in (
        "Angka Kematian Bayi",
        "Kematian bayi per 1.000",
        "kesehatan ibu",
        "Data source",
        "Update frequency",
        "Yearly",
        "Reference codes &amp; format",
        "https://creativecommons.org/licenses/by/4.0/",
        "2019\N{EN DASH}2023",
        'href="/wilayah/51.05.01"',
        "1 February 2024",
        world.owner.name,
    ):
        assert text in html, text
    # Activity: who, what, which fields.
    assert "created the dataset" in html
    assert "changed the metadata" in html
    assert "Unit of measure" in html
    assert world.users["produsen_own"].display_name() in html
    # No edit button and no completeness details for the public.
    assert f"/dataset/{dataset.slug}/ubah" not in html
    assert "Required fields still missing" not in html


def test_synthetic_and_statistical_datasets_are_labelled(world, make, client_for):
    dataset = make(
        "Contoh Sintetis",
        is_synthetic=True,
        is_statistical=True,
        ms_keg={"judul_kegiatan": "Survei Gizi Balita", "jenis_statistik": "sektoral"},
        ms_ind={"nama_indikator": "Prevalensi stunting", "rumus": "a / b * 100"},
        ms_var={"kode_desa": {"definisi": "Kode desa Kemendagri", "tipe_data": "string"}},
    )
    html = body(client_for("anonymous").get(f"/dataset/{dataset.slug}"))
    assert "Synthetic data." in html
    assert "Survei Gizi Balita" in html
    assert "Sectoral statistics" in html  # choice shown by its label
    assert "Prevalensi stunting" in html
    assert "kode_desa" in html and "Kode desa Kemendagri" in html


@pytest.mark.parametrize("role", ["produsen_own", "walidata", "admin"])
def test_editors_see_the_edit_button_and_missing_fields(world, make, client_for, role):
    dataset = make("Bisa Diubah", data_source="")
    html = body(client_for(role).get(f"/dataset/{dataset.slug}"))
    assert f"/dataset/{dataset.slug}/ubah" in html
    assert "Required fields still missing" in html
    assert "Data source" in html


@pytest.mark.parametrize("role", ["produsen_other", "pembina", "pimpinan", "user"])
def test_others_do_not_see_the_edit_button(world, make, client_for, role):
    dataset = make("Tidak Bisa Diubah")
    html = body(client_for(role).get(f"/dataset/{dataset.slug}"))
    assert f"/dataset/{dataset.slug}/ubah" not in html


@pytest.mark.parametrize("role", ROLES_WITHOUT_DRAFT_ACCESS)
@pytest.mark.parametrize("state, classification", [("draft", "publik"), ("published", "rahasia")])
def test_hidden_datasets_answer_404_without_leaking(
    world, make, client_for, role, state, classification
):
    dataset = make("Sangat Tersembunyi", state=state, classification=classification)
    for url in (
        f"/dataset/{dataset.slug}",
        f"/organization/{world.owner.slug}",
        f"/topik/{world.topic.slug}",
        "/dataset?q=tersembunyi",
        "/",
    ):
        response = client_for(role).get(url)
        if url == f"/dataset/{dataset.slug}":
            assert response.status_code == 404
        assert "Sangat Tersembunyi" not in body(response), url


def test_terbatas_is_visible_inside_government_only(world, make, client_for):
    dataset = make("Data Internal", classification="terbatas")
    assert client_for("anonymous").get(f"/dataset/{dataset.slug}").status_code == 404
    assert client_for("user").get(f"/dataset/{dataset.slug}").status_code == 404
    assert client_for("produsen_other").get(f"/dataset/{dataset.slug}").status_code == 200


def test_organisation_and_topic_pages_list_visible_datasets(world, make, client_for):
    make("Milik Pemilik", topic=world.topic)
    make("Milik Lain", organisation=world.other)
    html = body(client_for("anonymous").get(f"/organization/{world.owner.slug}"))
    assert "Milik Pemilik" in html and "Milik Lain" not in html
    html = body(client_for("anonymous").get("/organization"))
    assert world.owner.name in html and world.other.name in html
    html = body(client_for("anonymous").get(f"/topik/{world.topic.slug}"))
    assert "Milik Pemilik" in html and "Milik Lain" not in html
    assert client_for("anonymous").get("/organization/tidak-ada").status_code == 404
    assert client_for("anonymous").get("/topik/tidak-ada").status_code == 404
    # A produsen gets a "new dataset" button on its own agency's page only.
    own = body(client_for("produsen_own").get(f"/organization/{world.owner.slug}"))
    assert f"/dataset/baru?opd={world.owner.slug}" in own
    other = body(client_for("produsen_own").get(f"/organization/{world.other.slug}"))
    assert "/dataset/baru" not in other


# --- the form -------------------------------------------------------------------------------------


def test_create_form_offers_only_the_users_producing_organisations(world, client_for):
    response = client_for("produsen_own").get("/dataset/baru")
    assert response.status_code == 200
    form = read_form(body(response), with_field="title")
    assert form.fields["organisation"] == str(world.owner.pk)
    assert world.other.name not in body(response)
    walidata = body(client_for("walidata").get("/dataset/baru"))
    assert world.owner.name in walidata and world.other.name in walidata


# (operator_desa produces its own desa's datasets: tests/workflow/test_village_end_to_end.py)
@pytest.mark.parametrize("role", ["pembina", "user", "verifikator_kecamatan"])
def test_create_form_is_refused_to_non_producers(world, client_for, role):
    assert client_for(role).get("/dataset/baru").status_code == 403


def test_create_form_needs_log_in(db, client_for):
    response = client_for("anonymous").get("/dataset/baru")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/")


def _filled_form(client, **changes) -> dict:
    form = read_form(body(client.get("/dataset/baru")), with_field="title")
    data = {**form.fields, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_create_through_the_form(world, client_for):
    client = client_for("produsen_own")
    data = _filled_form(
        client,
        title="Jumlah Posyandu",
        description="Posyandu aktif per desa",
        topic=str(world.topic.pk),
        tags="posyandu, balita",
        regions="51.05, 51.05.01",
        frequency="tahunan",
        data_source="Dinas Kesehatan",
        collection_method="kompilasi_administrasi",
        reference_codes="Kode wilayah",
        release_date="2024-03-01",
        temporal_start="2023",
        temporal_end="2023",
        contact_name="Ibu Made",
    )
    response = client.post("/dataset/baru", data)
    assert response.status_code == 302, body(response)
    dataset = Dataset.objects.get(slug="jumlah-posyandu")
    assert response["Location"] == "/dataset/jumlah-posyandu"
    assert dataset.organisation == world.owner
    assert dataset.state == "draft"
    assert sorted(r.code for r in dataset.regions.all()) == ["51.05", "51.05.01"]
    assert sorted(t.name for t in dataset.tags.all()) == ["balita", "posyandu"]
    assert dataset.completeness >= 90  # only optional fields left
    assert AuditEvent.objects.filter(action="dataset.create", object_id=str(dataset.pk)).exists()
    # The owner (a produsen) sees the draft.
    assert client.get("/dataset/jumlah-posyandu").status_code == 200


def test_create_statistical_dataset_stores_bps_metadata(world, client_for):
    client = client_for("produsen_own")
    data = _filled_form(
        client,
        title="Prevalensi Stunting",
        is_statistical="on",
        ms_keg__judul_kegiatan="Bulan Penimbangan Balita",
        ms_keg__jenis_statistik="sektoral",
        ms_ind__nama_indikator="Prevalensi stunting",
        ms_var='{"jumlah_balita": {"definisi": "Balita yang ditimbang"}}',
    )
    response = client.post("/dataset/baru", data)
    assert response.status_code == 302, body(response)
    dataset = Dataset.objects.get(slug="prevalensi-stunting")
    assert dataset.is_statistical
    assert dataset.ms_keg == {
        "judul_kegiatan": "Bulan Penimbangan Balita",
        "jenis_statistik": "sektoral",
    }
    assert dataset.ms_ind == {"nama_indikator": "Prevalensi stunting"}
    assert dataset.ms_var == {"jumlah_balita": {"definisi": "Balita yang ditimbang"}}
    # The edit form shows them again.
    edit = read_form(body(client.get(f"/dataset/{dataset.slug}/ubah")), with_field="title")
    assert edit.fields["ms_keg__judul_kegiatan"] == "Bulan Penimbangan Balita"
    assert "Balita yang ditimbang" in edit.fields["ms_var"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"slug": "sudah-ada"}, "slug", "already exists"),
        ({"slug": "baru"}, "slug", "reserved"),
        ({"regions": "51.05, 99.99.99"}, "regions", "99.99.99"),
        ({"title": ""}, "title", "required"),
        ({"temporal_start": "2024", "temporal_end": "2020"}, "temporal_end", "cannot be before"),
        ({"ms_var": "{not json"}, "ms_var", "not valid JSON"),
        ({"ms_var": '{"kolom": {"warna": "x"}}'}, "ms_var", "unknown fields"),
        ({"contact_email": "bukan email"}, "contact_email", "valid email"),
    ],
)
def test_form_errors_are_shown_next_to_the_field_and_nothing_is_stored(
    world, make, client_for, changes, field, message
):
    make("Sudah Ada", slug="sudah-ada")
    before = (Dataset.objects.count(), AuditEvent.objects.count())
    client = client_for("produsen_own")
    response = client.post(
        "/dataset/baru", _filled_form(client, **{"title": "Baru Lagi", **changes})
    )
    assert response.status_code == 400
    html = body(response)
    assert "The dataset was not saved" in html
    # The message sits in the field's own error list, right after the field.
    marker = f'id="id_{field}_errors"'
    assert marker in html, html
    errors = html.split(marker, 1)[1].split("</ul>", 1)[0]
    assert message in errors
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="id_{field}_errors' in html
    assert (Dataset.objects.count(), AuditEvent.objects.count()) == before


def test_create_for_another_organisation_is_refused(world, client_for):
    client = client_for("produsen_own")
    data = _filled_form(client, title="Menyusup", organisation=str(world.other.pk))
    response = client.post("/dataset/baru", data)
    assert response.status_code == 400
    assert 'id="id_organisation_errors"' in body(response)
    assert not Dataset.objects.filter(title="Menyusup").exists()


def test_edit_through_the_form_audits_the_change(world, make, client_for):
    dataset = make("Data Lama", regions=["51.05"])
    client = client_for("produsen_own")
    form = read_form(body(client.get(f"/dataset/{dataset.slug}/ubah")), with_field="title")
    assert form.fields["regions"] == "51.05"
    response = client.post(
        f"/dataset/{dataset.slug}/ubah", {**form.fields, "title": "Data Baru", "slug": "dibajak"}
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.title == "Data Baru"
    assert dataset.slug != "dibajak"  # the address is fixed after creation
    event = AuditEvent.objects.filter(action="dataset.update").get()
    assert event.changes == {"title": {"before": "Data Lama", "after": "Data Baru"}}


@pytest.mark.parametrize("role", ["produsen_other", "pembina", "user"])
def test_edit_post_for_another_organisations_dataset_is_404_and_changes_nothing(
    world, make, client_for, role
):
    dataset = make("Milik Dinkes")
    form = read_form(
        body(client_for("walidata").get(f"/dataset/{dataset.slug}/ubah")), with_field="title"
    )
    before = (
        list(Dataset.objects.filter(pk=dataset.pk).values()),
        AuditEvent.objects.count(),
    )
    response = client_for(role).post(
        f"/dataset/{dataset.slug}/ubah", {**form.fields, "description": "diretas"}
    )
    assert response.status_code == 404
    after = (
        list(Dataset.objects.filter(pk=dataset.pk).values()),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_edit_cannot_move_a_dataset_to_an_organisation_one_does_not_produce_for(
    world, make, client_for
):
    dataset = make("Tetap Di Sini")
    client = client_for("produsen_own")
    form = read_form(body(client.get(f"/dataset/{dataset.slug}/ubah")), with_field="title")
    response = client.post(
        f"/dataset/{dataset.slug}/ubah", {**form.fields, "organisation": str(world.other.pk)}
    )
    assert response.status_code == 400
    dataset.refresh_from_db()
    assert dataset.organisation == world.owner


# --- live completeness ----------------------------------------------------------------------------


def test_completeness_panel_lists_missing_required_fields(world, client_for):
    client = client_for("produsen_own")
    response = client.post(
        "/dataset/kelengkapan",
        {"title": "Setengah", "data_source": "Dinkes", "regions": "51.05"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = body(response)
    assert "<html" not in html  # a fragment for htmx
    assert "Metadata completeness" in html
    assert "Update frequency" in html  # missing
    assert 'data-field="data_source"' not in html  # given
    assert 'data-field="regions"' not in html


def test_completeness_panel_counts_bps_fields_for_statistical_datasets(world, client_for):
    client = client_for("produsen_own")
    plain = body(client.post("/dataset/kelengkapan", {"title": "X"}))
    statistical = body(client.post("/dataset/kelengkapan", {"title": "X", "is_statistical": "on"}))
    assert "MS-Keg" not in plain
    assert "MS-Keg: Activity title" in statistical


def test_completeness_panel_needs_log_in_and_post(db, client_for):
    assert client_for("anonymous").post("/dataset/kelengkapan", {}).status_code == 302


def test_form_page_wires_the_live_panel(world, client_for):
    html = body(client_for("produsen_own").get("/dataset/baru"))
    assert 'hx-post="/dataset/kelengkapan"' in html
    assert 'hx-include="#dataset-form"' in html
    assert "delay:" in html
    assert 'aria-live="polite"' in html


def test_saved_score_matches_the_form_score(world, client_for):
    client = client_for("produsen_own")
    data = _filled_form(client, title="Skor Sama", data_source="Dinkes", frequency="bulanan")
    panel = body(client.post("/dataset/kelengkapan", data))
    client.post("/dataset/baru", data)
    dataset = Dataset.objects.get(slug="skor-sama")
    assert f"<strong>{dataset.completeness}%</strong>" in panel


def test_dataset_admin_is_registered(world, make):
    from django.test import Client

    make("Di Admin")
    admin_client = Client()
    superuser = world.users["admin"]
    superuser.is_staff = True
    superuser.is_superuser = True
    superuser.save()
    admin_client.force_login(superuser)
    for url in ("/admin/catalog/dataset/", "/admin/catalog/topic/", "/admin/catalog/tag/"):
        assert admin_client.get(url).status_code == 200, url


def test_system_created_dataset_activity_shows_sistem(world, client_for):
    dataset = services.create_dataset(
        SYSTEM, organisation=world.owner, title="Dari Demo", state="published"
    )
    assert "sistem" in body(client_for("anonymous").get(f"/dataset/{dataset.slug}"))


def test_edit_form_asks_ms_var_column_by_column(world, make, client_for):
    from satudata.warehouse.models import Version

    dataset = make(
        "Statistik Berkolom",
        is_statistical=True,
        ms_var={"kode_desa": {"definisi": "Kode desa", "tipe_data": "string"}},
    )
    Version.objects.create(
        dataset=dataset,
        number=1,
        raw_sha256="2" * 64,
        table_schema={"fields": [{"name": "kode_desa"}, {"name": "jumlah_kk"}]},
    )
    client = client_for("produsen_own")
    html = body(client.get(f"/dataset/{dataset.slug}/ubah"))
    form = read_form(html, with_field="title")
    assert form.fields["ms_var_col_0_definisi"] == "Kode desa"
    assert form.fields["ms_var_col_1_definisi"] == ""
    assert "kode_desa: definition" in html
    # Keys asked per column are not repeated in the JSON box; the others stay there.
    assert "Kode desa" not in form.fields["ms_var"]
    assert '"tipe_data": "string"' in form.fields["ms_var"]
    # The live score wants a definition for every column of the table.
    panel = body(client.post("/dataset/kelengkapan", form.fields))
    assert 'data-field="ms_var"' in panel
    filled = {**form.fields, "ms_var_col_1_definisi": "Jumlah kepala keluarga"}
    panel = body(client.post("/dataset/kelengkapan", filled))
    assert 'data-field="ms_var"' not in panel
    response = client.post(f"/dataset/{dataset.slug}/ubah", filled)
    assert response.status_code == 302, body(response)
    dataset.refresh_from_db()
    assert dataset.ms_var == {
        "kode_desa": {"definisi": "Kode desa", "tipe_data": "string"},
        "jumlah_kk": {"definisi": "Jumlah kepala keluarga"},
    }
