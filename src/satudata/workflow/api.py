"""API v1 for the review workflow: a version's review state, and its transitions.

- `GET  /api/v1/reviews/{slug}/{number}` — status, the step it waits for, the actions the caller
  may take now and the state `token` (a key or a logged-in session; what the caller may not see
  is 404, as on the review page).
- `POST /api/v1/reviews/{slug}/{number}/{action}` — `submit`, `verify`, `return`, `publish`,
  `withdraw`, with the `token` read before (a version that changed since answers 409
  `stale-state`). Writes need an API key with write scope (`Authorization: Bearer …`): a session
  cookie is not accepted here, so a page of another site cannot make a logged-in browser act.

The same services as the review pages decide everything (workflow/services.py): a role that may
not act answers 403, an out-of-order action 409, bad input 400 — with nothing changed.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from satudata.api.auth import ApiKeyAuth, api_token
from satudata.api.v1 import ERROR_RESPONSES, ErrorOut, api_caller
from satudata.core.errors import NotFound, PermissionDenied
from satudata.core.permissions import actor_for
from satudata.warehouse.models import Version
from satudata.workflow import engine, queries, services

router = Router(tags=["review workflow"])

Action = Literal["submit", "verify", "return", "publish", "withdraw"]


class ReviewOut(Schema):
    dataset: str
    number: int
    status: str
    flow: str
    waits_for: str
    actions: list[str]
    token: str


class TransitionIn(Schema):
    token: str
    note: str = ""
    reason: str = ""
    target: str = "general"
    field: str = ""
    column: str = ""
    row: int | None = None
    acknowledge_warnings: bool = False


def _version(user, slug: str, number: int) -> Version:
    version = queries.review_version(user, slug, number)
    if version is None:
        raise NotFound(_("Version not found."))
    return version


def _state(user, version: Version) -> ReviewOut:
    situation = queries.situation(version, dataset=version.dataset)
    actions = engine.allowed_actions(actor_for(user), situation)
    return ReviewOut(
        dataset=version.dataset.slug,
        number=version.number,
        status=version.status,
        flow=situation.definition.slug,
        waits_for=queries.step_label(situation.current_step) if situation.current_step else "",
        actions=sorted(actions & set(engine.TRANSITIONS)),
        token=queries.state_token(situation),
    )


@router.get(
    "/reviews/{slug}/{number}",
    response={200: ReviewOut, **ERROR_RESPONSES},
    summary="The review state of a version and what the caller may do with it",
)
def review_state(request: HttpRequest, slug: str, number: int):
    user = api_caller(request)
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Version not found."))
    return _state(user, _version(user, slug, number))


def _run(user, version: Version, action: str, body: TransitionIn) -> None:
    if action == "submit":
        services.submit(user, version, token=body.token, note=body.note)
    elif action == "verify":
        services.verify(user, version, token=body.token, note=body.note)
    elif action == "return":
        services.return_version(
            user,
            version,
            token=body.token,
            note=body.note,
            target=body.target,
            field=body.field,
            column=body.column,
            row=body.row,
        )
    elif action == "publish":
        services.publish(
            user, version, token=body.token, acknowledge_warnings=body.acknowledge_warnings
        )
    else:
        services.withdraw(user, version, token=body.token, reason=body.reason or body.note)


@router.post(
    "/reviews/{slug}/{number}/{action}",
    auth=ApiKeyAuth(),
    response={200: ReviewOut, 409: ErrorOut, **ERROR_RESPONSES},
    summary="Move a version through its review flow (API key with write scope)",
)
def review_transition(
    request: HttpRequest, slug: str, number: int, action: Action, body: TransitionIn
):
    token = api_token(request)
    if token is None or not token.can_write:
        raise PermissionDenied(
            _("This API key may only read. Create a key with write scope to act on reviews."),
            code="api-key-read-only",
        )
    user = api_caller(request)
    version = _version(user, slug, number)
    _run(user, version, action, body)
    version.refresh_from_db()
    return _state(user, version)
