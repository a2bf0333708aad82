"""All writes to users, organisations (OPD) and memberships, plus log-in bookkeeping.

Every function checks the permission through the one permission layer (core.permissions),
runs in one transaction and appends its audit event explicitly. The actor is a Django user or
`core.permissions.SYSTEM` (CLI, demo loader).

Who may do what:
- organisations: admin or walidata (`Organisation.objects.editable_by`), and SYSTEM;
- users and memberships: admin or walidata, and SYSTEM; only an admin (or SYSTEM) may create a
  superuser or give the `admin` role, so a walidata cannot raise anyone above themselves.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.accounts.models import (
    ApiToken,
    LoginFailure,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    TokenScope,
    User,
)
from satudata.core import audit
from satudata.core.errors import Conflict, PermissionDenied, ValidationFailed
from satudata.core.permissions import actor_for, can_edit, forget_actor

logger = logging.getLogger(__name__)

# Organisation fields a caller may set through **fields (besides the named arguments).
ORGANISATION_EXTRA_FIELDS = ("description", "email", "website")
# User profile fields ensure_user keeps in line with what was asked (never the password).
USER_PROFILE_FIELDS = ("full_name", "email", "is_superuser", "is_staff")


class _Unset:
    """Marks an argument of an ensure_* helper that the caller did not give."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- permission helpers ---------------------------------------------------------------------


def _require_account_manager(actor) -> None:
    """Admin, walidata or SYSTEM; anybody else gets a translated PermissionDenied."""
    if not actor_for(actor).is_walidata:
        raise PermissionDenied(
            _("Only an administrator or the walidata may manage organisations and accounts.")
        )


def _require_admin(actor, message: str) -> None:
    """Only an admin (or SYSTEM); `message` is the full translated refusal."""
    if not actor_for(actor).is_admin:
        raise PermissionDenied(message)


# --- organisations ----------------------------------------------------------------------------


def _resolve_region(region):
    """A Region, a region code (string) or None -> Region or None (clear message if unknown)."""
    from satudata.regions.models import Region

    if region is None or region == "":
        return None
    if isinstance(region, Region):
        return region
    code = str(region).strip()
    found = Region.objects.filter(pk=code).first()
    if found is None:
        raise ValidationFailed(
            _("Region code %(code)s does not exist.") % {"code": code},
            details={"field": "region"},
        )
    return found


def _resolve_parent(parent) -> Organisation | None:
    if parent is None or parent == "":
        return None
    if isinstance(parent, Organisation):
        return parent
    found = Organisation.objects.filter(slug=str(parent)).first()
    if found is None:
        raise ValidationFailed(
            _("Parent organisation %(slug)s does not exist.") % {"slug": parent},
            details={"field": "parent"},
        )
    return found


def _clean_organisation_values(
    *, slug: str, name: str, short_name: str, kind: str, parent, region, fields: dict
) -> dict[str, Any]:
    """Validate and normalise everything an organisation is made of; raise ValidationFailed."""
    unknown = sorted(set(fields) - set(ORGANISATION_EXTRA_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Unknown organisation field(s): %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    slug = (slug or "").strip()
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ValidationFailed(
            _("The slug may only contain letters, numbers, hyphens and underscores."),
            details={"field": "slug"},
        ) from exc
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("The organisation needs a name."), details={"field": "name"})
    if kind not in OrganisationKind.values:
        raise ValidationFailed(
            _("Unknown organisation kind %(kind)s; use one of: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(OrganisationKind.values)},
            details={"field": "kind"},
        )
    values: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "short_name": (short_name or "").strip(),
        "kind": kind,
        "parent": _resolve_parent(parent),
        "region": _resolve_region(region),
    }
    for key in ORGANISATION_EXTRA_FIELDS:
        if key in fields:
            values[key] = (fields[key] or "").strip()
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError as exc:
            raise ValidationFailed(
                _("%(email)s is not a valid e-mail address.") % {"email": values["email"]},
                details={"field": "email"},
            ) from exc
    return values


def _organisation_snapshot(org: Organisation) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "parent": org.parent.slug if org.parent_id else None,
        "region": org.region_id,
        "description": org.description,
        "email": org.email,
        "website": org.website,
    }


def create_organisation(
    actor,
    *,
    slug: str,
    name: str,
    short_name: str = "",
    kind: str,
    parent: Organisation | str | None = None,
    region=None,
    **fields: Any,
) -> Organisation:
    """Create an organisation (OPD). Raises Conflict when the slug is taken.

    `parent` is an Organisation or its slug; `region` a Region or a Kemendagri code;
    `fields` may hold description, email, website.
    """
    _require_account_manager(actor)
    values = _clean_organisation_values(
        slug=slug,
        name=name,
        short_name=short_name,
        kind=kind,
        parent=parent,
        region=region,
        fields=fields,
    )
    with transaction.atomic():
        if Organisation.objects.filter(slug=values["slug"]).exists():
            raise Conflict(
                _("An organisation with the slug %(slug)s already exists.")
                % {"slug": values["slug"]}
            )
        org = Organisation.objects.create(**values)
        audit.record(
            actor,
            "organisation.create",
            org,
            organisation_id=org.pk,
            changes=_organisation_snapshot(org),
            after=_organisation_snapshot(org),
        )
    return org


def update_organisation(actor, organisation: Organisation, **values: Any) -> Organisation:
    """Change some fields of an organisation; records only what really changed."""
    _require_account_manager(actor)
    if not can_edit(actor_for(actor), organisation):
        raise PermissionDenied(_("You may not change this organisation."))
    current = _organisation_snapshot(organisation)
    merged = {
        "slug": organisation.slug,
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "parent": organisation.parent,
        "region": organisation.region,
    }
    extra = {key: getattr(organisation, key) for key in ORGANISATION_EXTRA_FIELDS}
    for key, value in values.items():
        if key in merged:
            merged[key] = value
        else:
            extra[key] = value
    cleaned = _clean_organisation_values(**merged, fields=extra)
    if cleaned["parent"] is not None and cleaned["parent"].pk == organisation.pk:
        raise ValidationFailed(
            _("An organisation cannot be its own parent."), details={"field": "parent"}
        )
    with transaction.atomic():
        if (
            cleaned["slug"] != organisation.slug
            and Organisation.objects.filter(slug=cleaned["slug"]).exists()
        ):
            raise Conflict(
                _("An organisation with the slug %(slug)s already exists.")
                % {"slug": cleaned["slug"]}
            )
        for key, value in cleaned.items():
            setattr(organisation, key, value)
        after = _organisation_snapshot(organisation)
        changes = {k: [current[k], after[k]] for k in after if current[k] != after[k]}
        if not changes:
            return organisation
        organisation.save()
        audit.record(
            actor,
            "organisation.update",
            organisation,
            organisation_id=organisation.pk,
            changes=changes,
            before=current,
            after=after,
        )
    return organisation


def ensure_organisation(
    actor,
    *,
    slug: str,
    name: str,
    short_name: Any = UNSET,
    kind: str,
    parent: Any = UNSET,
    region: Any = UNSET,
    **fields: Any,
) -> Organisation:
    """Create the organisation, or bring an existing one (same slug) in line with what is asked.

    Only the arguments actually given are compared on an existing organisation (a region an
    admin set later survives a re-run of the demo); nothing is written or audited when it
    already exists as asked.
    """
    given = {
        key: value
        for key, value in {"short_name": short_name, "parent": parent, "region": region}.items()
        if value is not UNSET
    }
    existing = Organisation.objects.filter(slug=(slug or "").strip()).first()
    if existing is None:
        return create_organisation(actor, slug=slug, name=name, kind=kind, **given, **fields)
    return update_organisation(actor, existing, name=name, kind=kind, **given, **fields)


# --- users ------------------------------------------------------------------------------------


def _clean_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationFailed(_("The user needs a username."), details={"field": "username"})
    if len(username) > 150:
        raise ValidationFailed(
            _("The username may have at most 150 characters."), details={"field": "username"}
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationFailed(
            _("The username may only contain letters, numbers and @ . + - _ characters."),
            details={"field": "username"},
        ) from exc
    return username


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            " ".join(str(message) for message in exc.messages), details={"field": "password"}
        ) from exc


def _user_snapshot(user: User) -> dict[str, Any]:
    # Never the password or its hash.
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "is_superuser": user.is_superuser,
        "is_staff": user.is_staff,
        "is_active": user.is_active,
    }


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed(
                _("%(email)s is not a valid e-mail address.") % {"email": email},
                details={"field": "email"},
            ) from exc
    return email


def create_user(
    actor,
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a local account. The password must pass Django's password validators.

    `password=None` makes an account that cannot log in with a password (e.g. SSO only).
    A superuser is also staff (may open the Django admin); only an admin may create one.
    """
    _require_account_manager(actor)
    if is_superuser:
        _require_admin(actor, _("Only an administrator may create a superuser."))
    username = _clean_username(username)
    user = User(
        username=username,
        full_name=(full_name or "").strip(),
        email=_clean_email(email),
        is_superuser=bool(is_superuser),
        is_staff=bool(is_superuser),
    )
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise Conflict(
                _("A user with the username %(username)s already exists.") % {"username": username}
            )
        try:
            user.save()
        except IntegrityError as exc:  # a concurrent request took the name first
            raise Conflict(
                _("A user with the username %(username)s already exists.") % {"username": username}
            ) from exc
        audit.record(actor, "user.create", user, changes=_user_snapshot(user))
    return user


def ensure_user(
    actor,
    *,
    username: str,
    password: str | None,
    full_name: Any = UNSET,
    email: Any = UNSET,
    is_superuser: Any = UNSET,
) -> User:
    """Create the user, or bring an existing one's profile in line with what is asked.

    Only the profile fields actually given are compared; the password of an existing user is
    never touched (the person may have changed it). Nothing is written when all is as asked.
    """
    existing = User.objects.filter(username=(username or "").strip()).first()
    given = {
        key: value
        for key, value in {
            "full_name": full_name,
            "email": email,
            "is_superuser": is_superuser,
        }.items()
        if value is not UNSET
    }
    if existing is None:
        return create_user(actor, username=username, password=password, **given)
    if given.get("is_superuser"):
        given["is_staff"] = True  # a superuser must be able to open the Django admin
    return update_user(actor, existing, **given)


def update_user(actor, user: User, **values: Any) -> User:
    """Change profile fields (full_name, email, is_superuser, is_staff, is_active) of a user."""
    allowed = {*USER_PROFILE_FIELDS, "is_active"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationFailed(
            _("Unknown user field(s): %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    if "is_superuser" in values:
        values["is_superuser"] = bool(values["is_superuser"])
    if "email" in values:
        values["email"] = _clean_email(values["email"])
    if "full_name" in values:
        values["full_name"] = (values["full_name"] or "").strip()
    return _update_user(actor, user, values)


def _update_user(actor, user: User, wanted: dict[str, Any]) -> User:
    _require_account_manager(actor)
    changes = {
        key: [getattr(user, key), value]
        for key, value in wanted.items()
        if getattr(user, key) != value
    }
    if not changes:
        return user
    if any(key in changes for key in ("is_superuser", "is_staff")) or user.is_superuser:
        _require_admin(actor, _("Only an administrator may change an administrator account."))
    with transaction.atomic():
        for key, value in wanted.items():
            setattr(user, key, value)
        user.save(update_fields=list(changes))
        audit.record(actor, "user.update", user, changes=changes)
    return user


def change_password(user: User, new_password: str) -> User:
    """A logged-in user sets their own new password (the old one was checked by the form)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in to change your password."))
    _check_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(user, "user.password_change", user)
    return user


def set_password(actor, user: User, new_password: str) -> User:
    """An admin or walidata sets someone's password (e.g. `satudata createadmin`, a reset)."""
    _require_account_manager(actor)
    if user.is_superuser:
        _require_admin(actor, _("Only an administrator may change an administrator account."))
    _check_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(actor, "user.password_set", user)
    return user


# --- memberships ------------------------------------------------------------------------------


def _check_membership_request(actor, user: User, organisation: Organisation, role: str) -> None:
    _require_account_manager(actor)
    if role not in Role.values:
        raise ValidationFailed(
            _("Unknown role %(role)s; use one of: %(choices)s.")
            % {"role": role, "choices": ", ".join(Role.values)},
            details={"field": "role"},
        )
    if role == Role.ADMIN:
        _require_admin(actor, _("Only an administrator may give the administrator role."))
    if not can_edit(actor_for(actor), organisation):
        raise PermissionDenied(_("You may not manage the members of this organisation."))
    if user.pk is None or organisation.pk is None:
        raise ValidationFailed(_("Save the user and the organisation first."))


def _membership_changes(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user.get_username(),
        "organisation": membership.organisation.slug,
        "role": membership.role,
    }


def add_membership(actor, user: User, organisation: Organisation, role: str) -> Membership:
    """Give `user` the `role` in `organisation`. Raises Conflict when it is already there."""
    _check_membership_request(actor, user, organisation, role)
    with transaction.atomic():
        if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
            raise Conflict(
                _("%(user)s already has the role %(role)s in %(organisation)s.")
                % {"user": user, "role": Role(role).label, "organisation": organisation}
            )
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        audit.record(
            actor,
            "membership.create",
            membership,
            organisation_id=organisation.pk,
            changes=_membership_changes(membership),
        )
    forget_actor(user)
    return membership


def ensure_membership(actor, user: User, organisation: Organisation, role: str) -> Membership:
    """Like add_membership, but returns the existing membership unchanged when it is there."""
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing is not None:
        return existing
    return add_membership(actor, user, organisation, role)


def remove_membership(actor, membership: Membership) -> None:
    """Take a role away from a user."""
    _check_membership_request(actor, membership.user, membership.organisation, membership.role)
    with transaction.atomic():
        changes = _membership_changes(membership)
        audit.record(
            actor,
            "membership.delete",
            membership,
            organisation_id=membership.organisation_id,
            changes=changes,
        )
        membership.delete()
    forget_actor(membership.user)


# --- log-in bookkeeping (throttling and audit) ------------------------------------------------


def _normalise_login_name(username: str) -> str:
    # Case-folded so that "Admin" and "admin" share one failure counter.
    return (username or "").strip().casefold()[:150]


def _window_start():
    return timezone.now() - timedelta(seconds=settings.SATUDATA_LOGIN_LOCKOUT_S)


def login_blocked(username: str, ip_address: str | None) -> bool:
    """True when the username or the client address had too many recent failed log-ins."""
    limit = settings.SATUDATA_LOGIN_MAX_FAILURES
    recent = LoginFailure.objects.filter(created_at__gte=_window_start())
    name = _normalise_login_name(username)
    if name and recent.filter(username=name).count() >= limit:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit


def record_login_failure(username: str, ip_address: str | None) -> None:
    """Count a failed log-in and audit it (the password is never recorded)."""
    name = _normalise_login_name(username)
    user = User.objects.filter(username=(username or "").strip()).first()
    with transaction.atomic():
        # Old rows are useless for throttling; dropping them keeps the table small.
        LoginFailure.objects.filter(created_at__lt=_window_start()).delete()
        LoginFailure.objects.create(username=name, ip_address=ip_address or None)
        audit.record(
            AnonymousUser(),
            "user.login_failed",
            user,
            object_type="accounts.user",
            changes={"username": (username or "")[:150], "ip_address": ip_address or ""},
        )
    logger.info("failed log-in for %r from %s", name, ip_address)


def record_login_success(user: User, ip_address: str | None) -> None:
    """Clear the username's failures and audit the log-in."""
    with transaction.atomic():
        LoginFailure.objects.filter(username=_normalise_login_name(user.get_username())).delete()
        audit.record(user, "user.login", user, changes={"ip_address": ip_address or ""})


def record_logout(user: User, ip_address: str | None) -> None:
    if not getattr(user, "is_authenticated", False):
        return
    with transaction.atomic():
        audit.record(user, "user.logout", user, changes={"ip_address": ip_address or ""})


# --- API keys (tokens) ------------------------------------------------------------------------

API_KEY_NAME_MAX = 100
# The roles that may send data; a write key needs one of them in an organisation it covers.
WRITING_ROLES = frozenset({Role.PRODUSEN, Role.WALIDATA, Role.ADMIN})


def _new_key() -> tuple[str, str]:
    """(key, visible prefix). 32 random bytes: 256 bits, so sha256 alone protects it at rest."""
    from satudata.api.auth import KEY_PREFIX, VISIBLE_PREFIX_LENGTH

    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:VISIBLE_PREFIX_LENGTH]


def _token_organisations(user: User, organisations: Iterable[Organisation | int]) -> list:
    """The chosen organisations, each one the user is a member of (clear refusal otherwise)."""
    wanted = {org if isinstance(org, int) else org.pk for org in organisations}
    if not wanted:
        return []
    member_of = set(
        Membership.objects.filter(user=user, organisation_id__in=wanted).values_list(
            "organisation_id", flat=True
        )
    )
    if wanted - member_of:
        raise ValidationFailed(
            _("A key can only cover organisations you are a member of."),
            code="organisation-not-allowed",
            details={"organisations": sorted(wanted - member_of)},
        )
    return list(Organisation.objects.filter(pk__in=wanted).order_by("name"))


def _check_write_scope(user: User, organisations: list[Organisation]) -> None:
    """A write key must be able to write somewhere: a writing role in a covered organisation."""
    if user.is_superuser:
        return
    roles = Membership.objects.filter(user=user, role__in=WRITING_ROLES)
    if organisations:
        roles = roles.filter(organisation__in=organisations)
    if not roles.exists():
        raise ValidationFailed(
            _(
                "You have no role that may send data in the chosen organisations, so the key "
                "can only read."
            ),
            code="write-scope-not-allowed",
        )


def _clean_key_name(name: str) -> str:
    name = " ".join(str(name or "").split())[:API_KEY_NAME_MAX]
    if not name:
        raise ValidationFailed(_("Give the key a name, e.g. the system that will use it."))
    return name


def create_api_token(
    actor,
    *,
    name: str,
    scope: str = TokenScope.READ,
    organisations: Iterable[Organisation | int] = (),
    expires_at=None,
) -> tuple[ApiToken, str]:
    """A new API key for the acting user. Returns (token, key): the key is shown once, only its
    hash is stored. `organisations` (empty = all the user's) must be among the user's."""
    if not getattr(actor, "is_authenticated", False) or not isinstance(actor, User):
        raise PermissionDenied(_("Log in to create an API key."))
    name = _clean_key_name(name)
    if scope not in TokenScope.values:
        raise ValidationFailed(_("Unknown key scope."), details={"scope": scope})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(_("The expiry date must be in the future."))
    orgs = _token_organisations(actor, organisations)
    if scope == TokenScope.WRITE:
        _check_write_scope(actor, orgs)
    from satudata.api.auth import hash_key

    key, prefix = _new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            token_hash=hash_key(key),
            scope=scope,
            expires_at=expires_at,
        )
        token.organisations.set(orgs)
        audit.record(
            actor,
            "api_token.create",
            token,
            organisation_id=orgs[0].pk if len(orgs) == 1 else None,
            changes={
                "name": name,
                "prefix": prefix,
                "scope": scope,
                "organisations": [org.slug for org in orgs],
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return token, key


def revoke_api_token(actor, token: ApiToken) -> ApiToken:
    """Revoke a key at once (its owner, or an administrator). Revoking twice changes nothing."""
    owner = getattr(actor, "pk", None) == token.user_id and isinstance(actor, User)
    if not owner and not actor_for(actor).is_admin:
        raise PermissionDenied(_("You may only revoke your own API keys."))
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "api_token.revoke",
            locked,
            changes={"prefix": locked.prefix, "owner": token.user.get_username()},
        )
    return locked
