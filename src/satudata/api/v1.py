"""API v1: one NinjaAPI instance; each app contributes a router from its own `api.py`.

OpenAPI 3.1 at /api/v1/openapi.json, interactive docs at /api/v1/docs. Every error answers
`{"code", "message", "details"}` with the status of the `SatuDataError` it came from, so a client
handles one error shape whatever went wrong (validation, permission, missing object, rate limit).

Routers are mounted in `mount_routers()` in a fixed order: the sector gateway's catch-all path
`/<sektor>/<dataset-slug>` is mounted last so it never shadows a named resource.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from satudata.core.errors import SatuDataError


class LocalSwagger(Swagger):
    """The interactive docs with Swagger UI from the installed django-ninja package, served by
    this API itself: ninja's default falls back to a CDN when "ninja" is not an installed app,
    and government intranets are often offline (no CDN at run time)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        assets = request.path.rstrip("/").rsplit("/", 1)[0] + "/docs/assets/"
        page = DOCS_PAGE.format(
            title=escape(api.title),
            # Inside <script> entities are not decoded: keep the JSON, make "<" harmless.
            settings=json.dumps(self.settings).replace("<", "\\u003c"),
            assets=escape(assets),
        )
        return HttpResponse(page)


DOCS_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link type="text/css" rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="icon" href="{assets}favicon.svg" type="image/svg+xml">
<title>{title}</title>
</head>
<body data-csrf-token="" data-api-csrf="">
<script type="application/json" id="swagger-settings">{settings}</script>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""
DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}
DOCS_ASSETS_MAX_AGE_S = 86_400

api = NinjaAPI(
    title="Satu Data API",
    version="1",
    description=(
        "Sectoral data of the regency: catalogue, versions, schemas, validation reports and the "
        "rows of every published version, with filters, aggregation, JSON, CSV and XML."
    ),
    urls_namespace="api_v1",
    docs_url="/docs",
    docs=LocalSwagger(),
    openapi_url="/openapi.json",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(SatuDataError)
def _satudata_error(request: HttpRequest, exc: SatuDataError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error_response(
        request, 422, "invalid-request", _("The request is not valid."), {"errors": exc.errors}
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "unauthenticated", _("A valid API key is needed for this request.")
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "http-error", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not-found", _("Not found."))


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


# Declared on every operation, so the OpenAPI document (and schemathesis) knows the error shape.
ERROR_RESPONSES: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def api_caller(request: HttpRequest):
    """Who is asking: the API key's user, else the session user, else anonymous (contract A)."""
    from satudata.api.auth import api_user

    return api_user(request)


def strong_etag(*parts: Any) -> str:
    """A quoted strong ETag from what determines a response's bytes."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f'"{digest[:32]}"'


def not_modified(request: HttpRequest, etag: str) -> bool:
    """True when the client's If-None-Match already names `etag` (weak comparison, RFC 9110)."""
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def cache_control(response: HttpResponse, *, public: bool) -> HttpResponse:
    """Always revalidate (a 304 is cheap): a dataset may be restricted or a new version published
    at any time. Shared caches may keep only what anybody may see."""
    response["Cache-Control"] = f"{'public' if public else 'private'}, no-cache"
    return response


@api.get("/docs/assets/{name}", include_in_schema=False)
def docs_asset(request: HttpRequest, name: str):
    """Swagger UI's files, from the installed django-ninja package (a fixed list)."""
    if name not in DOCS_ASSETS:
        raise Http404(name)
    path = Path(ninja.__file__).parent / "static" / "ninja" / name
    response = FileResponse(path.open("rb"), content_type=DOCS_ASSETS[name])
    response["Cache-Control"] = f"public, max-age={DOCS_ASSETS_MAX_AGE_S}"
    return response


def mount_routers() -> None:
    """Add each app's router (imported here, late, so that models are ready)."""
    # Helpers add their routers here, one line each, sector gateway last.
    from satudata.catalog.api import router as catalog_router
    from satudata.warehouse.api import router as warehouse_router

    api.add_router("", catalog_router)
    api.add_router("", warehouse_router)
    from satudata.workflow.api import router as workflow_router

    api.add_router("", workflow_router)
    from satudata.api.gateway import router as gateway_router  # last: catch-all paths

    api.add_router("", gateway_router)


mount_routers()
