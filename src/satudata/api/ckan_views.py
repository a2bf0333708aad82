"""HTTP side of the CKAN Action API: request data, envelope, errors (reference/ckan-api.md §2.1).

GET reads query parameters (a repeated key becomes a list), POST reads a JSON object (or a form).
No CSRF check (API clients send no cookie token) and never a redirect (ckanapi does not follow
them). A hostile or broken request gets CKAN's error shape with a 4xx status, never a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from satudata.api.ckan import ACTIONS, CkanError

logger = logging.getLogger(__name__)
BODY_MAX_BYTES = 1_000_000
JSON_TYPE = "application/json;charset=utf-8"


def _bad_request(message: str) -> HttpResponse:
    """CKAN answers an unknown action or an unreadable body with a bare JSON string."""
    return HttpResponse(json.dumps("Bad request - " + message), status=400, content_type=JSON_TYPE)


def _request_data(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":
        data: dict[str, Any] = {}
        for key in request.GET:
            values = request.GET.getlist(key)
            data[key] = values[0] if len(values) == 1 else values
        return data
    if len(request.body) > BODY_MAX_BYTES:
        raise ValueError("request body too large")
    body = request.body.strip()
    content_type = request.content_type or ""
    if not body:
        return {}
    if content_type == "application/json" or body[:1] in (b"{", b"["):
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("Request data JSON decoded to a non-dict")
        return data
    form = {key: request.POST.get(key) for key in request.POST}
    if len(form) == 1:  # one form key holding JSON is accepted too
        ((key, value),) = form.items()
        if not value and key.startswith("{"):
            return _request_data_from_text(key)
    return form


def _request_data_from_text(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("Request data JSON decoded to a non-dict")
    return data


def _without_nul(value: Any) -> Any:
    """NUL characters removed from every string: PostgreSQL text cannot hold them, and no real
    name, query or filter contains one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _envelope(request: HttpRequest, name: str, status: int, **content: Any) -> JsonResponse:
    body = {"help": request.build_absolute_uri(f"/api/3/action/help_show?name={name}"), **content}
    response = JsonResponse(body, status=status, encoder=DjangoJSONEncoder)
    response["Content-Type"] = JSON_TYPE
    return response


@csrf_exempt
def action(request: HttpRequest, name: str) -> HttpResponse:
    function = ACTIONS.get(name)
    if function is None:
        return _bad_request(f"Action name not known: {name[:100]}")
    if request.method not in ("GET", "POST"):
        return _bad_request("Please use GET or POST")
    try:
        data = _without_nul(_request_data(request))
    except (ValueError, UnicodeDecodeError) as error:
        return _bad_request(f"JSON Error: {str(error)[:200]}")
    base_url = request.build_absolute_uri("/").rstrip("/")
    try:
        result = function(data, base_url)
    except CkanError as error:
        return _envelope(request, name, error.status, success=False, error=error.error_dict())
    return _envelope(request, name, 200, success=True, result=result)


def api_version(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": 3})
