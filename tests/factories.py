"""Small helpers that build test data through the real services (shared by every test folder).

Everything is written as `core.permissions.SYSTEM` through the services named in the contracts
(accounts.services, catalog.services, warehouse.services), so the data is shaped exactly as the
application shapes it. Only regions are inserted directly: the real loader reads the whole
Kemendagri list (91,599 codes) and tests need a handful.

Typical use::

    world = make_world()                      # orgs, one user per role, a topic, regions
    ds = make_dataset(world.owner, title="Jumlah penduduk", state="published")
    client.force_login(world.users["produsen_own"])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from itertools import count

from satudata.core.permissions import SYSTEM

# Passes Django's password validators (length, not common, not numeric, not like the username).
DEFAULT_PASSWORD = "Klungkung-Uji-2024!"

# Every role of the permission matrix, in the order the matrix prints them.
ROLES: tuple[str, ...] = (
    "anonymous",
    "user",  # logged in, no membership
    "produsen_own",  # produsen of the organisation that owns the datasets
    "produsen_other",  # produsen of another OPD
    "walidata",
    "pembina",
    "pimpinan",
    "operator_desa",
    "verifikator_kecamatan",
    "admin",  # membership with the admin role
    "superuser",  # Django superuser without membership (what `satudata createadmin` makes)
)
STATES: tuple[str, ...] = ("draft", "published")
CLASSIFICATIONS: tuple[str, ...] = ("publik", "terbatas", "rahasia")

# A code column whose values break naive readers: a float-looking code (51.10 is not 51.1),
# leading zeros, a long number and a dotted desa code.
CODE_VALUES: tuple[str, ...] = ("51.10", "0101", "3273180", "51.05.01.2001")
CODE_CSV: str = "kode_wilayah,nama_wilayah,jumlah\n" + "".join(
    f"{code},Wilayah {i},{(i + 1) * 10}\n" for i, code in enumerate(CODE_VALUES)
)

# Metadata that fills the standard seed fields (DESIGN §4), for "complete" datasets.
COMPLETE_METADATA: dict = {
    "description": "Data uji yang dibuat oleh rangkaian tes otomatis.",
    "frequency": "tahunan",
    "data_source": "Data uji otomatis",
    "collection_method": "kompilasi_administrasi",
    "reference_codes": "Kode wilayah Kemendagri",
    "release_date": date(2024, 1, 15),
    "unit": "orang",
    "presentation_level": "kabupaten",
    "contact_name": "Petugas Uji",
    "contact_email": "uji@example.org",
    "temporal_start": 2023,
    "temporal_end": 2023,
}

# Minimal region tree of the reference deployment: Bali > Klungkung > Nusa Penida > Sakti.
REGION_ROWS: tuple[tuple[str, str, str, int, str | None], ...] = (
    ("51", "Bali", "provinsi", 1, None),
    ("51.05", "Klungkung", "kabupaten", 2, "51"),
    ("51.05.01", "Nusa Penida", "kecamatan", 3, "51.05"),
    ("51.05.01.2001", "Sakti", "desa", 4, "51.05.01"),
)

_unique = count(1)


def unique_suffix() -> str:
    """A short token that keeps slugs and usernames unique inside one test database."""
    return f"{next(_unique):04d}"


def make_regions() -> dict:
    """The few regions tests need, inserted directly (idempotent). Returns code -> Region."""
    from satudata.regions.models import Region

    regions = {}
    for code, name, level, depth, parent in REGION_ROWS:
        regions[code], _ = Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": level, "depth": depth, "parent_id": parent},
        )
    return regions


def make_organisation(slug: str, name: str | None = None, *, kind: str = "dinas", **fields):
    """An organisation (OPD) made through accounts.services.ensure_organisation."""
    from satudata.accounts import services

    return services.ensure_organisation(
        SYSTEM, slug=slug, name=name or f"Dinas Uji {slug}", kind=kind, **fields
    )


def make_user(
    username: str,
    *,
    password: str = DEFAULT_PASSWORD,
    memberships: Iterable[tuple] = (),
    is_superuser: bool = False,
    full_name: str = "",
):
    """A user (through accounts.services) with the given (organisation, role) memberships."""
    from satudata.accounts import services

    user = services.ensure_user(
        SYSTEM,
        username=username,
        password=password,
        full_name=full_name or username.replace("_", " ").title(),
        is_superuser=is_superuser,
    )
    for organisation, role in memberships:
        services.ensure_membership(SYSTEM, user, organisation, role)
    return user


def make_topic(slug: str = "kesehatan", name: str = "Kesehatan", name_en: str = "Health"):
    from satudata.catalog import services

    return services.ensure_topic(slug, name, name_en)


@dataclass
class World:
    """Organisations, one user per role, a topic and the regions: the cast of most tests."""

    owner: object  # the OPD that owns the datasets under test
    other: object  # another OPD
    walidata_org: object
    pembina_org: object
    kecamatan_org: object
    desa_org: object
    topic: object
    regions: dict
    users: dict = field(default_factory=dict)  # role -> User (no entry for "anonymous")
    password: str = DEFAULT_PASSWORD


def make_world(prefix: str = "uji") -> World:
    """Build the organisations and one user per role of ROLES (prefix keeps names unique)."""
    regions = make_regions()
    owner = make_organisation(
        f"{prefix}-dinkes", f"Dinas Kesehatan Uji {prefix}", short_name="DINKES", region=None
    )
    other = make_organisation(f"{prefix}-dispar", f"Dinas Pariwisata Uji {prefix}")
    walidata_org = make_organisation(f"{prefix}-diskominfo", f"Diskominfo Uji {prefix}")
    pembina_org = make_organisation(f"{prefix}-bps", f"BPS Uji {prefix}", kind="bps")
    kecamatan_org = make_organisation(
        f"{prefix}-kec", f"Kecamatan Uji {prefix}", kind="kecamatan", region=regions["51.05.01"]
    )
    desa_org = make_organisation(
        f"{prefix}-desa", f"Desa Uji {prefix}", kind="desa", region=regions["51.05.01.2001"]
    )
    world = World(
        owner=owner,
        other=other,
        walidata_org=walidata_org,
        pembina_org=pembina_org,
        kecamatan_org=kecamatan_org,
        desa_org=desa_org,
        topic=make_topic(f"{prefix}-kesehatan", f"Kesehatan {prefix}", f"Health {prefix}"),
        regions=regions,
    )
    memberships = {
        "user": [],
        "produsen_own": [(owner, "produsen")],
        "produsen_other": [(other, "produsen")],
        "walidata": [(walidata_org, "walidata")],
        "pembina": [(pembina_org, "pembina")],
        "pimpinan": [(walidata_org, "pimpinan")],
        "operator_desa": [(desa_org, "operator_desa")],
        "verifikator_kecamatan": [(kecamatan_org, "verifikator_kecamatan")],
        "admin": [(walidata_org, "admin")],
    }
    for role, member_of in memberships.items():
        world.users[role] = make_user(f"{prefix}_{role}", memberships=member_of)
    world.users["superuser"] = make_user(f"{prefix}_superuser", is_superuser=True)
    return world


def make_dataset(
    organisation,
    *,
    title: str,
    slug: str | None = None,
    state: str = "draft",
    classification: str = "publik",
    topic=None,
    regions: Iterable[str] = (),
    tags: Iterable[str] = (),
    csv: str | bytes | None = None,
    complete: bool = True,
    **metadata,
):
    """A dataset through catalog.services.create_dataset.

    `state="published"` uploads `csv` (default CODE_CSV) and publishes that version; a draft gets
    the CSV as an unpublished version only when `csv` is given.
    """
    from satudata.catalog import services

    values = dict(COMPLETE_METADATA) if complete else {}
    values.update(metadata)
    if topic is not None:
        values["topic"] = topic
    if regions:
        values["regions"] = list(regions)
    if tags:
        values["tags"] = list(tags)
    dataset = services.create_dataset(
        SYSTEM,
        organisation=organisation,
        title=title,
        slug=slug,
        classification=classification,
        **values,
    )
    if state == "published":
        version = upload_csv(dataset, CODE_CSV if csv is None else csv)
        publish(version)
    elif csv is not None:
        upload_csv(dataset, csv)
    elif state != "draft":
        raise ValueError(f"unknown dataset state {state!r}")
    dataset.refresh_from_db()
    return dataset


def upload_csv(dataset, data: str | bytes = CODE_CSV, *, filename: str = "data.csv", actor=SYSTEM):
    """Ingest a CSV through warehouse.services.ingest_upload; returns the new Version."""
    from satudata.warehouse import services

    raw = data.encode("utf-8") if isinstance(data, str) else data
    result = services.ingest_upload(actor, dataset, filename=filename, data=raw, message="uji")
    return result.version


def publish(version, *, actor=SYSTEM):
    """Publish a version through warehouse.services.publish_version (validation warnings, if
    any, acknowledged in the same action)."""
    from satudata.warehouse import services

    return services.publish_version(actor, version, acknowledge_warnings=True)


def verify(version, *, actor=SYSTEM):
    """Take a version through the review workflow's submit and verify steps (as `actor`, the
    system by default) so that a walidata may publish it: since issue 5 a walidata publishes
    only verified versions (workflow.services); the system still publishes directly."""
    from satudata.workflow import services

    services.submit(actor, version)
    services.verify(actor, version)
    version.refresh_from_db()
    return version


class _FormReader(HTMLParser):
    """Collects each <form>'s action, method and the values a browser would submit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, bool] | None = None
        self._select_first: str | None = None
        self._select_chosen: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
                "names": set(),
                "files": [],
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form["names"].add(name)
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form["files"].append(name)
            elif kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in {"submit", "button", "reset", "image"}:
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._form["names"].add(name)
            self._select = (name, "multiple" in a)
            self._select_first, self._select_chosen = None, []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_chosen.append(value)
        elif tag == "textarea" and name:
            self._form["names"].add(name)
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = self._select_chosen or ([] if multiple else [self._select_first or ""])
            for value in chosen:
                self._add(name, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None

    def _add(self, name: str, value: str) -> None:
        fields = self._form["fields"]
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = value


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: dict  # name -> value, or list of values for repeated names
    files: list  # names of file inputs


def read_form(html: str, *, with_field: str = "", with_file: bool = False) -> HtmlForm:
    """The values a browser would submit for the first form having a field named `with_field`
    (or, with `with_file`, the first form with a file input).

    Lets a test post a complete, valid form without hard-coding every field another engineer's
    form defines.
    """
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        named = with_field and (with_field in form["names"] or with_field in form["files"])
        if named or (with_file and form["files"]):
            return HtmlForm(form["action"], form["method"], form["fields"], form["files"])
    wanted = "a file input" if with_file else f"a field named {with_field!r}"
    raise AssertionError(f"no form with {wanted} in the page")
