"""The client's address, for rate limits, log-in throttling and request logs.

X-Forwarded-For is believed only when the connection comes from a proxy listed in
`SATUDATA_TRUSTED_PROXIES` (anyone can send the header). The default lists the machine itself,
so a reverse proxy on the same host (the usual set-up, docs/admin-guide.md §4) works without
configuration, while a client that reaches the server directly cannot choose its address.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings

DEFAULT_TRUSTED_PROXIES = ("127.0.0.0/8", "::1/128")


def networks(items: Iterable[str] | None) -> tuple:
    return _parsed_networks(tuple(items or ()))


@functools.lru_cache(maxsize=16)
def _parsed_networks(items: tuple) -> tuple:
    # Parsed once per setting value: this runs on every API request.
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items)


def address_in(address: str | None, nets: tuple) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in nets)


def trusted_proxies() -> tuple:
    return networks(getattr(settings, "SATUDATA_TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES))


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the right-most
    X-Forwarded-For address that is not a trusted proxy (what a client wrote itself further
    left is ignored)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = trusted_proxies()
    if not remote or not address_in(remote, proxies):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not address_in(address, proxies):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote
