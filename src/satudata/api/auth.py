"""Who is calling the API: an API key, else the session user, else anonymous (contract A).

A key is sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Reads of public data need
no key. A key that is presented but unknown, expired or revoked is an error (401), never a silent
fall-back to anonymous: a client with a broken key should find out at once, not see less data.

The user behind a key acts with an Actor narrowed to the key's organisations (see
`token_actor`), so `visible_to`/`editable_by` of every model honour the key's scope without
knowing about keys. The resolved key is cached on the request, so the middleware (rate limits,
request log) and the endpoints look it up once.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from satudata.core.errors import PermissionDenied, SatuDataError
from satudata.core.permissions import ROLE_ADMIN, ROLE_PRODUSEN, ROLE_WALIDATA, Actor, actor_for

if TYPE_CHECKING:
    from satudata.accounts.models import ApiToken, Organisation, User

KEY_PREFIX = "sdk_"
# How many leading characters of a key are kept visible (in lists, logs): "sdk_" + 8.
VISIBLE_PREFIX_LENGTH = 12
# Upper bound on what we hash: a longer header is not a key of ours.
MAX_KEY_LENGTH = 200
# A write on behalf of an organisation needs one of these roles in it (the key narrows, never
# widens, what the user may do).
WRITE_ROLES = (ROLE_PRODUSEN, ROLE_WALIDATA, ROLE_ADMIN)

_UNRESOLVED = object()
# Narrowed Actors of keys, per process: key hash -> (valid until (monotonic), Actor).
ACTOR_CACHE_S = 10.0
ACTOR_CACHE_MAX = 10_000
_actor_cache: dict[str, tuple[float, Actor]] = {}


class AuthenticationFailed(SatuDataError):
    """A key was presented but cannot be used (unknown, expired, revoked)."""

    code = "invalid-api-key"
    status = 401


def hash_key(key: str) -> str:
    """sha256 of a key. Keys carry 256 random bits, so a fast hash is as safe as a slow one."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def presented_key(request) -> str | None:
    """The key in `Authorization: Bearer …` or `X-API-Key`, if any (stripped)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    value = request.META.get("HTTP_X_API_KEY", "").strip()
    return value or None


def _lookup(key: str) -> ApiToken:
    from satudata.accounts.models import ApiToken

    if len(key) > MAX_KEY_LENGTH or not key.startswith(KEY_PREFIX):
        raise AuthenticationFailed(_("The API key is not valid."))
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_key(key)).first()
    if token is None or not token.user.is_active:
        raise AuthenticationFailed(_("The API key is not valid."))
    if token.revoked_at is not None:
        raise AuthenticationFailed(_("This API key has been revoked."), code="api-key-revoked")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise AuthenticationFailed(_("This API key has expired."), code="api-key-expired")
    return token


def _touch(token: ApiToken) -> None:
    """Record last use, at most once a minute per key (no write on every request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_token(request) -> ApiToken | None:
    """The key used for this request, or None. Raises AuthenticationFailed for a bad key."""
    cached = getattr(request, "_satudata_api_token", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        if isinstance(cached, AuthenticationFailed):
            raise cached
        return cached
    key = presented_key(request)
    if key is None:
        request._satudata_api_token = None
        return None
    try:
        token = _lookup(key)
    except AuthenticationFailed as exc:
        request._satudata_api_token = exc
        raise
    _touch(token)
    # Narrow at once: whatever later asks the permission layer about `token.user` (even code
    # that forgets api_user) sees only what the key allows.
    _acting_user(token)
    request._satudata_api_token = token
    return token


def _acting_user(token: ApiToken) -> User:
    """The key's user, carrying the Actor narrowed to the key."""
    user = token.user
    if not getattr(user, "_satudata_narrowed", False):
        user._satudata_actor = _cached_actor(token)
        user._satudata_narrowed = True
    return user


def _cached_actor(token: ApiToken) -> Actor:
    """The narrowed Actor, remembered in this process for ACTOR_CACHE_S seconds.

    The key itself is read from the database on every request, so revocation and expiry act at
    once; only membership changes of the key's user take up to ACTOR_CACHE_S to reach its key.
    This saves two queries per keyed request.
    """
    now = time.monotonic()
    # Keyed by the key's hash, which no other key ever has (ids can be reused).
    cached = _actor_cache.get(token.token_hash)
    if cached is not None and cached[0] > now:
        return cached[1]
    actor = token_actor(token)
    if len(_actor_cache) >= ACTOR_CACHE_MAX:
        _actor_cache.clear()
    _actor_cache[token.token_hash] = (now + ACTOR_CACHE_S, actor)
    return actor


def forget_cached_actors() -> None:
    _actor_cache.clear()


def token_organisation_ids(token: ApiToken) -> set[int] | None:
    """The organisations a key is limited to, or None when it carries all the user's."""
    ids = {org.pk for org in token.organisations.all()}
    return ids or None


def token_actor(token: ApiToken) -> Actor:
    """The user's Actor narrowed to the key's organisations.

    Roles in other organisations are dropped, so every scoped queryset sees only what the key
    may see. A superuser's key limited to organisations loses the superuser bypass (otherwise
    the limit would mean nothing).
    """
    user = token.user
    user.__dict__.pop("_satudata_actor", None)
    full = actor_for(user)
    allowed = token_organisation_ids(token)
    if allowed is None:
        return full
    return Actor(
        user_id=full.user_id,
        username=full.username,
        is_authenticated=True,
        is_superuser=False,
        org_roles={org: roles for org, roles in full.org_roles.items() if org in allowed},
        org_region_codes={
            org: code for org, code in full.org_region_codes.items() if org in allowed
        },
    )


def api_user(request) -> User | AnonymousUser:
    """The key's user (with a narrowed Actor), else the session user, else anonymous."""
    token = api_token(request)
    if token is not None:
        return _acting_user(token)
    user = getattr(request, "user", None)
    return user if user is not None else AnonymousUser()


def require_write(request, organisation: Organisation | int) -> None:
    """PermissionDenied unless this request may write on behalf of `organisation`.

    With a key: the key must have write scope and cover the organisation, and its user must
    hold a writing role there (or be walidata/admin). Callers still check the object itself
    through `editable_by` — this only says the credential is fit for writing.
    """
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    token = api_token(request)
    if token is not None:
        if not token.can_write:
            raise PermissionDenied(
                _("This API key may only read. Create a key with write scope to send data."),
                code="api-key-read-only",
            )
        actor = actor_for(_acting_user(token))
    else:
        user = api_user(request)
        if not getattr(user, "is_authenticated", False):
            raise AuthenticationFailed(
                _("A valid API key is needed for this request."), code="unauthenticated"
            )
        actor = actor_for(user)
    if actor.is_walidata or org_id in actor.organisations_with(*WRITE_ROLES):
        return
    raise PermissionDenied(
        _("This API key may not write data of this organisation."),
        code="organisation-not-allowed",
        details={"organisation_id": org_id},
    )


class ApiKeyAuth(HttpBearer):
    """ninja auth for endpoints that need a key (push): Bearer or X-API-Key.

    A missing key answers 401 `unauthenticated`; a bad one 401 with why (expired, revoked).
    """

    openapi_description = "An API key: `Authorization: Bearer sdk_…` or `X-API-Key: sdk_…`."

    def __call__(self, request) -> Any:
        return api_token(request)

    def authenticate(self, request, token: str) -> Any:  # pragma: no cover - __call__ covers it
        return api_token(request)
