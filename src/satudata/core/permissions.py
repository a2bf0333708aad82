"""The one permission layer (DESIGN §6).

Every list, page, download and API lookup filters through `Model.objects.visible_to(user)` or
`editable_by(user)`. Each scoped model says what those mean for it in two classmethods,
`scope_visible(qs, actor)` and `scope_editable(qs, actor)`; nobody writes ad-hoc checks in views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

ROLE_ADMIN = "admin"
ROLE_WALIDATA = "walidata"
ROLE_PEMBINA = "pembina"
ROLE_PIMPINAN = "pimpinan"
ROLE_PRODUSEN = "produsen"
ROLE_OPERATOR_DESA = "operator_desa"
ROLE_VERIFIKATOR_KECAMATAN = "verifikator_kecamatan"
# Who creates, edits and uploads an organisation's datasets: an OPD's produsen, and in a desa the
# village operator (DESIGN §6; the village flow starts with the operator's submission).
PRODUCING_ROLES = (ROLE_PRODUSEN, ROLE_OPERATOR_DESA)


@dataclass(frozen=True)
class Actor:
    """What the permission layer needs to know about whoever is acting (once per request)."""

    user_id: int | None = None
    username: str = ""
    is_authenticated: bool = False
    is_superuser: bool = False
    org_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    org_region_codes: dict[int, str] = field(default_factory=dict)

    @property
    def roles(self) -> frozenset[str]:
        found: set[str] = set()
        for roles in self.org_roles.values():
            found |= roles
        return frozenset(found)

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles.intersection(roles))

    def organisations_with(self, *roles: str) -> set[int]:
        return {org for org, org_roles in self.org_roles.items() if org_roles.intersection(roles)}

    @property
    def organisation_ids(self) -> set[int]:
        return set(self.org_roles)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or ROLE_ADMIN in self.roles

    @property
    def is_walidata(self) -> bool:
        """Walidata (or admin): sees and verifies everything, including `rahasia` data."""
        return self.is_admin or ROLE_WALIDATA in self.roles

    @property
    def oversees_all(self) -> bool:
        """Pembina and pimpinan look across every agency (but not at `rahasia` data of others)."""
        return self.is_walidata or bool(self.roles.intersection({ROLE_PEMBINA, ROLE_PIMPINAN}))

    @property
    def is_government(self) -> bool:
        """Members of any organisation may read `terbatas` (inside-government) data."""
        return self.is_superuser or bool(self.org_roles)


ANONYMOUS = Actor()
# The system itself (CLI, demo loader, scheduled tasks): may do anything, audited as "sistem".
SYSTEM = Actor(username="sistem", is_authenticated=True, is_superuser=True)


def actor_for(user) -> Actor:
    """Build (and cache on the user object) the Actor for a Django user or AnonymousUser."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    if isinstance(user, Actor):
        return user
    cached = getattr(user, "_satudata_actor", None)
    if cached is not None:
        return cached
    from satudata.accounts.models import Membership

    org_roles: dict[int, set[str]] = {}
    org_regions: dict[int, str] = {}
    rows = Membership.objects.filter(user_id=user.pk).values_list(
        "organisation_id", "role", "organisation__region__code"
    )
    for org_id, role, region_code in rows:
        org_roles.setdefault(org_id, set()).add(role)
        if region_code:
            org_regions[org_id] = region_code
    actor = Actor(
        user_id=user.pk,
        username=user.get_username(),
        is_authenticated=True,
        is_superuser=bool(user.is_superuser),
        org_roles={org: frozenset(roles) for org, roles in org_roles.items()},
        org_region_codes=org_regions,
    )
    user._satudata_actor = actor
    return actor


def forget_actor(user) -> None:
    """Drop the cached Actor (after memberships change)."""
    if user is not None and hasattr(user, "_satudata_actor"):
        del user._satudata_actor


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> ScopedQuerySet:
        return self.model.scope_visible(self, actor_for(user))

    def editable_by(self, user) -> ScopedQuerySet:
        return self.model.scope_editable(self, actor_for(user))


def can_edit(user, obj: models.Model) -> bool:
    """True when `obj` is inside `editable_by(user)` (one query, through the same layer)."""
    return type(obj).objects.editable_by(user).filter(pk=obj.pk).exists()


def can_view(user, obj: models.Model) -> bool:
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()
