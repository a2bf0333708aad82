"""The village flow (one engine, another definition): operator_desa submits → the verifikator of
the kecamatan containing the desa verifies → the walidata kabupaten publishes. A verifier of
another kecamatan neither sees nor acts on it; the walidata cannot skip the kecamatan tier."""

from __future__ import annotations

import pytest

from satudata.core.errors import NotFound, PermissionDenied
from satudata.core.models import AuditEvent
from satudata.warehouse.models import Version
from satudata.workflow import queries, services
from satudata.workflow.models import Notification, Review
from tests.factories import CODE_CSV, make_dataset, make_organisation, make_user
from tests.workflow.conftest import refused, review_url, snapshot, token_in


@pytest.fixture
def desa_version(world):
    dataset = make_dataset(
        world.desa_org,
        title="Data Presisi Desa Sakti",
        slug="data-presisi-sakti",
        topic=world.topic,
        regions=["51.05.01.2001"],
        csv=CODE_CSV,
    )
    return Version.objects.get(dataset=dataset, number=1)


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    )


def test_desa_to_kecamatan_to_kabupaten(
    world, desa_version, other_kecamatan_verifier, client_for, django_capture_on_commit_callbacks
):
    from django.test import Client

    version = desa_version
    users = world.users
    stranger = Client()
    stranger.force_login(other_kecamatan_verifier)
    review = queries.situation(version)
    assert review.definition.slug == "desa"

    # The operator of the desa submits (a produsen of an OPD may not: not its flow).
    with pytest.raises((PermissionDenied, NotFound)):
        services.submit(users["produsen_own"], version)
    page = client_for("operator_desa").get(review_url(version))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("operator_desa").post(
            review_url(version, "ajukan"), {"token": token_in(page.content.decode())}
        )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "diajukan"
    assert Review.objects.get(version=version).region_code == "51.05.01.2001"

    # The kecamatan verifier of Nusa Penida is told; the one of Banjarangkan is not.
    assert kinds(users["verifikator_kecamatan"]) == ["submitted"]
    assert kinds(other_kecamatan_verifier) == []
    assert kinds(users["walidata"]) == []

    # Another kecamatan's verifier cannot see it: not in its queue, the page and actions 404.
    queue = stranger.get("/tinjauan/").content.decode()
    assert "Data Presisi Desa Sakti" not in queue
    assert stranger.get(review_url(version)).status_code == 404
    before = snapshot(version)
    token = queries.state_token(queries.situation(version))
    for action in ("verifikasi", "kembalikan", "komentar"):
        response = stranger.post(review_url(version, action), {"token": token, "body": "x"})
        assert response.status_code == 404, action
    with pytest.raises(NotFound):
        services.verify(other_kecamatan_verifier, version)
    assert snapshot(version) == before

    # The walidata sees it under way but may not verify in the kecamatan's place.
    queue = client_for("walidata").get("/tinjauan/")
    assert "Data Presisi Desa Sakti" in queue.content.decode()
    assert version.review in [row.review for row in queue.context["in_progress"]]
    assert refused(client_for("walidata").post(review_url(version, "verifikasi"), {"token": token}))
    with pytest.raises(PermissionDenied):
        services.verify(users["walidata"], version)
    assert snapshot(version) == before

    # The kecamatan's own verifier has it waiting and verifies it.
    mine = client_for("verifikator_kecamatan").get("/tinjauan/")
    assert version.review in [row.review for row in mine.context["waiting_for_you"]]
    page = client_for("verifikator_kecamatan").get(review_url(version))
    with django_capture_on_commit_callbacks(execute=True):
        client_for("verifikator_kecamatan").post(
            review_url(version, "verifikasi"), {"token": token_in(page.content.decode())}
        )
    version.refresh_from_db()
    assert version.status == "diverifikasi"
    assert kinds(users["walidata"]) == ["verified"]
    assert kinds(users["operator_desa"]) == ["verified"]

    # The kecamatan verifier may not publish; the walidata kabupaten does.
    with pytest.raises(PermissionDenied):
        services.publish(users["verifikator_kecamatan"], version)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(users["walidata"], version)
    version.refresh_from_db()
    assert version.status == "terbit"
    assert kinds(users["operator_desa"]) == ["verified", "published"]
    assert kinds(users["verifikator_kecamatan"]) == ["submitted", "published"]
    assert kinds(other_kecamatan_verifier) == []
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


def test_a_three_tier_verification_is_the_same_engine(world, desa_version):
    """Configure a flow with two verification tiers (kecamatan, then walidata): the version
    stays `diajukan` until the last tier has verified."""
    from satudata.workflow.models import WorkflowDefinition, WorkflowStep

    definition = WorkflowDefinition.objects.get(slug="desa")
    publish_step = definition.steps.get(action="publish")
    publish_step.position = 3
    publish_step.save()
    WorkflowStep.objects.create(
        definition=definition, position=2, action="verify", roles=["walidata"], scope="all"
    )
    version = desa_version
    services.submit(world.users["operator_desa"], version)
    services.verify(world.users["verifikator_kecamatan"], version)
    version.refresh_from_db()
    assert version.status == "diajukan" and version.review.tier == 2
    with pytest.raises(PermissionDenied):  # the kecamatan's tier is done
        services.verify(world.users["verifikator_kecamatan"], version)
    services.verify(world.users["walidata"], version)
    version.refresh_from_db()
    assert version.status == "diverifikasi"
    services.publish(world.users["walidata"], version)
    version.refresh_from_db()
    assert version.status == "terbit"


def test_a_desa_without_region_cannot_enter_a_regional_flow(world):
    org = make_organisation("alur-desa-tanpa-wilayah", "Desa Tanpa Wilayah", kind="desa")
    operator = make_user("alur_operator_tanpa", memberships=[(org, "operator_desa")])
    dataset = make_dataset(
        org, title="Data desa tanpa wilayah", topic=world.topic, regions=["51.05"], csv=CODE_CSV
    )
    version = dataset.versions.get()
    from satudata.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="has no region"):
        services.submit(operator, version)
    version.refresh_from_db()
    assert version.status == "draft"
