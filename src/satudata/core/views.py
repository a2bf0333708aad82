"""Health endpoint for load balancers and monitoring."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from satudata.core.health import run_checks


@never_cache
@require_GET
def healthz(request):
    checks = run_checks(include_migrations=False)
    ok = all(check.ok for check in checks)
    body = {
        "status": "ok" if ok else "error",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=200 if ok else 503)
