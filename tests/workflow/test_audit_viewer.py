"""The audit trail viewer (/audit/): who may read it, filters, paging, the CSV export (formula
cells escaped) and the chain verification status."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM
from satudata.workflow import auditlog, services
from tests.factories import ROLES, make_dataset

READERS = {"walidata", "admin", "superuser"}


@pytest.fixture
def story(world, version):
    """Some events: the dataset and version made by the system, a submission and a return."""
    services.submit(world.users["produsen_own"], version)
    services.return_version(world.users["walidata"], version, note="Kurang lengkap.")
    return version


def csv_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("role", ROLES)
def test_only_walidata_and_admins_read_the_trail(role, world, client_for):
    client = client_for(role)
    for url in ("/audit/", "/audit/unduh.csv"):
        response = client.get(url)
        if role in READERS:
            assert response.status_code == 200, (role, url)
        elif role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")
        else:
            assert response.status_code == 403, (role, url)


def test_filters(world, story, client_for):
    client = client_for("walidata")

    def actions(query: str) -> list[str]:
        response = client.get("/audit/?" + query)
        assert response.status_code == 200, response.content.decode()[:500]
        return [event.action for event in response.context["page"].object_list]

    assert actions("pengguna=alur_walidata") == ["workflow.return"]
    assert actions("pengguna=ALUR_PRODUSEN_OWN") == ["workflow.submit"]
    assert actions("aksi=workflow.submit") == ["workflow.submit"]
    assert actions("aksi=workflow.*") == ["workflow.return", "workflow.submit"]
    by_dataset = actions(f"dataset={story.dataset.slug}")
    assert by_dataset[:2] == ["workflow.return", "workflow.submit"]
    assert {"dataset.create", "version.create"} <= set(by_dataset)
    other = make_dataset(world.other, title="Dataset Lain", slug="dataset-lain")
    assert actions("dataset=dataset-lain") == ["dataset.create"]
    assert other.slug not in " ".join(by_dataset)
    assert actions(f"organisasi={world.owner.slug}&aksi=workflow.*") == [
        "workflow.return",
        "workflow.submit",
    ]
    today = timezone.localdate()
    assert actions(f"dari={today}&sampai={today}&aksi=workflow.*") == [
        "workflow.return",
        "workflow.submit",
    ]
    assert actions(f"sampai={today - timedelta(days=1)}") == []
    # A full dataset address works too.
    assert actions(f"dataset=/dataset/{story.dataset.slug}&aksi=workflow.return") == [
        "workflow.return"
    ]


@pytest.mark.parametrize(
    "query,message",
    [
        ("dataset=tidak-ada", "No dataset has the address “tidak-ada”."),
        ("pengguna=hantu", "No user “hantu” appears in the log."),
        ("dari=2024-05-02&sampai=2024-05-01", "The start date is after the end date."),
        ("dari=kemarin", "Enter a valid date."),
        ("aksi=%3Cscript%3E", "Unknown action name."),
        ("organisasi=%27%20OR%201%3D1", "Select a valid choice."),
    ],
)
def test_bad_filters_say_what_is_wrong(world, story, client_for, query, message):
    response = client_for("walidata").get("/audit/?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client_for("walidata").get("/audit/unduh.csv?" + query).status_code == 400


def test_paging(world, story, client_for, settings):
    settings.SATUDATA_AUDIT_PAGE_SIZE = 2
    client = client_for("walidata")
    first = client.get("/audit/?aksi=workflow.*").context["page"]
    assert first.paginator.count == 2 and len(first.object_list) == 2
    everything = client.get("/audit/").context["page"]
    assert everything.paginator.num_pages > 1
    last = client.get(f"/audit/?halaman={everything.paginator.num_pages}").context["page"]
    assert last.number == everything.paginator.num_pages
    assert client.get("/audit/?halaman=abc").status_code == 200


def test_csv_export_escapes_formulas_and_is_itself_audited(world, client_for):
    make_dataset(world.owner, title='=HYPERLINK("http://evil.example","klik")')
    response = client_for("walidata").get("/audit/unduh.csv?aksi=dataset.create")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_of(response)
    assert rows[0] == list(auditlog.CSV_COLUMNS)
    labels = [row[rows[0].index("object_label")] for row in rows[1:]]
    assert labels == ['\'=HYPERLINK("http://evil.example","klik")']
    exported = AuditEvent.objects.filter(action="audit.export").get()
    assert exported.changes == {"filters": {"aksi": "dataset.create"}}
    assert exported.actor_label == "alur_walidata"


def test_chain_status_is_shown_and_a_break_is_reported(world, story, client_for):
    cache.clear()
    client = client_for("walidata")
    html = client.get("/audit/").content.decode()
    assert 'data-chain="ok"' in html and "Chain intact." in html
    status = auditlog.chain_status()
    assert status.ok and status.checked == AuditEvent.objects.count()
    # Reused while the head has not moved (verification walks the whole chain).
    assert auditlog.chain_status().verified_at == status.verified_at
    # Someone edits an event behind the portal's back: the next verification says where.
    victim = AuditEvent.objects.get(action="workflow.submit")
    AuditEvent.objects.filter(pk=victim.pk).update(actor_label="orang-lain")
    cache.clear()
    html = client.get("/audit/").content.decode()
    assert 'data-chain="broken"' in html
    assert f"The link at event #{victim.pk} does not hold" in html
    assert "event content altered (hash mismatch)" in html


def test_a_new_event_refreshes_the_chain_status(world, story):
    cache.clear()
    first = auditlog.chain_status()
    services.add_comment(SYSTEM, story, body="Catatan sistem.")
    second = auditlog.chain_status()
    assert second.checked == first.checked + 1
