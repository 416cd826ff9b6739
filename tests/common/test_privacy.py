"""Each privacy rule of common.privacy, case by case."""

import pytest

from common.privacy import (
    is_sensitive_key,
    scrub_data,
    scrub_text,
    scrub_url,
    scrub_user_id,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/flow", "/flow"),
        ("/users/123/edit", "/users/[id]/edit"),
        ("/orders/5f3c2a9e-1b2c-4d5e-8f90-123456789abc", "/orders/[id]"),
        ("/commits/9fceb02d0ae598e95dc970b74767f19372d61af8", "/commits/[id]"),
        ("/p/clx123abc0000qwertyuiop12", "/p/[id]"),
        ("/p/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/p/[id]"),
        ("/people/ann%40example.com/profile", "/people/[id]/profile"),
        ("/blog/introducing-version-2-of-our-api", "/blog/introducing-version-2-of-our-api"),
        ("/search?q=secret&token=abc#frag", "/search"),
        ("https://app.example.com:8443/a/42?x=1", "https://app.example.com:8443/a/[id]"),
        ("", ""),
    ],
)
def test_scrub_url__ids_become_placeholders_and_query_is_dropped(url, expected):
    assert scrub_url(url) == expected


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "user_password",
        "secret",
        "clientSecret",
        "token",
        "access_token",
        "api_key",
        "apiKey",
        "X-Api-Key",
        "authorization",
        "Cookie",
        "session_token",
        "sessionToken",
        "credit_card",
        "creditCardNumber",
        "cvv",
        "ssn",
        "email",
        "userEmail",
        "phone",
        "phoneNumber",
    ],
)
def test_is_sensitive_key__names_of_secrets_and_personal_data(key):
    assert is_sensitive_key(key)


@pytest.mark.parametrize(
    "key", ["referrer", "plan", "sessionId", "className", "author", "status", "duration"]
)
def test_is_sensitive_key__ordinary_names_stay_visible(key):
    assert not is_sensitive_key(key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contact ann@example.com now", "contact [email] now"),
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer [Filtered]"),
        ("card 4111 1111 1111 1111 declined", "card [card] declined"),
        ("order 1234567890123 shipped", "order 1234567890123 shipped"),
        ("login failed password=hunter2&user=x", "login failed password=[Filtered]&user=x"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "jwt [Filtered]"),
    ],
)
def test_scrub_text__masks_secrets_inside_free_text(text, expected):
    assert scrub_text(text) == expected


def test_scrub_text__is_bounded():
    assert len(scrub_text("a" * 10_000, max_length=100)) == 100


def test_scrub_data__filters_nested_keys_and_bounds_depth_and_width():
    data = {
        "a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}},
        "wide": {str(i): i for i in range(150)},
    }
    scrubbed = scrub_data(data)
    assert scrubbed["a"]["b"]["c"]["d"]["e"]["f"] == "[Filtered]"
    assert len(scrubbed["wide"]) == 101
    assert scrubbed["wide"]["_truncated"] is True


def test_scrub_data__scrubs_values_of_every_kind_alike_at_the_top_and_nested():
    # key: (value sent, value stored)
    cases = {
        "note": ("mail ann@example.com", "mail [email]"),
        "nul": ("a\x00b", "ab"),
        "long": ("x" * 300 + " ann@example.com", "x" * 300 + " [email]"),
        "count": (3, 3),
        "ratio": (1.5, 1.5),
        "flag": (True, True),
        "none": (None, None),
        "list": (["ann@example.com", 2], ["[email]", 2]),
        "token": ("abc", "[Filtered]"),
    }
    sent = {key: value for key, (value, _) in cases.items()}
    stored = {key: value for key, (_, value) in cases.items()}
    assert scrub_data({"nested": sent, **sent}) == {"nested": stored, **stored}


def test_scrub_user_id__hashes_emails_and_keeps_opaque_ids():
    hashed = scrub_user_id("Ann@Example.com")
    assert hashed.startswith("hash:")
    assert hashed == scrub_user_id("ann@example.com ")
    assert scrub_user_id("user_456") == "user_456"
