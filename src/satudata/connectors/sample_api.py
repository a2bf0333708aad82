"""A small built-in sample API for the demo connector: synthetic records, page pagination and an
API key, shaped like an agency system's answer (`{"data": {"items": [...]}, "meta": {...}}`).

The numbers are SYNTHETIC (generated from a fixed formula) and labelled so in the response; they
exist only so that the demo can show a connector and its runs without a network.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

SAMPLE_API_KEY = "demo-kunci-publik"  # public on purpose: the demo's own sample endpoint
SAMPLE_DESA = ("5105012001", "5105012002", "5105012003", "5105012004", "5105012005")
SAMPLE_MONTHS = 6
MAX_PAGE_SIZE = 100


def sample_records() -> list[dict]:
    records = []
    number = 0
    for month in range(1, SAMPLE_MONTHS + 1):
        for position, desa in enumerate(SAMPLE_DESA):
            for sex in ("L", "P"):
                number += 1
                records.append(
                    {
                        "id": number,
                        "bulan": f"2024-{month:02d}",
                        "kode_desa": desa,
                        "JK": sex,
                        "jumlah": 40 + (month * 7 + position * 13 + (sex == "P") * 5) % 37,
                        "updated_at": f"2024-{month:02d}-28T09:00:00",
                    }
                )
    return records


@require_GET
def sample_kunjungan(request: HttpRequest) -> JsonResponse:
    if request.headers.get("X-API-Key") != SAMPLE_API_KEY:
        return JsonResponse({"error": "invalid api key"}, status=401)
    try:
        page = max(1, int(request.GET.get("page", 1)))
        size = min(MAX_PAGE_SIZE, max(1, int(request.GET.get("per_page", 20))))
    except ValueError:
        return JsonResponse({"error": "page and per_page must be numbers"}, status=400)
    since = request.GET.get("updated_since", "")
    records = [r for r in sample_records() if not since or r["updated_at"] > since]
    chunk = records[(page - 1) * size : page * size]
    return JsonResponse(
        {
            "data": {"items": chunk},
            "meta": {
                "page": page,
                "per_page": size,
                "total": len(records),
                "note": "SYNTHETIC sample data of the Satu Data demo",
            },
        }
    )
