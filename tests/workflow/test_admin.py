"""The admin: flows are configured there (a broken step list is refused, edits are audited);
reviews, transitions, comments and notifications are read-only."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from satudata.core.models import AuditEvent
from satudata.workflow import services
from satudata.workflow.models import WorkflowDefinition
from tests.factories import read_form


def admin_client(world) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.users["superuser"])
    return client


def test_admin_pages_open(world, version):
    services.submit(world.users["produsen_own"], version)
    client = admin_client(world)
    for url in (
        "/admin/workflow/workflowdefinition/",
        "/admin/workflow/review/",
        "/admin/workflow/transition/",
        "/admin/workflow/comment/",
        "/admin/workflow/notification/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/workflow/review/add/").status_code == 403


def test_a_flow_must_keep_its_shape(world):
    definition = WorkflowDefinition.objects.get(slug="sektoral")
    client = admin_client(world)
    url = f"/admin/workflow/workflowdefinition/{definition.pk}/change/"
    form = read_form(client.get(url).content.decode(), with_field="slug")
    data = dict(form.fields)
    data["steps-0-action"] = "verify"  # no submit step first any more
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The steps do not make a flow" in response.content.decode()
    assert definition.steps.get(position=0).action == "submit"
    data = dict(form.fields)
    data["name"] = "Alur sektoral (diubah)"
    assert client.post(url, data).status_code == 302
    assert AuditEvent.objects.filter(action="workflow.definition.update").count() == 1
