"""Each privacy rule of common.privacy, case by case."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from common.privacy import (
    RULE_NAMES,
    is_sensitive_key,
    rules_enabled,
    scrub_data,
    scrub_identifier,
    scrub_text,
    scrub_url,
    text_clean,
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
        ("https://10.1.2.3/hosts/10.0.0.7/status", "https://10.1.2.3/hosts/[id]/status"),
        ("http://[2001:db8::1]:8080/peers/2001:db8::7", "http://[2001:db8::1]:8080/peers/[id]"),
        ("https://user:hunter2@app.example.com/a", "https://app.example.com/a"),
        ("", ""),
    ],
)
def test_scrub_url__ids_become_placeholders_and_query_is_dropped(url, expected):
    assert scrub_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.example.com:99999/orders/42", "https://app.example.com/orders/[id]"),
        ("https://app.example.com:-1/a", "https://app.example.com/a"),
        ("https://app.example.com:http/a", "https://app.example.com/a"),
        ("https://app.example.com:/a", "https://app.example.com/a"),
        ("http://[::1/checkout?x=1", "/checkout"),
        ("http://[not-an-ip]/checkout", "/checkout"),
        ("http://]/checkout", "/checkout"),
        ("http://[::1", ""),
        ("https://bad\ud800host.io/\ud800", "https://bad\ufffdhost.io/\ufffd"),
    ],
)
def test_scrub_url__a_broken_port_or_host_is_dropped_and_the_path_kept(url, expected):
    assert scrub_url(url) == expected


@given(st.text(max_size=300))
def test_scrub_url__never_raises_and_stays_bounded(text):
    for url in (text, "http://" + text, "https://[" + text, "http://a.io:" + text):
        scrubbed = scrub_url(url, max_length=100)
        assert len(scrubbed) <= 100
        assert "\x00" not in scrubbed
        scrubbed.encode()  # no lone surrogate left


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


# rule name: (text sent, text stored) — what each rule masks.
RULE_CASES = {
    "private_key": (
        "key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY----- end",
        "key [Filtered] end",
    ),
    "jwt": ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln end", "jwt [Filtered] end"),
    "aws_access_key": ("aws AKIAIOSFODNN7EXAMPLE end", "aws [Filtered] end"),
    "github_token": ("gh ghp_" + "a1B2" * 9 + " end", "gh [Filtered] end"),
    "slack_token": ("slack xoxb-1234567890-abcdefghij end", "slack [Filtered] end"),
    "stripe_key": ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc end", "stripe [Filtered] end"),
    "google_api_key": ("maps AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q end", "maps [Filtered] end"),
    "credential": ("Authorization: Bearer abc.def-123", "Authorization: Bearer [Filtered]"),
    "secret_pair": ("login password=hunter2&user=x", "login password=[Filtered]&user=x"),
    "email": ("contact ann@example.com now", "contact [email] now"),
    "phone": ("call +44 20 7946 0958 today", "call [phone] today"),
    "card": ("card 4111 1111 1111 1111 declined", "card [card] declined"),
    "ip_address": ("from 192.168.1.20 and 2001:db8::7 now", "from [ip] and [ip] now"),
}


def test_rules__every_rule_has_a_case():
    assert set(RULE_CASES) == set(RULE_NAMES) == set(rules_enabled())


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_scrub_text__each_rule_masks_its_finding(rule):
    sent, stored = RULE_CASES[rule]
    assert scrub_text(sent) == stored


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_scrub_text__a_disabled_rule_masks_nothing(settings, rule):
    sent, _stored = RULE_CASES[rule]
    settings.PRIVACY = {**settings.PRIVACY, "DISABLED_RULES": RULE_NAMES}
    assert scrub_text(sent) == sent


def test_scrub_text__internal_deployments_may_keep_ip_addresses(settings):
    settings.PRIVACY = {**settings.PRIVACY, "DISABLED_RULES": ["ip_address"]}
    assert "ip_address" not in rules_enabled()
    assert scrub_text("from 10.0.0.7, mail ann@x.io") == "from 10.0.0.7, mail [email]"


def test_scrub_text__extra_patterns_are_filtered_too(settings):
    settings.PRIVACY = {**settings.PRIVACY, "EXTRA_PATTERNS": [r"\bACME-\d{6}\b"]}
    assert scrub_text("ticket ACME-123456 for ann@x.io") == "ticket [Filtered] for [email]"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"DISABLED_RULES": ["ip"]}, "PRIVACY_DISABLED_RULES names no rule: ip"),
        ({"EXTRA_PATTERNS": ["(?<=x)y"]}, "PRIVACY_EXTRA_PATTERNS[0] is not an RE2 pattern"),
        ({"EXTRA_PATTERNS": "ACME-"}, "PRIVACY_EXTRA_PATTERNS must be a JSON list of strings"),
        ({"EXTRA_PATTERNS": ["x*"]}, "PRIVACY_EXTRA_PATTERNS[0] matches the empty string"),
    ],
)
def test_scrub_text__a_wrong_configuration_says_what_is_wrong(settings, config, message):
    settings.PRIVACY = {"DISABLED_RULES": [], "EXTRA_PATTERNS": [], **config}
    with pytest.raises(ImproperlyConfigured, match=message.replace("[", r"\[")):
        scrub_text("anything")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("with token Bearer abc.def.ghi", "abc.def.ghi"),
        ("token: Bearer abc.def.ghi", "abc.def.ghi"),
        ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJzdWIiOiIxIn0"),
        ('{"password": "hunter2 with spaces"}', "hunter2"),
        ("api_key=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("secret: ann@example.com", "ann@example.com"),
        ("reach ann@example.com or +1 (415) 555-2671", "555-2671"),
        ("ts 1700000000000 4111111111111111", "4111111111111111"),
        ("+4111 1111 1111 1111", "4111 1111 1111 1111"),
        ("a-" * 200 + "password=hunter2", "hunter2"),
        ("GET https://shop.example.com/hosts/203.0.113.77/x.js", "203.0.113.77"),
    ],
)
def test_scrub_text__rules_compose_so_no_part_of_a_secret_is_left(text, secret):
    scrubbed = scrub_text(text)
    assert secret not in scrubbed
    assert not any(part in scrubbed for part in secret.split(".") if len(part) > 3)


@pytest.mark.parametrize(
    "text",
    [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0.0.0 Edg/120.0.0.0 YaBrowser/23.1.1.1",
        "release shop@1.2.3.4 built v10.0.0.1",
        "version 1.2.3.4.5 of std::vector<int>",
        "at 12:30:45 on 2024-01-01T12:30:45+05:30 took 1:02:03.250",
        "order 1234567890123 shipped",
        "scored 1e+10 and +1234567",
        "event 3f1c0e7a9b2d4c5e8f60718293a4b5c6",
    ],
)
def test_scrub_text__versions_times_and_ids_are_not_mistaken_for_pii(text):
    assert scrub_text(text) == text


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


def test_scrub_data__keys_go_through_the_rules_and_everything_is_cleaned():
    scrubbed = scrub_data({"ann@example.com": 1, "k\ud800\x00": ["v\udfff\x00"], "ip": "10.0.0.1"})
    assert scrubbed == {"[email]": 1, "k\ufffd": ["v\ufffd"], "ip": "[ip]"}


def test_text_clean__drops_nul_and_replaces_lone_surrogates():
    assert text_clean("a\x00b\ud800c\U0001f600") == "ab\ufffdc\U0001f600"


@pytest.mark.parametrize(
    "value", ["+14155552671", "ann@example.com", "10.0.0.7", "AKIAIOSFODNN7EXAMPLE"]
)
def test_scrub_identifier__ids_holding_pii_become_stable_hashes(value):
    assert scrub_identifier(value).startswith("hash:")
    assert scrub_identifier(value) == scrub_identifier(value)


def test_scrub_identifier__opaque_ids_are_kept():
    for value in ("session_abc", "5f3c2a9e-1b2c-4d5e-8f90-123456789abc", "anon-42"):
        assert scrub_identifier(value) == value


def test_scrub_identifier__hashes_emails_and_keeps_opaque_ids():
    hashed = scrub_identifier("Ann@Example.com")
    assert hashed.startswith("hash:")
    assert hashed == scrub_identifier("ann@example.com ")
    assert scrub_identifier("user_456") == "user_456"
