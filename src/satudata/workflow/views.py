"""Review pages: the queue (/tinjauan/), one version's review page and its action forms.

Every lookup goes through `queries.visible_versions(request.user)` (hidden → 404); the services
decide the rest (403 for a role that may not act, a message for an out-of-order or stale
action). A refused form is shown again with what was typed, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from satudata.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from satudata.warehouse.models import Version
from satudata.workflow import auditlog, queries, services


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("halaman", "1")), 2**31 - 1))
    except ValueError:
        return 1


def _version_or_404(request: HttpRequest, slug: str, number: int) -> Version:
    version = queries.review_version(request.user, slug, number)
    if version is None:
        raise Http404(_("Version not found."))
    return version


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    context = queries.review_queue(request.user)
    context["can_read_audit"] = auditlog.may_read(request.user)
    return render(request, "workflow/queue.html", context)


def _render_review(
    request: HttpRequest,
    version: Version,
    *,
    status: int = 200,
    error: str = "",
    posted: dict | None = None,
    failed_action: str = "",
) -> HttpResponse:
    context = queries.review_page(request.user, version, page_number=_page_number(request))
    context.update({"error": error, "posted": posted or {}, "failed_action": failed_action})
    return render(request, "workflow/review.html", context, status=status)


@login_required
@require_GET
def review(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _render_review(request, _version_or_404(request, slug, number))


def _posted(request: HttpRequest) -> dict[str, str]:
    """The typed values to show again when a form is refused (never the token)."""
    keep = ("note", "reason", "body", "target", "field", "column", "row", "parent")
    return {name: request.POST.get(name, "") for name in keep if name in request.POST}


def _act(
    request: HttpRequest,
    slug: str,
    number: int,
    action: str,
    run: Callable[[Version, str], object],
    success: str,
) -> HttpResponse:
    version = _version_or_404(request, slug, number)
    token = request.POST.get("token")
    if not token:
        return _render_review(
            request,
            version,
            status=400,
            error=_("The form is incomplete (its state token is missing); reload the page."),
            posted=_posted(request),
            failed_action=action,
        )
    try:
        run(version, token)
    except NotFound:
        raise Http404(_("Version not found.")) from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except (Conflict, ValidationFailed) as exc:
        version.refresh_from_db()
        status = 409 if isinstance(exc, Conflict) else 400
        return _render_review(
            request,
            version,
            status=status,
            error=exc.message,
            posted=_posted(request),
            failed_action=action,
        )
    messages.success(request, success % {"number": version.number})
    return redirect("workflow:review", slug=slug, number=number)


# One declaration per transition: the service to call with the posted fields, and what to say
# when it worked. The URL names the transition (urls.py); `transition()` does the rest.
TransitionCall = Callable[[HttpRequest, Version, str], object]


@dataclass(frozen=True)
class TransitionView:
    run: TransitionCall
    success: str


def _return_kwargs(post) -> dict[str, object]:
    return {
        "note": post.get("body", "") or post.get("note", ""),
        "target": post.get("target", "general"),
        "field": post.get("field", ""),
        "column": post.get("column", ""),
        "row": post.get("row") or None,
    }


TRANSITION_VIEWS: dict[str, TransitionView] = {
    "submit": TransitionView(
        lambda request, version, token: services.submit(
            request.user, version, token=token, note=request.POST.get("note", "")
        ),
        gettext_lazy("Version %(number)d was submitted for review."),
    ),
    "verify": TransitionView(
        lambda request, version, token: services.verify(
            request.user, version, token=token, note=request.POST.get("note", "")
        ),
        gettext_lazy("Version %(number)d was verified."),
    ),
    "return": TransitionView(
        lambda request, version, token: services.return_version(
            request.user, version, token=token, **_return_kwargs(request.POST)
        ),
        gettext_lazy("Version %(number)d was returned to its producer."),
    ),
    "publish": TransitionView(
        lambda request, version, token: services.publish(
            request.user,
            version,
            token=token,
            acknowledge_warnings=request.POST.get("acknowledge_warnings") == "1",
        ),
        gettext_lazy("Version %(number)d is now the public version."),
    ),
    "withdraw": TransitionView(
        lambda request, version, token: services.withdraw(
            request.user, version, token=token, reason=request.POST.get("reason", "")
        ),
        gettext_lazy("Version %(number)d was withdrawn; the dataset is no longer public."),
    ),
}


@login_required
@require_POST
def transition(request: HttpRequest, slug: str, number: int, action: str) -> HttpResponse:
    """Every transition form posts here (urls.py names the action): one shape for all."""
    declared = TRANSITION_VIEWS[action]
    return _act(
        request,
        slug,
        number,
        action,
        lambda version, token: declared.run(request, version, token),
        str(declared.success),
    )


@login_required
@require_POST
def choose_flow(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The walidata sets the flow this dataset follows from its next submission on."""
    version = _version_or_404(request, slug, number)
    try:
        definition = services.choose_flow(request.user, version.dataset, request.POST.get("flow"))
    except NotFound:
        raise Http404(_("Version not found.")) from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except (Conflict, ValidationFailed) as exc:
        return _render_review(request, version, status=400, error=exc.message)
    messages.success(
        request,
        _("From its next submission on, this dataset follows: %(flow)s.")
        % {"flow": definition.name},
    )
    return redirect("workflow:review", slug=slug, number=number)


@login_required
@require_POST
def comment(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A comment never moves the version, so it needs no state token; the service checks who
    may comment and where it may be pinned."""
    version = _version_or_404(request, slug, number)
    post = request.POST
    try:
        services.add_comment(
            request.user,
            version,
            body=post.get("body", ""),
            target=post.get("target", "general"),
            field=post.get("field", ""),
            column=post.get("column", ""),
            row=post.get("row") or None,
            parent=post.get("parent") or None,
        )
    except NotFound:
        raise Http404(_("Version not found.")) from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except (Conflict, ValidationFailed) as exc:
        return _render_review(
            request,
            version,
            status=400,
            error=exc.message,
            posted=_posted(request),
            failed_action="reply" if post.get("parent") else "comment",
        )
    messages.success(request, _("Your comment was added."))
    return redirect("workflow:review", slug=slug, number=number)
