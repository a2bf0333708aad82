"""Rate limits: per key, per client address without a key; 429 with Retry-After; bad keys count
against the address."""

from __future__ import annotations

import os
import socket

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from satudata.accounts import services
from satudata.api import ratelimit
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PROBE = "/api/3/action/status_show"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_an_address_over_its_limit_gets_429_with_retry_after(client, settings):
    settings.SATUDATA_API_RATE_PER_IP = "3/3600"
    answers = [client.get(PROBE, REMOTE_ADDR="10.9.0.1") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused["Retry-After"]) <= 3600
    body = refused.json()
    assert body["code"] == "rate-limited"
    assert body["details"]["per"] == "ip"
    assert answers[0]["X-RateLimit-Limit"] == "3"
    # Another address is not affected, nor are the web pages of the same address.
    assert client.get(PROBE, REMOTE_ADDR="10.9.0.2").status_code == 200
    assert client.get("/healthz", REMOTE_ADDR="10.9.0.1").status_code == 200


def test_a_key_has_its_own_limit(client, settings):
    settings.SATUDATA_API_RATE_PER_KEY = "2/3600"
    settings.SATUDATA_API_RATE_PER_IP = "100/3600"
    user = make_user("rl_produsen")
    _, first = services.create_api_token(user, name="a")
    _, second = services.create_api_token(user, name="b")
    codes = [client.get(PROBE, HTTP_X_API_KEY=first).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get(PROBE, HTTP_X_API_KEY=first)
    assert limited.json()["details"]["per"] == "key"
    assert client.get(PROBE, HTTP_X_API_KEY=second).status_code == 200
    assert client.get(PROBE).status_code == 200  # the address's own count is separate


def test_bad_keys_count_against_the_address(client, settings):
    settings.SATUDATA_API_RATE_PER_IP = "2/3600"
    codes = [
        client.get(PROBE, HTTP_X_API_KEY="sdk_tebak" + str(n), REMOTE_ADDR="10.9.0.3").status_code
        for n in range(3)
    ]
    assert codes == [401, 401, 429]


def test_a_limit_can_be_switched_off(client, settings):
    settings.SATUDATA_API_RATE_PER_IP = "0"
    codes = {client.get(PROBE, REMOTE_ADDR="10.9.0.4").status_code for _ in range(5)}
    assert codes == {200}


def test_rates_parse_and_windows_end():
    assert ratelimit.parse_rate("600/60") == ratelimit.Rate(600, 60)
    assert ratelimit.parse_rate("") is None
    assert ratelimit.parse_rate("0") is None
    with pytest.raises(ValueError):
        ratelimit.parse_rate("banyak/60")
    rate = ratelimit.Rate(2, 10)
    assert ratelimit.hit("t", rate, now=1000.0).allowed
    assert ratelimit.hit("t", rate, now=1001.0).allowed
    verdict = ratelimit.hit("t", rate, now=1009.5)
    assert not verdict.allowed
    assert verdict.retry_after_s == 1
    assert ratelimit.hit("t", rate, now=1010.0).allowed  # a new window


def test_forwarded_for_is_only_believed_from_a_trusted_proxy(settings):
    factory = RequestFactory()
    spoofed = factory.get("/api/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_ip(spoofed) == "203.0.113.9"
    # By default the machine itself is the trusted proxy (a reverse proxy on the same host).
    proxied = factory.get(
        "/api/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    # The right-most address the proxy added is the client; what the client wrote is ignored.
    assert ratelimit.client_ip(proxied) == "198.51.100.7"
    assert not ratelimit.ip_exempt(ratelimit.client_ip(proxied))  # limited like anyone
    local = factory.get("/api/", REMOTE_ADDR="127.0.0.1")  # a script on the machine itself
    assert ratelimit.ip_exempt(ratelimit.client_ip(local))
    settings.SATUDATA_TRUSTED_PROXIES = ["10.0.0.5/32"]  # the proxy runs elsewhere
    assert ratelimit.client_ip(proxied) == "127.0.0.1"
    remote_proxy = factory.get("/api/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert ratelimit.client_ip(remote_proxy) == "198.51.100.7"


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_limits_are_shared_through_redis(client, settings):
    pytest.importorskip("redis", reason="the redis Python package is not installed")
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis at 127.0.0.1:6379 is needed under CI")
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    from django.core.cache import caches

    caches["default"].clear()
    settings.SATUDATA_API_RATE_PER_IP = "2/3600"
    codes = [client.get(PROBE, REMOTE_ADDR="10.9.0.5").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    caches["default"].clear()


def test_the_machine_itself_has_no_address_limit_but_keys_keep_theirs(client, settings):
    settings.SATUDATA_API_RATE_PER_IP = "1/3600"
    settings.SATUDATA_API_RATE_PER_KEY = "1/3600"
    codes = {client.get(PROBE, REMOTE_ADDR="127.0.0.1").status_code for _ in range(3)}
    assert codes == {200}
    _, key = services.create_api_token(make_user("rl_lokal"), name="lokal")
    codes = [client.get(PROBE, HTTP_X_API_KEY=key).status_code for _ in range(2)]
    assert codes == [200, 429]
    settings.SATUDATA_API_RATE_EXEMPT = []
    codes = [client.get(PROBE, REMOTE_ADDR="127.0.0.1").status_code for _ in range(2)]
    assert codes == [200, 429]
