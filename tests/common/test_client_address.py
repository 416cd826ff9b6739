"""client_address: the address rate limits count, and X-Forwarded-For counted from the right."""

import json

import pytest
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from common.api import client_address, client_ip


def request_from(remote_addr="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/health", **extra)


@pytest.fixture
def behind_proxies(settings):
    def configure(count):
        settings.USE_X_FORWARDED_FOR = True
        settings.TRUSTED_PROXY_COUNT = count

    return configure


def test_client_address__without_forwarding_is_the_peer_and_ignores_the_header(settings):
    settings.USE_X_FORWARDED_FOR = False

    assert client_address(request_from("10.0.0.1", "203.0.113.9")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "1.1.1.1, 198.51.100.7", "198.51.100.7"),
        (1, "spoofed, 6.6.6.6,198.51.100.7", "198.51.100.7"),
        (2, "1.1.1.1, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_client_address__takes_the_entry_trusted_proxy_count_from_the_right(
    behind_proxies, count, forwarded, expected
):
    behind_proxies(count)

    assert client_address(request_from("10.0.0.1", forwarded)) == expected


@pytest.mark.parametrize(
    ("count", "forwarded"),
    [
        (1, ""),
        (1, "not-an-address"),
        (1, "198.51.100.7, "),
        (1, "198.51.100.7, 999.1.1.1"),
        (2, "198.51.100.7"),
        (3, "1.1.1.1, 2.2.2.2"),
    ],
)
def test_client_address__a_short_or_malformed_header_falls_back_to_the_peer(
    behind_proxies, count, forwarded
):
    behind_proxies(count)

    assert client_address(request_from("10.0.0.1", forwarded)) == "10.0.0.1"


def test_client_address__without_the_header_is_the_peer(behind_proxies):
    behind_proxies(1)

    assert client_address(request_from("10.0.0.1")) == "10.0.0.1"


@given(prefix=st.lists(st.text(max_size=30), max_size=8))
def test_client_address__whatever_the_client_writes_on_the_left_the_address_is_the_proxys_entry(
    prefix,
):
    forwarded = ",".join([*prefix, " 198.51.100.7"])

    with override_settings(USE_X_FORWARDED_FOR=True, TRUSTED_PROXY_COUNT=1):
        assert client_address(request_from("10.0.0.1", forwarded)) == "198.51.100.7"


@pytest.mark.django_db
def test_rate_limit__rotating_the_left_most_forwarded_entry_does_not_escape_it(
    api_client, behind_proxies, settings, one_rate_window
):
    behind_proxies(1)
    settings.TELEMETRY = {**settings.TELEMETRY, "RATE_LIMIT_REQUESTS": 3}
    body = json.dumps({"events": [{"type": "page_view", "page": "/"}]})

    statuses = [
        api_client.post(
            "/api/telemetry/batch",
            data=body,
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7",
        ).status_code
        for n in range(6)
    ]
    other_client = api_client.post(
        "/api/telemetry/batch",
        data=body,
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.8",
    )

    assert statuses == [200, 200, 200, 429, 429, 429]
    assert other_client.status_code == 200


def test_client_ip__is_none_without_an_address_and_client_address_says_unknown(settings):
    settings.USE_X_FORWARDED_FOR = False
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR")

    assert client_ip(request) is None
    assert client_address(request) == "unknown"
