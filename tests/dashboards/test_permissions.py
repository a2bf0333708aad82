"""Who sees which chart, map and indicator: every role x dataset classification x endpoint.

Charts follow their dataset's visibility (DESIGN §6): publik for everyone, terbatas for members
of any organisation, rahasia for the owning agency and the walidata. Expectations are written out
here, not derived from the permission layer they test.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from satudata.core.permissions import SYSTEM
from satudata.dashboards import services
from tests.factories import ROLES, make_dataset, make_world

pytestmark = pytest.mark.django_db

CSV = "kode_kecamatan,penduduk\n51.05.01,57370\n51.05.02,44431\n"
GOVERNMENT = set(ROLES) - {"anonymous", "user"}
SEES = {
    "publik": set(ROLES),
    "terbatas": GOVERNMENT,
    "rahasia": {"produsen_own", "walidata", "admin", "superuser"},
}
ENDPOINTS = (
    "/grafik/{key}/",
    "/grafik/{key}/sematkan/",
    "/grafik/{key}/data.csv",
    "/grafik/{key}/spec.json",
    "/indikator/{indicator}/",
)


@pytest.fixture(scope="module")
def charts(klungkung, django_db_blocker, tmp_path_factory):
    """Built once for the module (ingest is the slow part), rolled back after it; blobs in the
    same per-session folder that tests/conftest.py gives every test."""
    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    blob_root.mkdir(parents=True, exist_ok=True)
    with (
        override_settings(BLOB_ROOT=blob_root),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)


def _build():
    world = make_world("dpm")
    found = {}
    for classification in SEES:
        dataset = make_dataset(
            world.owner,
            title=f"Data {classification}",
            state="published",
            classification=classification,
            csv=CSV,
        )
        chart = services.create_chart(
            SYSTEM,
            dataset,
            title=f"Grafik {classification}",
            kind="bar",
            measure="penduduk",
            category="kode_kecamatan",
        )
        indicator = services.ensure_indicator(
            SYSTEM,
            slug=f"ind-{classification}",
            dataset=dataset,
            name="Penduduk",
            measure="penduduk",
        )
        found[classification] = (chart, indicator)
    board = services.create_dashboard(SYSTEM, title="Dasbor matriks")
    for chart, indicator in found.values():
        services.add_panel(SYSTEM, board, chart=chart)
        services.add_panel(SYSTEM, board, indicator=indicator)
    return world, found, board


@pytest.mark.parametrize("role", ROLES)
def test_chart_endpoints_follow_the_dataset_visibility(client, charts, role):
    world, found, board = charts
    if role != "anonymous":
        client.force_login(world.users[role])
    for classification, (chart, indicator) in found.items():
        expected = 200 if role in SEES[classification] else 404
        for pattern in ENDPOINTS:
            url = pattern.format(key=chart.key, indicator=indicator.slug)
            assert client.get(url).status_code == expected, (role, classification, url)
    page = client.get(f"/dasbor/{board.slug}/").content.decode()
    visible = sum(len(SEES[c] & {role}) for c in SEES)
    assert page.count('class="dash-panel') == 2 * visible, role
    for panel in board.panels.select_related("chart__dataset", "indicator__dataset"):
        expected = 200 if role in SEES[panel.item.dataset.classification] else 404
        answer = client.get(f"/dasbor/{board.slug}/panel/{panel.pk}/")
        assert answer.status_code == expected, (role, panel.item)


@pytest.mark.parametrize("role", ROLES)
def test_only_walidata_and_admins_edit_dashboards(client, charts, role):
    world, _found, board = charts
    if role != "anonymous":
        client.force_login(world.users[role])
    editors = {"walidata", "admin", "superuser"}
    answer = client.get(f"/dasbor/{board.slug}/ubah/")
    if role == "anonymous":
        assert answer.status_code == 302
    else:
        assert answer.status_code == (200 if role in editors else 404), role
    create = client.get("/dasbor/baru/")
    assert create.status_code in ((200,) if role in editors else (302, 404)), role
