"""The permission matrix (DESIGN §6), continued: the endpoints of the dashboards, reports and
connectors apps, the API request log, the API keys page and the review API.

Same data and same hand-written tables as tests/test_permission_matrix.py (its module fixture is
reused: six datasets, draft and published x publik, terbatas, rahasia, one user per role), plus,
built once for this module inside the same rolled-back transaction: a chart of each published
dataset (charts are only made of published data) on one public dashboard, a listed and an
unlisted report, and a file-drop connector feeding each of the six datasets. Expectations are
written out below from DESIGN §6 and what each app's own code and tests say is intended; they are
NOT computed by asking the permission layer. Read-only pages are fetched once per (role, URL).

Who may do what, beyond the dataset tables (SEES) of the first module:
  - charts, chart images and data, dashboard panels: like their dataset (hidden -> 404, never 403)
  - editing charts, creating/editing dashboards, creating/editing reports, the API request log:
    walidata and admin only (others 404, anonymous the log-in page)
  - reports: listed ones for everybody; unlisted ones for the roles that oversee all data
    (walidata, admin, pembina, pimpinan); others 404
  - connectors: the walidata and the produsen of the owning OPD; other produsen see the list
    without them; everybody else 404 (anonymous the log-in page)
  - the API keys page: any logged-in user
  - a report's section editor offers only published publik datasets (reports are public)
  - the review API: a version's review state for those who may open its review (the owning OPD,
    walidata/admin, pembina and pimpinan for what they see); writes never with a session cookie;
    publishing with the role's own API key like publish_post (walidata and admin only)
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from tests.factories import CLASSIFICATIONS, ROLES, STATES
from tests.test_permission_matrix import (  # noqa: F401 (matrix: the shared module fixture)
    ABSENT,
    DENIED,
    HIDDEN,
    LISTED,
    OK,
    SEES,
    Matrix,
    Page,
    _assert_refused,
    matrix,
    title_for,
)

# Walidata and admins (a superuser is an admin).
WALIDATA = frozenset({"walidata", "admin", "superuser"})
# Reports not listed publicly: every role that oversees all data (reports/models.py).
OVERSEERS = WALIDATA | {"pembina", "pimpinan"}
# Connectors: the walidata and the produsen of the OPD that owns the dataset.
CONNECTOR_OWNERS = WALIDATA | {"produsen_own"}
# The connector pages at all (list, "new connector"): walidata and any produsen.
CONNECTOR_MEMBERS = CONNECTOR_OWNERS | {"produsen_other"}
LOGGED_IN = frozenset(ROLES) - {"anonymous"}
PUBLISHED_CELLS = [("published", classification) for classification in CLASSIFICATIONS]
ALL_CELLS = [(state, classification) for state in STATES for classification in CLASSIFICATIONS]


def sees(role: str, state: str, classification: str) -> bool:
    return classification[0].upper() in SEES[role][state == "published"]


def sees_unpublished(role: str, classification: str) -> bool:
    return classification[0].upper() in SEES[role][0]


# ---------------------------------------------------------------------------------------------
# The data.

BOARD = "mx-dasbor-zebrakuda"
LISTED_REPORT = "mx-laporan-terbuka"
UNLISTED_REPORT = "mx-laporan-internal"
REPORT_TITLES = {
    LISTED_REPORT: "Laporan Zebrakuda Terbuka",
    UNLISTED_REPORT: "Laporan Zebrakuda Internal",
}


def chart_title(classification: str) -> str:
    return f"Grafik {title_for('published', classification)}"


def connector_name(state: str, classification: str) -> str:
    return f"mx-kon-{state}-{classification}"


@pytest.fixture(scope="module")
def apps(matrix, django_db_blocker, tmp_path_factory):  # noqa: F811
    drop = tmp_path_factory.mktemp("drop")
    with override_settings(SATUDATA_CONNECTOR_DROP_DIR=str(drop)), django_db_blocker.unblock():
        yield _build_apps(matrix)
    # Rolled back with the matrix's outer transaction.


def _build_apps(data: Matrix) -> Matrix:
    from satudata.connectors import services as connectors
    from satudata.core.permissions import SYSTEM
    from satudata.dashboards import services as dashboards
    from satudata.reports import services as reports

    board = dashboards.create_dashboard(SYSTEM, title="Dasbor Matriks", slug=BOARD)
    data.charts, data.panels = {}, {}
    for cell in PUBLISHED_CELLS:
        chart = dashboards.create_chart(
            SYSTEM,
            data.datasets[cell],
            title=chart_title(cell[1]),
            kind="bar",
            measure="jumlah",
            category="nama_wilayah",
        )
        data.charts[cell] = chart.key
        data.panels[cell] = dashboards.add_panel(SYSTEM, board, chart=chart).pk
    for slug, title in REPORT_TITLES.items():
        reports.create_report(SYSTEM, slug=slug, title=title, is_public=slug == LISTED_REPORT)
    for (state, classification), dataset in data.datasets.items():
        connectors.create_connector(
            SYSTEM,
            name=connector_name(state, classification),
            type_key="filedrop",
            dataset=dataset,
            config={"folder": f"mx{state}{classification}", "pattern": "*.csv"},
            schedule="manual",
        )
    data.api_keys = _api_keys(data)
    data.key_client = Client()  # no session: the API key alone
    return data


def _api_keys(data: Matrix) -> dict[str, str]:
    """A write API key per logged-in role (a read key where the role may not hold one)."""
    from satudata.accounts.models import TokenScope
    from satudata.accounts.services import create_api_token
    from satudata.core.errors import SatuDataError

    found = {}
    for role, user in data.world.users.items():
        try:
            _token, key = create_api_token(user, name="matriks", scope=TokenScope.WRITE)
        except SatuDataError:
            _token, key = create_api_token(user, name="matriks", scope=TokenScope.READ)
        found[role] = key
    return found


def _cells(endpoints, cells) -> list:
    return [
        pytest.param(
            role, state, classification, endpoint, id=f"{endpoint}-{role}-{state}-{classification}"
        )
        for endpoint in endpoints
        for role in ROLES
        for state, classification in cells
    ]


def _role_cells(endpoints) -> list:
    return [
        pytest.param(role, endpoint, id=f"{endpoint}-{role}")
        for endpoint in endpoints
        for role in ROLES
    ]


def _format(template: str, data: Matrix, state: str, classification: str) -> str:
    cell = (state, classification)
    return template.format(
        slug=f"mx-{state}-{classification}",
        key=data.charts.get(cell, "none"),
        panel=data.panels.get(cell, 0),
        board=BOARD,
        connector=connector_name(state, classification),
        newest=data.newest[cell],
    )


def _check_ok(page: Page, what: str, *shown: str) -> None:
    assert page.status == 200, f"{what}: expected 200, got {page.status} {page.location}"
    for text in shown:
        assert text in page.body, f"{what}: does not show {text!r}"


# ---------------------------------------------------------------------------------------------
# Dashboards: a chart of each published dataset, everywhere it shows.

CHART_URLS = {
    "chart_page": "/grafik/{key}/",
    "chart_embed": "/grafik/{key}/sematkan/",
    "chart_svg": "/grafik/{key}/grafik.svg",
    "chart_png": "/grafik/{key}/grafik.png",
    "chart_csv": "/grafik/{key}/data.csv",
    "chart_spec": "/grafik/{key}/spec.json",
    "dashboard_panel": "/dasbor/{board}/panel/{panel}/",
    "chart_edit_get": "/grafik/{key}/ubah/",
}


def chart_expectation(role: str, classification: str, endpoint: str) -> str:
    visible = sees(role, "published", classification)
    if endpoint == "chart_edit_get":  # a chart made by the system: walidata and admin edit it
        return OK if role in WALIDATA else (DENIED if visible else HIDDEN)
    return OK if visible else HIDDEN


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(CHART_URLS, PUBLISHED_CELLS))
def test_chart_endpoint(apps, role, state, classification, endpoint):
    outcome = chart_expectation(role, classification, endpoint)
    url = _format(CHART_URLS[endpoint], apps, state, classification)
    page = apps.get(role, url)
    what = f"{role} GET {url}"
    title = title_for(state, classification)  # part of the chart's title too
    if outcome != OK:
        _assert_refused(page, outcome, role, title, what)
        return
    shown = {
        "chart_page": [chart_title(classification)],
        "chart_embed": [chart_title(classification)],
        "chart_csv": ["Wilayah 1"],
        "chart_svg": ["<svg"],
        "chart_png": ["PNG"],
        "chart_edit_get": [chart_title(classification)],
    }.get(endpoint, [])
    _check_ok(page, what, *shown)
    if endpoint == "chart_spec":
        assert "Wilayah 1" in json.dumps(json.loads(page.body)), f"{what}: no data in the spec"


# Pages that list charts, datasets to chart, dashboard panels: a dataset shows when the role sees
# it and it has a public version (drafts have none: nothing to chart, even for those who see them).
CHART_LISTS = {
    "dashboard_list": "/dasbor/",
    "dashboard_page": "/dasbor/{board}/",
    "builder_list": "/grafik/baru/",
    "builder_dataset": "/grafik/baru/?dataset={slug}",
}


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(CHART_LISTS, ALL_CELLS))
def test_chart_listing(apps, role, state, classification, endpoint):
    chartable = state == "published" and sees(role, state, classification)
    outcome = LISTED if chartable else ABSENT
    url = _format(CHART_LISTS[endpoint], apps, state, classification)
    page = apps.get(role, url)
    what = f"{role} GET {url}"
    assert page.status == 200, f"{what}: expected 200, got {page.status}"
    title = title_for(state, classification)
    if outcome == LISTED:
        assert title in page.body, f"{what}: should show {title!r}"
    else:
        assert title not in page.body, f"{what}: leaks {title!r}"
        key = apps.charts.get((state, classification))
        assert key is None or f"/grafik/{key}/" not in page.body, f"{what}: links the chart"


# ---------------------------------------------------------------------------------------------
# Pages that do not depend on a dataset: (URL, the roles allowed). Everybody else: 404, and
# anonymous visitors are sent to log in (on public pages: 404 too).
ROLE_PAGES = {
    "dashboard_create_get": ("/dasbor/baru/", WALIDATA),
    "dashboard_edit_get": (f"/dasbor/{BOARD}/ubah/", WALIDATA),
    "report_create_get": ("/laporan/baru", WALIDATA),
    "report_edit_get": (f"/laporan/{LISTED_REPORT}/ubah", WALIDATA),
    "unlisted_report_edit_get": (f"/laporan/{UNLISTED_REPORT}/ubah", WALIDATA),
    "report_list": ("/laporan/", frozenset(ROLES)),
    "listed_report_page": (f"/laporan/{LISTED_REPORT}/", frozenset(ROLES)),
    "unlisted_report_page": (f"/laporan/{UNLISTED_REPORT}/", OVERSEERS),
    "connector_list": ("/konektor/", CONNECTOR_MEMBERS),
    "connector_create_get": ("/konektor/baru/filedrop/", CONNECTOR_MEMBERS),
    "request_log": ("/log-api/", WALIDATA),
    "request_log_csv": ("/log-api/csv", WALIDATA),
    "api_keys": ("/akun/kunci-api/", LOGGED_IN),
}
# Public pages (no log-in needed): what a visitor may not see is simply not there (404).
PUBLIC_PAGES = ("report_list", "listed_report_page", "unlisted_report_page")


@pytest.mark.parametrize("role,endpoint", _role_cells(ROLE_PAGES))
def test_role_page(apps, role, endpoint):
    url, allowed = ROLE_PAGES[endpoint]
    page = apps.get(role, url)
    what = f"{role} GET {url}"
    if role in allowed:
        _check_ok(page, what)
    elif role == "anonymous" and endpoint not in PUBLIC_PAGES:
        assert page.goes_to_login, f"{what}: expected the log-in page, got {page.status}"
    else:
        assert page.status == 404, f"{what}: expected 404, got {page.status}"
        assert REPORT_TITLES[UNLISTED_REPORT] not in page.body, f"{what}: leaks the report"


@pytest.mark.parametrize("role", ROLES)
def test_report_list(apps, role):
    page = apps.get(role, "/laporan/")
    assert page.status == 200
    assert REPORT_TITLES[LISTED_REPORT] in page.body, role
    shown = REPORT_TITLES[UNLISTED_REPORT] in page.body
    assert shown == (role in OVERSEERS), f"{role}: unlisted report shown={shown}"


@pytest.mark.parametrize(
    "role,state,classification,endpoint", _cells(["report_section_datasets"], ALL_CELLS)
)
def test_report_section_datasets(apps, role, state, classification, endpoint):
    """A report is a public publication: its editors (walidata, admin) are offered only the
    datasets everybody may read (published publik), never what only they themselves see."""
    url = f"/laporan/{LISTED_REPORT}/bagian/baru"
    page = apps.get(role, url)
    what = f"{role} GET {url}"
    title = title_for(state, classification)
    if role not in WALIDATA:
        ok = page.status == 404 or (role == "anonymous" and page.goes_to_login)
        assert ok, f"{what}: expected 404 (or log-in), got {page.status}"
        assert title not in page.body, f"{what}: leaks {title!r}"
        return
    _check_ok(page, what)
    offered = title in page.body
    assert offered == (state == "published" and classification == "publik"), f"{what}: {offered}"


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_create_post(apps, db, role):
    from satudata.dashboards.models import Dashboard

    before = Dashboard.objects.count()
    page = Page.of(apps.clients[role].post("/dasbor/baru/", {"title": f"Dasbor {role}"}))
    created = Dashboard.objects.count() - before
    what = f"{role} POST /dasbor/baru/"
    if role in WALIDATA:
        assert page.status in (302, 303) and created == 1, f"{what}: {page.status}, {created}"
    else:
        refused = page.status == 404 or (role == "anonymous" and page.goes_to_login)
        assert refused and created == 0, f"{what}: {page.status}, created {created}"


# ---------------------------------------------------------------------------------------------
# Connectors: one feeding each dataset. Who sees a connector does not depend on the dataset's
# state or classification, only on who owns it; refusals are 404 and name nothing.

CONNECTOR_URLS = {
    "connector_detail": "/konektor/{connector}/",
    "connector_edit_get": "/konektor/{connector}/ubah/",
}


def _connector_refused(page: Page, role: str, what: str, *secret: str) -> None:
    """404 naming none of `secret` (the 404 page repeats the asked URL, so not the name)."""
    if role == "anonymous":
        assert page.goes_to_login, f"{what}: expected the log-in page, got {page.status}"
        return
    assert page.status == 404, f"{what}: expected 404, got {page.status}"
    for text in secret:
        assert text not in page.body, f"{what}: leaks {text!r}"


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(CONNECTOR_URLS, ALL_CELLS))
def test_connector_page(apps, role, state, classification, endpoint):
    url = _format(CONNECTOR_URLS[endpoint], apps, state, classification)
    page = apps.get(role, url)
    what = f"{role} GET {url}"
    name = connector_name(state, classification)
    if role in CONNECTOR_OWNERS:
        _check_ok(page, what, name)
    else:
        _connector_refused(page, role, what, title_for(state, classification))


@pytest.mark.parametrize(
    "role,state,classification,endpoint", _cells(["connector_list"], ALL_CELLS)
)
def test_connector_listing(apps, role, state, classification, endpoint):
    page = apps.get(role, "/konektor/")
    what = f"{role} GET /konektor/"
    name = connector_name(state, classification)
    if role in CONNECTOR_OWNERS:
        _check_ok(page, what, name)
    elif role in CONNECTOR_MEMBERS:  # another OPD's produsen: the page, without this connector
        _check_ok(page, what)
        assert name not in page.body, f"{what}: leaks {name!r}"
        assert title_for(state, classification) not in page.body, f"{what}: leaks the dataset"
    else:
        _connector_refused(page, role, what, name, title_for(state, classification))


@pytest.mark.parametrize(
    "role,state,classification,endpoint", _cells(["run_now", "try_it"], ALL_CELLS)
)
def test_connector_action(apps, db, role, state, classification, endpoint):
    from satudata.connectors.models import SyncRun

    name = connector_name(state, classification)
    path = "jalankan" if endpoint == "run_now" else "coba"
    url = f"/konektor/{name}/{path}/"
    before = SyncRun.objects.filter(connector__name=name).count()
    page = Page.of(apps.clients[role].post(url))
    runs = SyncRun.objects.filter(connector__name=name).count() - before
    what = f"{role} POST {url}"
    if role not in CONNECTOR_OWNERS:
        _connector_refused(page, role, what, title_for(state, classification))
        assert runs == 0, f"{what}: refused but a run was recorded"
    elif endpoint == "run_now":
        assert page.status in (302, 303), f"{what}: expected a redirect, got {page.status}"
        assert runs == 1, f"{what}: no run recorded"
    else:  # a preview only: nothing is recorded
        assert page.status == 200, f"{what}: expected 200, got {page.status}"
        assert runs == 0, f"{what}: trying recorded a run"


# ---------------------------------------------------------------------------------------------
# The review API (workflow/api.py, mounted in api/v1.py), not in tests/api/test_v1_matrix.py.
# The review of a version is open to those who may open its review page: its own OPD,
# walidata/admin, and pembina/pimpinan for what they see; not to every reader of the published
# dataset (the review's discussion stays inside). Anonymous callers: 404.

REVIEW_URLS = {
    "review_state_newest": "/api/v1/reviews/{slug}/{newest}",
    "review_state_v1": "/api/v1/reviews/{slug}/1",
}


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(REVIEW_URLS, ALL_CELLS))
def test_review_state(apps, role, state, classification, endpoint):
    url = _format(REVIEW_URLS[endpoint], apps, state, classification)
    page = apps.get(role, url)
    what = f"{role} GET {url}"
    if sees_unpublished(role, classification):
        _check_ok(page, what)
        assert json.loads(page.body)["dataset"] == f"mx-{state}-{classification}", what
    else:
        assert page.status == 404, f"{what}: expected 404, got {page.status}"
        assert title_for(state, classification) not in page.body, f"{what}: leaks the title"
        assert f"mx-{state}-{classification}" not in page.body, f"{what}: leaks the slug"


def _is_published(version) -> bool:
    """The version is now the dataset's public one (and marked so)."""
    from satudata.catalog.models import Dataset
    from satudata.warehouse.models import VersionStatus

    version.refresh_from_db()
    dataset = Dataset.objects.get(pk=version.dataset_id)
    return dataset.published_version_id == version.pk and version.status == VersionStatus.TERBIT


@pytest.mark.parametrize("role,state,classification,endpoint", _cells(["review_post"], ALL_CELLS))
def test_review_transition_refuses_a_session(apps, db, role, state, classification, endpoint):
    """Writes need an API key: a logged-in browser session never publishes (nor anything)."""
    cell = (state, classification)
    state_url = _format(REVIEW_URLS["review_state_newest"], apps, state, classification)
    token = json.loads(apps.get("walidata", state_url).body)["token"]
    version = apps.datasets[cell].versions.get(number=apps.newest[cell])
    url = f"{state_url}/publish"
    response = apps.clients[role].post(url, {"token": token}, content_type="application/json")
    what = f"{role} POST {url} (session)"
    assert response.status_code in (401, 403, 404), f"{what}: {response.status_code}"
    assert not _is_published(version), f"{what}: the version was published"


@pytest.mark.parametrize(
    "role,state,classification,endpoint", _cells(["review_publish"], ALL_CELLS)
)
def test_review_publish_with_a_key(apps, db, role, state, classification, endpoint):
    """Publishing through the API with the role's own key: like publish_post of the first module
    (walidata and admin only; those who see the unpublished version may be told 403; everybody
    else 404 naming nothing). A read-only key is refused before any lookup (the same 403 for
    every address, so it tells nothing)."""
    cell = (state, classification)
    state_url = _format(REVIEW_URLS["review_state_newest"], apps, state, classification)
    token = json.loads(apps.get("walidata", state_url).body)["token"]
    version = apps.datasets[cell].versions.get(number=apps.newest[cell])
    headers = {}
    if role != "anonymous":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {apps.api_keys[role]}"
    response = apps.key_client.post(
        f"{state_url}/publish", {"token": token}, content_type="application/json", **headers
    )
    published = _is_published(version)
    what = f"{role} POST {state_url}/publish (API key)"
    if role in WALIDATA:
        assert response.status_code == 200, f"{what}: {response.status_code} {response.content!r}"
        assert published, f"{what}: answered 200 but the version is not published"
        return
    assert not published, f"{what}: refused ({response.status_code}) but published"
    answer = response.json()
    if response.status_code == 403 and answer.get("code") == "api-key-read-only":
        return
    if role == "anonymous":
        assert response.status_code == 401, f"{what}: {response.status_code}"
    elif sees_unpublished(role, classification):
        assert response.status_code in (403, 404), f"{what}: {response.status_code}"
    else:
        assert response.status_code == 404, f"{what}: expected 404, got {response.status_code}"
        assert title_for(state, classification) not in response.content.decode(), what
