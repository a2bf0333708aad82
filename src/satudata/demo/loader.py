"""Load the Kabupaten Klungkung demo through the same services the web pages use.

Idempotent: every object is looked up by its slug/username first and only created or brought in
line when it differs (the `ensure_*` services write nothing and audit nothing when all is as
asked); re-uploading the same bytes makes no new version, and a version already published is not
published again. So `satudata demo` can run any number of times.

Regions must be loaded first (`satudata.regions.loader.load_all`): organisations, datasets and the
boundaries dataset refer to them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from satudata.demo import content
from satudata.demo.content import BOUNDARIES, DemoDataset

ProgressCallback = Callable[[int, int], None]
BOUNDARIES_FILE = "klungkung_desa.geojson"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    organisation: str


@dataclass
class DemoResult:
    logins: list[DemoLogin] = field(default_factory=list)
    datasets: int = 0
    published: int = 0
    new_versions: int = 0


def data_file_bytes(name: str) -> bytes:
    """The bytes of one packaged demo CSV (`satudata/demo/data/<name>`)."""
    return resources.files("satudata.demo").joinpath("data", name).read_bytes()


def boundaries_geojson() -> bytes:
    """The desa/kelurahan boundaries packaged with the regions app, byte for byte."""
    return resources.files("satudata.regions").joinpath("data", BOUNDARIES_FILE).read_bytes()


def _ensure_organisations() -> dict[str, object]:
    from satudata.accounts.services import ensure_organisation
    from satudata.core.permissions import SYSTEM

    found: dict[str, object] = {}
    for org in content.ORGANISATIONS:
        extra = {"description": org.description} if org.description else {}
        found[org.slug] = ensure_organisation(
            SYSTEM,
            slug=org.slug,
            name=org.name,
            short_name=org.short_name,
            kind=org.kind,
            parent=org.parent,
            region=org.region,
            **extra,
        )
    return found


def _ensure_user(user: content.DemoUser, organisations: dict[str, object]) -> DemoLogin:
    from satudata.accounts.services import ensure_membership, ensure_user
    from satudata.core.permissions import SYSTEM

    account = ensure_user(
        SYSTEM,
        username=user.username,
        password=user.password,
        full_name=user.full_name,
        is_superuser=user.is_superuser,
    )
    organisation = organisations[user.organisation]
    ensure_membership(SYSTEM, account, organisation, user.role)
    return DemoLogin(user.role, user.username, user.password, str(organisation))


def _ensure_dataset(spec: DemoDataset):
    from satudata.catalog.models import Dataset
    from satudata.catalog.services import create_dataset, update_dataset
    from satudata.core.permissions import SYSTEM

    existing = Dataset.objects.filter(slug=spec.slug).first()
    if existing is None:
        return create_dataset(
            SYSTEM,
            organisation=spec.organisation,
            title=spec.title,
            slug=spec.slug,
            **spec.metadata,
        )
    # Writes (and audits) only the fields that differ from the declaration.
    return update_dataset(
        SYSTEM, existing, title=spec.title, organisation=spec.organisation, **spec.metadata
    )


def _upload_and_publish(dataset, spec: DemoDataset) -> tuple[bool, bool]:
    """Upload the dataset's table (same bytes → no new version) and publish it once.

    Returns (a new version was made, the dataset was published now).
    """
    from satudata.core.permissions import SYSTEM
    from satudata.warehouse.models import Version
    from satudata.warehouse.services import ingest_upload

    if spec.data_file == BOUNDARIES:
        filename, data = BOUNDARIES_FILE, boundaries_geojson()
    else:
        filename, data = spec.data_file, data_file_bytes(spec.data_file)
    sha256 = hashlib.sha256(data).hexdigest()
    # Already uploaded (also when a later version exists: the review story's re-exports).
    version = Version.objects.filter(dataset=dataset, raw_sha256=sha256).order_by("number").first()
    created = False
    if version is None:
        result = ingest_upload(
            SYSTEM,
            dataset,
            filename=filename,
            data=data,
            message="Data demo Satu Data Klungkung (lihat deskripsi untuk sumbernya)",
        )
        version, created = result.version, result.created
    published_now = False
    if spec.publish and version is not None:
        dataset.refresh_from_db(fields=["published_version"])
        if dataset.published_version_id != version.pk:
            published_now = _review_and_publish(version)
    return created, published_now


# Enough for any configured flow (submit, a few verification tiers, publish).
REVIEW_STEPS_MAX = 10


def _review_and_publish(version) -> bool:
    """Take the version through the review workflow as the demo's people, so the audit trail
    tells a real story: at each step the first demo user who may act (the agency's produsen,
    then the walidata) — the system where the demo has nobody for that step. Real published
    statistics carry real quirks (a total row that does not add up…): the walidata publishes
    them as they are, acknowledging the validation warnings. A version someone withdrew stays
    withdrawn (returns False)."""
    from satudata.core.permissions import SYSTEM
    from satudata.warehouse.models import VersionStatus
    from satudata.workflow import engine, queries
    from satudata.workflow import services as workflow
    from satudata.workflow.notifications import members_of_step

    for _step in range(REVIEW_STEPS_MAX):
        version.refresh_from_db()
        if version.status == VersionStatus.TERBIT:
            return True
        if version.status == VersionStatus.DITARIK:
            return False
        situation = queries.situation(version)
        step = situation.current_step or situation.publish_step
        people = members_of_step(step, situation.organisation_id, situation.region_code)
        person = people.order_by("username").first() or SYSTEM
        if version.status in engine.SUBMITTABLE:
            workflow.submit(person, version)
        elif version.status == VersionStatus.DIAJUKAN:
            workflow.verify(person, version)
        else:
            workflow.publish(person, version, acknowledge_warnings=True)
    raise RuntimeError(f"{version} did not reach publication in {REVIEW_STEPS_MAX} steps")


def load_demo(progress: ProgressCallback | None = None) -> DemoResult:
    """Create or bring in line every demo object; returns the log-ins to print."""
    from satudata.catalog.services import ensure_topic

    total = (
        len(content.ORGANISATIONS)
        + len(content.USERS)
        + len(content.TOPICS)
        + len(content.DATASETS)
    )
    done = 0

    def step(count: int = 1) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    result = DemoResult()
    organisations = _ensure_organisations()
    step(len(content.ORGANISATIONS))
    for user in content.USERS:
        result.logins.append(_ensure_user(user, organisations))
        step()
    for position, topic in enumerate(content.TOPICS, start=1):
        ensure_topic(topic.slug, topic.name, topic.name_en, ordering=position * 10)
        step()
    for spec in content.DATASETS:
        dataset = _ensure_dataset(spec)
        result.datasets += 1
        if spec.data_file:
            created, _published_now = _upload_and_publish(dataset, spec)
            result.new_versions += int(created)
        result.published += int(spec.publish and bool(spec.data_file))
        step()
    from satudata.monitoring.demo import load_demo_daftar

    load_demo_daftar()  # this year's Daftar Data: some on time, late, overdue (issue 5)
    from satudata.workflow.demo import load_demo as load_review_story

    load_review_story()  # versions waiting in the review queue, a tidy bell (issue 5)
    _load_app_demos()
    return result


# Apps that add demo content on top of the datasets, in this order (each `<app>/demo.py` has an
# idempotent `load_demo()`; an app without one is skipped).
APP_DEMOS = ("satudata.dashboards", "satudata.reports", "satudata.connectors")


def _load_app_demos() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    for app in APP_DEMOS:
        if find_spec(f"{app}.demo"):
            import_module(f"{app}.demo").load_demo()
