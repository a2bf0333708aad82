"""Rate limits of the API: per key, and per client address for requests without a (valid) key.

Fixed windows counted in Django's cache: `add` then `incr`, both atomic in Redis and in the
local-memory cache. With the default local-memory cache every server process counts on its own
(a limit of N per process); with `SATUDATA_REDIS_URL` the processes and machines share one count.

Rates are written `"<requests>/<seconds>"` (`"600/60"`: 600 requests a minute); `"0"` or an
empty value switches that limit off. Addresses in `SATUDATA_API_RATE_EXEMPT` (by default the
machine itself: health checks, local scripts, benchmarks) have no per-address limit; a key keeps
its limit wherever it comes from. Behind a reverse proxy, `SATUDATA_API_TRUSTED_PROXIES` must name
it, or every client would look like the proxy.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

CACHE_PREFIX = "satudata:ratelimit"


@dataclass(frozen=True)
class Rate:
    limit: int
    window_s: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int  # seconds until the window ends (what Retry-After says)


def parse_rate(text: str | None) -> Rate | None:
    """`"600/60"` → Rate(600, 60); `"0"`, `""`, None → None (no limit). Bad text raises."""
    text = (text or "").strip()
    if not text or text == "0":
        return None
    count, _sep, seconds = text.partition("/")
    rate = Rate(int(count), int(seconds or 60))
    if rate.limit < 0 or rate.window_s <= 0:
        raise ValueError(f"bad rate {text!r}: expected '<requests>/<seconds>'")
    return rate if rate.limit > 0 else None


def key_rate() -> Rate | None:
    return parse_rate(getattr(settings, "SATUDATA_API_RATE_PER_KEY", "3000/60"))


def ip_rate() -> Rate | None:
    return parse_rate(getattr(settings, "SATUDATA_API_RATE_PER_IP", "1200/60"))


def hit(bucket: str, rate: Rate, now: float | None = None) -> Verdict:
    """Count one request in `bucket` and say whether it is within `rate`."""
    now = time.time() if now is None else now
    window = int(now // rate.window_s)
    cache_key = f"{CACHE_PREFIX}:{bucket}:{rate.window_s}:{window}"
    # The entry lives a little longer than its window, so a late `incr` never finds it gone.
    cache.add(cache_key, 0, timeout=rate.window_s + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=rate.window_s + 5)
        count = 1
    window_end = (window + 1) * rate.window_s
    return Verdict(
        allowed=count <= rate.limit,
        limit=rate.limit,
        remaining=max(0, rate.limit - count),
        retry_after_s=max(1, math.ceil(window_end - now)),
    )


def _networks(items) -> tuple:
    return _parsed_networks(tuple(items or ()))


@functools.lru_cache(maxsize=16)
def _parsed_networks(items: tuple) -> tuple:
    # Parsed once per setting value: this runs on every API request.
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items)


def _trusted_proxies() -> list:
    return _networks(getattr(settings, "SATUDATA_API_TRUSTED_PROXIES", ()))


def ip_exempt(address: str | None) -> bool:
    """True for addresses in SATUDATA_API_RATE_EXEMPT (by default the machine itself)."""
    if not address:
        return False
    exempt = getattr(settings, "SATUDATA_API_RATE_EXEMPT", ("127.0.0.0/8", "::1/128"))
    return _is_trusted(address, _networks(exempt))


def _is_trusted(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For is only believed when the connection comes from a
    proxy listed in SATUDATA_API_TRUSTED_PROXIES (anyone can send the header); then the right-most
    address not belonging to a trusted proxy is the client."""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _trusted_proxies()
    if not remote or not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _is_trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote
