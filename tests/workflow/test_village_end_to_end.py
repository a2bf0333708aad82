"""The village flow usable end to end through the web pages, as the people who do it: the desa's
operator creates a dataset and uploads its table, submits it; the verifikator of the kecamatan
containing the desa verifies it (another kecamatan's verifier neither sees nor acts on it); the
walidata kabupaten publishes it. And the walidata can choose which flow a dataset follows."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from satudata.catalog.models import Dataset
from satudata.core.models import AuditEvent
from satudata.core.permissions import actor_for
from satudata.warehouse import tasks
from satudata.warehouse.models import Version
from satudata.workflow import engine, queries
from satudata.workflow.models import DatasetFlow
from tests.factories import CODE_CSV, make_dataset, make_organisation, make_user, read_form
from tests.workflow.conftest import refused, review_url, snapshot, token_in

TITLE = "Data Posyandu Desa Sakti"


@pytest.fixture
def queue(settings, tmp_path):
    """A live worker (heartbeat) with Huey in immediate mode: the upload job runs now."""
    settings.BLOB_ROOT = tmp_path / "blobs"
    tasks.beat()
    tasks.huey.immediate = True
    yield
    tasks.huey.immediate = False


def _create_as_operator(client, world) -> Dataset:
    form_page = client.get("/dataset/baru")
    assert form_page.status_code == 200
    html = form_page.content.decode()
    # The operator may create datasets for its own desa, and for no other organisation.
    assert world.desa_org.name in html and world.owner.name not in html
    form = read_form(html, with_field="title")
    assert form.fields["organisation"] == str(world.desa_org.pk)
    data = {
        **form.fields,
        "title": TITLE,
        "description": "Posyandu aktif dan kadernya di Desa Sakti",
        "topic": str(world.topic.pk),
        "regions": "51.05.01.2001",
        "frequency": "tahunan",
        "data_source": "Pemerintah Desa Sakti",
        "collection_method": "kompilasi_administrasi",
        "reference_codes": "Kode wilayah",
        "release_date": "2026-03-01",
        "temporal_start": "2025",
        "temporal_end": "2025",
        "contact_name": "Operator Desa Sakti",
    }
    response = client.post("/dataset/baru", {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dataset.objects.get(title=TITLE)


def _upload(client, dataset) -> Version:
    upload = io.BytesIO(CODE_CSV.encode())
    upload.name = "posyandu-sakti.csv"
    response = client.post(reverse("warehouse:upload", args=[dataset.slug]), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Version.objects.get(dataset=dataset, number=1)


def _post_with_token(client, version, action: str):
    page = client.get(review_url(version))
    assert page.status_code == 200
    return client.post(review_url(version, action), {"token": token_in(page.content.decode())})


def test_operator_desa_to_kecamatan_to_walidata_through_the_pages(
    world, client_for, other_kecamatan_verifier, queue, django_capture_on_commit_callbacks
):
    from django.test import Client

    operator = client_for("operator_desa")
    dataset = _create_as_operator(operator, world)
    assert dataset.organisation == world.desa_org
    version = _upload(operator, dataset)
    assert version.status == "draft" and version.error_count == 0

    # Another desa's operator (same kecamatan) does not see the draft.
    other_desa = make_organisation("alur-desa-lain", "Desa Lain", kind="desa")
    stranger_operator = Client()
    stranger_operator.force_login(
        make_user("alur_operator_lain", memberships=[(other_desa, "operator_desa")])
    )
    assert stranger_operator.get(f"/dataset/{dataset.slug}").status_code == 404
    assert refused(stranger_operator.post(f"/dataset/{dataset.slug}/unggah", {}))

    # The operator submits; the flow is the village one, scoped to the desa's region.
    assert engine.definition_for(dataset).slug == "desa"
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_with_token(operator, version, "ajukan")
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "diajukan"

    # Another kecamatan's verifier: not in its queue, page and actions answer 404.
    other = Client()
    other.force_login(other_kecamatan_verifier)
    assert TITLE not in other.get("/tinjauan/").content.decode()
    assert other.get(review_url(version)).status_code == 404
    before = snapshot(version)
    for action in ("verifikasi", "kembalikan", "terbitkan"):
        assert (
            other.post(review_url(version, action), {"token": "x", "body": "x"}).status_code == 404
        )
    assert snapshot(version) == before

    # The kecamatan's verifier finds it waiting and verifies it.
    verifier = client_for("verifikator_kecamatan")
    queue_page = verifier.get("/tinjauan/")
    assert [row.dataset.title for row in queue_page.context["waiting_for_you"]] == [TITLE]
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_with_token(verifier, version, "verifikasi").status_code == 302
    version.refresh_from_db()
    assert version.status == "diverifikasi"

    # The walidata kabupaten publishes; the public sees the dataset.
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_with_token(client_for("walidata"), version, "terbitkan").status_code == 302
    version.refresh_from_db()
    dataset.refresh_from_db()
    assert version.status == "terbit" and dataset.published_version_id == version.pk
    assert client_for("anonymous").get(f"/dataset/{dataset.slug}").status_code == 200
    actions = list(
        AuditEvent.objects.filter(object_type="warehouse.version", object_id=str(version.pk))
        .exclude(action="version.create")
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("workflow.submit", "alur_operator_desa"),
        ("workflow.verify", "alur_verifikator_kecamatan"),
        ("version.publish", "alur_walidata"),
    ]


def test_walidata_chooses_the_flow_of_a_dataset(world, client_for):
    """A desa's dataset follows the village flow by its organisation's kind; the walidata can
    set another flow from the review page (audited), and go back to the automatic choice."""
    dataset = make_dataset(
        world.desa_org, title="Profil Desa Sakti", slug="profil-sakti", csv=CODE_CSV
    )
    version = dataset.versions.get()
    assert engine.definition_for(dataset).slug == "desa"
    page = client_for("walidata").get(review_url(version)).content.decode()
    assert 'id="flow-form"' in page

    # Nobody but the walidata may choose; a produsen or the operator gets 403, nothing changes.
    for role in ("operator_desa", "produsen_own", "verifikator_kecamatan", "pembina"):
        response = client_for(role).post(review_url(version, "alur"), {"flow": "sektoral"})
        assert refused(response), role
    assert not DatasetFlow.objects.exists()
    assert (
        'id="flow-form"'
        not in client_for("operator_desa").get(review_url(version)).content.decode()
    )

    # An unknown flow is a clear 400, nothing stored.
    response = client_for("walidata").post(review_url(version, "alur"), {"flow": "tidak-ada"})
    assert response.status_code == 400
    assert "tidak-ada" in response.content.decode()
    assert not DatasetFlow.objects.exists()

    response = client_for("walidata").post(review_url(version, "alur"), {"flow": "sektoral"})
    assert response.status_code == 302
    assert engine.definition_for(dataset).slug == "sektoral"
    event = AuditEvent.objects.filter(action="workflow.flow_choose").get()
    assert event.changes["flow"] == ["", "sektoral"]
    # The sectoral flow starts with an OPD's produsen: the desa operator no longer submits.
    operator = actor_for(world.users["operator_desa"])
    assert "submit" not in engine.allowed_actions(operator, queries.situation(version))

    client_for("walidata").post(review_url(version, "alur"), {"flow": ""})
    assert engine.definition_for(dataset).slug == "desa"
    assert AuditEvent.objects.filter(action="workflow.flow_choose").count() == 2
    # Choosing what is already chosen records nothing.
    client_for("walidata").post(review_url(version, "alur"), {"flow": ""})
    assert AuditEvent.objects.filter(action="workflow.flow_choose").count() == 2


def test_built_in_flows_survive_a_flush(transactional_db):
    """`flush` empties every table; the post_migrate hook puts the two built-in flows back."""
    from django.core.management import call_command

    from satudata.workflow.models import WorkflowDefinition

    call_command("flush", interactive=False, verbosity=0)
    assert sorted(WorkflowDefinition.objects.values_list("slug", flat=True)) == ["desa", "sektoral"]
    steps = WorkflowDefinition.objects.get(slug="desa").steps.order_by("position")
    assert [(s.action, s.roles, s.scope) for s in steps] == [
        ("submit", ["operator_desa"], "organisation"),
        ("verify", ["verifikator_kecamatan"], "region"),
        ("publish", ["walidata"], "all"),
    ]
