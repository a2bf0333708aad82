"""The workflow pages in the permission matrix's style: every role by a submitted version of a
publik and of a rahasia dataset by each page. Expectations written out by hand from DESIGN §6
and issue 5, not computed by asking the layer under test.

  OK       200, the page shows the dataset
  HIDDEN   404 (anonymous: the log-in page), the title nowhere in the answer
  LOGIN    anonymous visitors are sent to the log-in page
"""

from __future__ import annotations

import pytest

from satudata.workflow import services
from tests.factories import CODE_CSV, ROLES, make_dataset

OK, HIDDEN, LOGIN = "OK", "HIDDEN", "LOGIN"

# Who may open a submitted version's review page (publik, rahasia):
# the owning OPD, walidata/admin, and the overseeing pembina and pimpinan (never rahasia).
# Village operators and kecamatan verifiers see only their own region's village submissions.
OPENS_REVIEW: dict[str, tuple[bool, bool]] = {
    "anonymous":             (False, False),
    "user":                  (False, False),
    "produsen_own":          (True,  True),
    "produsen_other":        (False, False),
    "walidata":              (True,  True),
    "pembina":               (True,  False),
    "pimpinan":              (True,  False),
    "operator_desa":         (False, False),
    "verifikator_kecamatan": (False, False),
    "admin":                 (True,  True),
    "superuser":             (True,  True),
}  # fmt: skip
# Who finds it in the queue as waiting for them (a walidata's verification).
WAITS_FOR: frozenset[str] = frozenset({"walidata", "admin", "superuser"})
PERSONAL_PAGES = ("/tinjauan/", "/notifikasi/", "/notifikasi/pengaturan")


@pytest.fixture
def submissions(world):
    found = {}
    for classification in ("publik", "rahasia"):
        dataset = make_dataset(
            world.owner,
            title=f"Kuda Nil {classification.capitalize()} Tinjauan",
            slug=f"kuda-nil-{classification}",
            classification=classification,
            topic=world.topic,
            regions=["51.05"],
            csv=CODE_CSV,
        )
        version = dataset.versions.get()
        services.submit(world.users["produsen_own"], version)
        found[classification] = version
    return found


def expectation(role: str, classification: str) -> str:
    if OPENS_REVIEW[role][classification == "rahasia"]:
        return OK
    return LOGIN if role == "anonymous" else HIDDEN


@pytest.mark.parametrize("classification", ["publik", "rahasia"])
@pytest.mark.parametrize("role", ROLES)
def test_review_page(role, classification, submissions, client_for):
    version = submissions[classification]
    title = version.dataset.title
    response = client_for(role).get(f"/tinjauan/{version.dataset.slug}/1")
    outcome = expectation(role, classification)
    body = response.content.decode()
    if outcome == OK:
        assert response.status_code == 200, role
        assert title in body
    elif outcome == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")
    else:
        assert response.status_code == 404, role
        assert title not in body


@pytest.mark.parametrize("role", ROLES)
def test_queue_lists_only_what_the_role_may_see(role, submissions, client_for):
    response = client_for(role).get("/tinjauan/")
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    body = response.content.decode()
    mine = {row.version.pk for row in response.context["waiting_for_you"]}
    others = {row.version.pk for row in response.context["in_progress"]}
    for classification, version in submissions.items():
        sees = OPENS_REVIEW[role][classification == "rahasia"]
        assert (version.dataset.title in body) == sees, (role, classification)
        if role in WAITS_FOR:
            assert version.pk in mine, (role, classification)
        else:
            assert version.pk not in mine, (role, classification)
            assert (version.pk in others) == sees, (role, classification)


@pytest.mark.parametrize("url", PERSONAL_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_personal_pages_need_a_log_in(role, url, world, client_for):
    response = client_for(role).get(url)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")
    else:
        assert response.status_code == 200


def test_unknown_versions_are_404(world, submissions, client_for):
    client = client_for("walidata")
    for url in (
        "/tinjauan/kuda-nil-publik/2",
        "/tinjauan/kuda-nil-publik/0",
        "/tinjauan/kuda-nil-publik/99999999999",
        "/tinjauan/tidak-ada/1",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ROLES)
def test_the_review_of_a_published_version_stays_inside(role, world, client_for):
    """The public and other agencies see the published data, not its review discussion."""
    dataset = make_dataset(
        world.owner,
        title="Kuda Nil Terbit Tinjauan",
        slug="kuda-nil-terbit",
        state="published",
        topic=world.topic,
        regions=["51.05"],
    )
    response = client_for(role).get(f"/tinjauan/{dataset.slug}/1")
    outcome = expectation(role, "publik")
    if outcome == OK:
        assert response.status_code == 200, role
    elif outcome == LOGIN:
        assert response.status_code == 302
    else:
        assert response.status_code == 404, role
        assert client_for(role).get(f"/dataset/{dataset.slug}").status_code == 200, role
