"""`satudata demo --no-serve`: the Klungkung demo loads, is idempotent, and its log-ins work.

The demo is loaded once for this module, through the real command (`main(["demo", ...])`) and
committed to the test database like the real thing; the module leaves an empty database behind
(flush, as Django's TransactionTestCase does). Tests that only read run inside the usual
per-test transaction.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import redirect_stdout
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from satudata.catalog.metadata import completeness, dataset_values
from satudata.catalog.models import Dataset
from satudata.cli import main
from satudata.core.audit import verify_chain
from satudata.demo import content
from satudata.demo.loader import data_file_bytes

ROLES = {
    "admin",
    "walidata",
    "produsen",
    "pembina",
    "operator_desa",
    "verifikator_kecamatan",
    "pimpinan",
}
LOGIN_LINE = re.compile(r"^ {2}(?P<role>[a-z_]+) +(?P<username>\S+) +(?P<password>\S+) {2,}\S")


@dataclass
class DemoRun:
    output: str
    counts: dict[str, int]


def model_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def run_demo() -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["demo", "--no-serve"])
    assert status == 0, out.getvalue()
    return out.getvalue()


def printed_logins(output: str) -> list[dict[str, str]]:
    section = output.split("Demo log-ins", 1)[1]
    return [m.groupdict() for line in section.splitlines() if (m := LOGIN_LINE.match(line))]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    # The same blob folder as tests/conftest.py gives every test, so versions stay readable.
    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    blob_root.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock(), override_settings(BLOB_ROOT=blob_root):
        output = run_demo()
        yield DemoRun(output=output, counts=model_counts())
        call_command("flush", interactive=False, verbosity=0)


def test_prints_the_address_and_one_login_per_role(demo):
    assert "Satu Data demo is ready" in demo.output
    assert "http://127.0.0.1:8000/" in demo.output
    logins = printed_logins(demo.output)
    assert {login["role"] for login in logins} == ROLES
    assert len(logins) == len(content.USERS)
    produsen = {x["username"] for x in logins if x["role"] == "produsen"}
    assert produsen == {"produsen.dinkes", "produsen.dispar"}


@pytest.mark.django_db
def test_every_printed_login_works_with_the_test_client(demo, client):
    logins = printed_logins(demo.output)
    assert len(logins) == len(content.USERS)
    for login in logins:
        assert client.login(username=login["username"], password=login["password"]), login
        profile = client.get(reverse("accounts:profile"))
        assert profile.status_code == 200, login
        client.logout()


@pytest.mark.django_db
def test_a_printed_login_works_through_the_login_form(demo, client):
    login = next(x for x in printed_logins(demo.output) if x["username"] == "produsen.dinkes")
    response = client.post(
        reverse("accounts:login"),
        {"username": login["username"], "password": login["password"]},
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_running_the_demo_again_changes_and_duplicates_nothing(
    demo, django_db_blocker, tmp_path_factory
):
    blob_root = tmp_path_factory.getbasetemp() / "blobs"
    with django_db_blocker.unblock(), override_settings(BLOB_ROOT=blob_root):
        output = run_demo()
        assert model_counts() == demo.counts
        assert "0 new data versions this run" in output
        report = verify_chain()
    assert report.ok, report.broken
    assert report.checked == demo.counts["core.AuditEvent"]


@pytest.mark.django_db
def test_declared_objects_exist_once(demo):
    from satudata.accounts.models import Membership, Organisation, User
    from satudata.catalog.models import Topic

    assert Organisation.objects.filter(
        slug__in=[o.slug for o in content.ORGANISATIONS]
    ).count() == len(content.ORGANISATIONS)
    assert User.objects.filter(username__in=[u.username for u in content.USERS]).count() == len(
        content.USERS
    )
    for user in content.USERS:
        assert Membership.objects.filter(
            user__username=user.username, organisation__slug=user.organisation, role=user.role
        ).exists(), user.username
    assert Topic.objects.filter(slug__in=[t.slug for t in content.TOPICS]).count() == len(
        content.TOPICS
    )
    assert Dataset.objects.filter(slug__in=[d.slug for d in content.DATASETS]).count() == len(
        content.DATASETS
    )
    walidata = Organisation.objects.get(slug="diskominfo-klungkung")
    assert walidata.region_id == "51.05"
    assert Organisation.objects.get(slug="desa-kusamba").parent.slug == "kecamatan-dawan"


@pytest.mark.django_db
def test_at_least_eight_published_datasets_from_real_statistics(demo):
    public = Dataset.objects.visible_to(AnonymousUser()).select_related("published_version")
    real = [
        d for d in content.DATASETS if d.publish and d.data_file and d.data_file.endswith(".csv")
    ]
    assert len(real) >= 8
    for spec in real:
        dataset = public.get(slug=spec.slug)
        version = dataset.published_version
        assert version is not None, spec.slug
        rows = list(csv.reader(io.StringIO(data_file_bytes(spec.data_file).decode("utf-8"))))
        assert version.row_count == len(rows) - 1, spec.slug
        assert version.column_count == len(rows[0]), spec.slug
        assert dataset.organisation.slug == spec.organisation


@pytest.mark.django_db
def test_published_datasets_have_every_required_metadata_field(demo):
    for dataset in Dataset.objects.filter(state="published"):
        result = completeness(dataset_values(dataset))
        assert result.missing == [], (dataset.slug, result.missing)
        assert dataset.completeness >= 90, dataset.slug
        assert dataset.data_source and dataset.release_date and dataset.contact_email
        assert dataset.temporal_start and dataset.temporal_end


@pytest.mark.django_db
def test_boundaries_are_a_published_geospatial_dataset_of_59_desa(demo):
    dataset = Dataset.objects.get(slug="batas-desa-kelurahan-kabupaten-klungkung")
    assert dataset.is_spatial and dataset.state == "published"
    assert dataset.topic.slug == "geospasial"
    assert dataset.published_version.row_count == 59


@pytest.mark.django_db
def test_region_codes_stay_text_in_the_published_tables(demo):
    version = Dataset.objects.get(slug="penduduk-kecamatan-sp2010-sp2020").published_version
    fields = {f["name"]: f for f in version.table_schema["fields"]}
    assert fields["kode_kecamatan"]["type"] == "string"


@pytest.mark.django_db
def test_drafts_and_terbatas_datasets_show_the_permissions(demo, client):
    from satudata.accounts.models import User

    draft = "jumlah-sekolah-dan-murid-per-kecamatan"
    terbatas = "rekap-dtks-per-desa"
    anonymous = set(Dataset.objects.visible_to(AnonymousUser()).values_list("slug", flat=True))
    assert draft not in anonymous and terbatas not in anonymous
    assert client.get(reverse("catalog:dataset_detail", args=[terbatas])).status_code == 404
    assert client.get(reverse("catalog:dataset_detail", args=[draft])).status_code == 404

    other_agency = User.objects.get(username="produsen.dispar")
    seen = set(Dataset.objects.visible_to(other_agency).values_list("slug", flat=True))
    assert draft not in seen and terbatas not in seen

    walidata = User.objects.get(username="walidata")
    assert {draft, terbatas} <= set(
        Dataset.objects.visible_to(walidata).values_list("slug", flat=True)
    )


@pytest.mark.django_db
def test_public_dataset_pages_answer_for_anonymous_visitors(demo, client):
    for spec in content.DATASETS:
        if not spec.publish:
            continue
        response = client.get(reverse("catalog:dataset_detail", args=[spec.slug]))
        assert response.status_code == 200, spec.slug
        assert spec.title.split(",")[0] in response.content.decode()
