"""Rate limits of the API: per key, and per client address for requests without a (valid) key.

Fixed windows counted in Django's cache: `add` then `incr`, both atomic in Redis and in the
local-memory cache. With the default local-memory cache every server process counts on its own
(a limit of N per process); with `SATUDATA_REDIS_URL` the processes and machines share one count.

Rates are written `"<requests>/<seconds>"` (`"600/60"`: 600 requests a minute); `"0"` or an
empty value switches that limit off. Addresses in `SATUDATA_API_RATE_EXEMPT` (by default the
machine itself: health checks, local scripts, benchmarks) have no per-address limit; a key keeps
its limit wherever it comes from. A request forwarded by a trusted proxy
(`SATUDATA_TRUSTED_PROXIES`, the machine itself by default: core/net.py) is counted under the
client's forwarded address, so a reverse proxy on this machine does not make every client look
like one exempt address.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from satudata.core import net

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


def ip_exempt(address: str | None) -> bool:
    """True for addresses in SATUDATA_API_RATE_EXEMPT (by default the machine itself)."""
    exempt = getattr(settings, "SATUDATA_API_RATE_EXEMPT", ("127.0.0.0/8", "::1/128"))
    return net.address_in(address, net.networks(exempt))


client_ip = net.client_ip  # the API's callers, the log-in throttle and the request log agree
