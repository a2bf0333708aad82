"""API middleware: key check, rate limits (429 + Retry-After) and the request log.

Only paths under `/api/` (also behind a language prefix, `/id/api/…`) are touched; everything
else passes straight through. Order of work for an API request:
1. a presented key is resolved once (`auth.api_token`, cached on the request); a bad one
   answers 401 at once, counted against the client's address (no key guessing at full speed);
2. the request is counted against its key's limit, or its address's limit without a key;
   over the limit answers 429 with `Retry-After`;
3. the view runs; the request (time, key/user, method, path, status, latency, bytes, address)
   is queued for the buffered log (requestlog.py) — streamed answers when their last byte left.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.api import ratelimit, requestlog
from satudata.api.auth import AuthenticationFailed, api_token
from satudata.core.middleware import current_request_id

API_PATH_RE = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?api(?:/|$)")
PATH_MAX = 500


def is_api_path(path: str) -> bool:
    return bool(API_PATH_RE.match(path))


def _json_error(status: int, code: str, message: str, details: dict | None = None) -> HttpResponse:
    body = json.dumps({"code": code, "message": message, "details": details or {}})
    return HttpResponse(body, status=status, content_type="application/json")


def _too_many(verdict: ratelimit.Verdict, scope: str) -> HttpResponse:
    response = _json_error(
        429,
        "rate-limited",
        _("Too many requests. Please wait %(seconds)d seconds and try again.")
        % {"seconds": verdict.retry_after_s},
        {"limit": verdict.limit, "per": scope, "retry_after": verdict.retry_after_s},
    )
    response["Retry-After"] = str(verdict.retry_after_s)
    return response


def _limit_headers(response: HttpResponse, verdict: ratelimit.Verdict | None) -> None:
    if verdict is not None:
        response["X-RateLimit-Limit"] = str(verdict.limit)
        response["X-RateLimit-Remaining"] = str(verdict.remaining)


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(
            requestlog.on_request_finished, dispatch_uid="satudata-api-request-log"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path_info):
            return self.get_response(request)
        started = time.perf_counter()
        received_at = timezone.now()
        ip = ratelimit.client_ip(request)
        response = self._gate(request, ip)
        verdict = getattr(request, "_satudata_rate_verdict", None)
        if response is None:
            response = self.get_response(request)
            _limit_headers(response, verdict)
        self._log(request, response, started, received_at, ip)
        return response

    def _gate(self, request: HttpRequest, ip: str | None) -> HttpResponse | None:
        """The early answer (401 bad key, 429 over the limit) or None to go on."""
        ip_rate = None if ratelimit.ip_exempt(ip) else ratelimit.ip_rate()
        try:
            token = api_token(request)
        except AuthenticationFailed as exc:
            rate = ip_rate
            if rate is not None:
                verdict = ratelimit.hit(f"ip:{ip}", rate)
                if not verdict.allowed:
                    return _too_many(verdict, "ip")
            return _json_error(401, exc.code, exc.message, exc.details)
        if token is not None:
            rate, bucket, scope = ratelimit.key_rate(), f"key:{token.pk}", "key"
        else:
            rate, bucket, scope = ip_rate, f"ip:{ip}", "ip"
        if rate is None:
            return None
        verdict = ratelimit.hit(bucket, rate)
        request._satudata_rate_verdict = verdict
        return None if verdict.allowed else _too_many(verdict, scope)

    def _log(
        self, request: HttpRequest, response: HttpResponse, started: float, received_at, ip
    ) -> None:
        entry = _entry(request, response, received_at, ip)
        if response.streaming:
            response.streaming_content = _counting(response.streaming_content, entry, started)
            return
        entry["response_bytes"] = len(response.content)
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        requestlog.record(entry)


def _counting(content: Iterator[bytes], entry: dict, started: float) -> Iterator[bytes]:
    """Pass a streamed body through, counting bytes; log when the stream ends (or breaks)."""
    sent = 0
    try:
        for chunk in content:
            sent += len(chunk)
            yield chunk
    finally:
        entry["response_bytes"] = sent
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        requestlog.record(entry)


def _caller(request: HttpRequest) -> tuple[object | None, object | None]:
    """(token, user) of the request, without raising for a bad key and without a session
    lookup when the request carries no session cookie (then it is anonymous anyway)."""
    token = getattr(request, "_satudata_api_token", None)
    if token is not None and not isinstance(token, Exception):
        return token, token.user
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None, None
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return None, user
    return None, None


def _entry(request: HttpRequest, response: HttpResponse, received_at, ip: str | None) -> dict:
    """The log line as a plain dict (a model instance is built at flush, off the request path;
    the caller's agency is looked up there too)."""
    token, user = _caller(request)
    try:
        request_bytes = max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        request_bytes = 0
    return {
        "created_at": received_at,
        "method": request.method[:10],
        "path": request.path[:PATH_MAX],
        "status": response.status_code,
        "duration_ms": 0.0,
        "response_bytes": 0,
        "request_bytes": request_bytes,
        "client_ip": ip,
        "user_id": getattr(user, "pk", None),
        "username": user.get_username()[:150] if user is not None else "",
        "token_id": token.pk if token is not None else None,
        "token_prefix": token.prefix if token is not None else "",
        "request_id": (current_request_id() or "")[:64],
    }
