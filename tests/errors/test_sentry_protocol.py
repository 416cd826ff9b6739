"""The Sentry protocol layer: streaming decompression with caps, envelopes, keys, mapping."""

import dataclasses
import io
import json
import tracemalloc
import zlib

import brotli
import pytest

from common.api import ApiError
from errors.sentry.auth import auth_header_parse, dsn_parse, public_key_find
from errors.sentry.decompress import body_read
from errors.sentry.envelope import envelope_parse
from errors.sentry.mapping import event_id_normalise, event_to_error_report
from tests.errors.sentry_support import (
    PUBLIC_KEY,
    capture_chained_error,
    captured_envelopes,
    compress,
    gzip_bomb,
)

MiB = 1024 * 1024


def read_body(body: bytes, encoding: str, max_bytes: int = MiB) -> bytes:
    return body_read(read=io.BytesIO(body).read, encoding=encoding, max_bytes=max_bytes)


# --- decompression -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate", "br"])
def test_body_read__decodes_each_encoding(encoding):
    body = b'{"message": "hello"}\n' * 5000
    assert read_body(compress(body, encoding), encoding) == body


def test_body_read__accepts_raw_deflate_as_some_clients_send_it():
    body = b"raw deflate body " * 100
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = compressor.compress(body) + compressor.flush()
    assert read_body(raw, "deflate") == body


def test_body_read__encoding_name_is_case_insensitive():
    assert read_body(compress(b"abc", "gzip"), "GZip") == b"abc"


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate", "br"])
def test_body_read__refuses_body_one_byte_over_the_cap_with_413(encoding):
    assert read_body(compress(bytes(1000), encoding), encoding, max_bytes=1000) == bytes(1000)
    with pytest.raises(ApiError) as refused:
        read_body(compress(bytes(1001), encoding), encoding, max_bytes=1000)
    assert refused.value.status_code == 413


def test_body_read__gzip_bomb_is_refused_without_exhausting_memory():
    bomb = gzip_bomb(1024 * MiB)
    tracemalloc.start()
    try:
        with pytest.raises(ApiError) as refused:
            read_body(bomb, "gzip", max_bytes=MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.status_code == 413
    assert peak < 8 * MiB


def test_body_read__brotli_bomb_is_refused_without_exhausting_memory():
    compressor = brotli.Compressor(quality=1)
    block = bytes(MiB)
    bomb = b"".join(compressor.process(block) for _ in range(256)) + compressor.finish()
    tracemalloc.start()
    try:
        with pytest.raises(ApiError) as refused:
            read_body(bomb, "br", max_bytes=MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.status_code == 413
    assert peak < 8 * MiB


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_body_read__truncated_compressed_body_is_400(encoding):
    whole = compress(b"x" * 10000 + bytes(range(256)) * 40, encoding)
    with pytest.raises(ApiError) as refused:
        read_body(whole[: len(whole) // 2], encoding)
    assert refused.value.status_code == 400
    assert "truncated or corrupt" in refused.value.message


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_body_read__garbage_in_a_declared_encoding_is_400(encoding):
    with pytest.raises(ApiError) as refused:
        read_body(b"this is not compressed at all", encoding)
    assert refused.value.status_code == 400


def test_body_read__unknown_encoding_is_415():
    with pytest.raises(ApiError) as refused:
        read_body(b"abc", "zstd")
    assert refused.value.status_code == 415
    assert "zstd" in refused.value.message


# --- envelopes ---------------------------------------------------------------------------------


def test_envelope_parse__reads_what_the_python_sdk_sends():
    [body] = captured_envelopes(capture_chained_error)
    envelope = envelope_parse(body)
    assert len(envelope.headers["event_id"]) == 32
    [item] = envelope.items
    assert item.type == "event"
    assert item.json()["event_id"] == envelope.headers["event_id"]


def test_envelope_parse__items_with_and_without_length_and_a_trailing_newline():
    body = (
        b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n'
        b'{"type":"attachment","length":10,"filename":"a.txt"}\n'
        b"\xef\xbb\xbfHello\r\n\n"
        b'{"type":"event"}\n'
        b'{"message":"hi"}\n'
    )
    envelope = envelope_parse(body)
    assert [item.type for item in envelope.items] == ["attachment", "event"]
    assert envelope.items[0].payload == b"\xef\xbb\xbfHello\r\n"
    assert envelope.items[1].json() == {"message": "hi"}


def test_envelope_parse__length_may_contain_newlines_and_end_the_body():
    body = b'{}\n{"type":"attachment","length":4}\na\nb\n'
    [item] = envelope_parse(body).items
    assert item.payload == b"a\nb\n"


def test_envelope_parse__header_only_envelope_has_no_items():
    assert envelope_parse(b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n').items == []


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (b"", "The envelope is empty."),
        (b"not json\n", "The envelope header is not valid JSON."),
        (b"[1,2]\n", "The envelope header must be a JSON object."),
        (b'{}\n{"type":"event","length":100}\n{"message":"hi"}', "it is truncated"),
        (b'{}\n{"type":"event","length":3}\n{"message":"hi"}\n', "its length is wrong"),
        (b'{}\n{"type":"event","length":-1}\n{}', "not a non-negative integer"),
        (b'{}\n{"type":"event","length":"12"}\n{}', "not a non-negative integer"),
        (b'{}\n{"length":2}\n{}\n', "Item 0 has no type"),
        (b"{}\n{broken\n{}\n", "The header of item 0 is not valid JSON."),
    ],
)
def test_envelope_parse__malformed_envelope_is_400_with_a_clear_sentence(body, sentence):
    with pytest.raises(ApiError) as refused:
        envelope_parse(body)
    assert refused.value.status_code == 400
    assert sentence in refused.value.message


def test_envelope_item_json__bad_json_payload_is_400_naming_the_item():
    [item] = envelope_parse(b'{}\n{"type":"event"}\n{"message":\n').items
    with pytest.raises(ApiError) as refused:
        item.json()
    assert refused.value.message == "Item 0 (event) is not valid JSON."


# --- authentication ----------------------------------------------------------------------------


def test_auth_header_parse__reads_the_sdk_header():
    header = "Sentry sentry_key=abc, sentry_version=7, sentry_client=sentry.python/2.0.0"
    assert auth_header_parse(header) == {
        "sentry_key": "abc",
        "sentry_version": "7",
        "sentry_client": "sentry.python/2.0.0",
    }


def test_dsn_parse__returns_key_and_project_with_or_without_a_path_prefix():
    assert dsn_parse(f"https://{PUBLIC_KEY}@errors.example.com/7") == (PUBLIC_KEY, "7")
    assert dsn_parse(f"http://{PUBLIC_KEY}@host:9000/sentry/7") == (PUBLIC_KEY, "7")
    assert dsn_parse("http://host/7") is None
    assert dsn_parse(12) is None


def test_public_key_find__prefers_header_then_query_then_envelope_dsn():
    header = "Sentry sentry_key=fromheader, sentry_version=7"
    dsn = "http://fromdsn@host/1"
    assert public_key_find(auth_header=header, query_key="q", envelope_dsn=dsn) == "fromheader"
    assert public_key_find(auth_header="", query_key="q", envelope_dsn=dsn) == "q"
    assert public_key_find(auth_header="", query_key="", envelope_dsn=dsn) == "fromdsn"
    assert public_key_find(auth_header="", query_key="", envelope_dsn="") == ""


# --- mapping -----------------------------------------------------------------------------------


def sdk_event(action, **options) -> dict:
    [body] = captured_envelopes(action, **options)
    [item] = envelope_parse(body).items
    return item.json()


def test_event_to_error_report__python_exception_with_release_user_and_tags():
    def action():
        import sentry_sdk

        sentry_sdk.set_user({"id": "user-42", "email": "ada@example.com"})
        sentry_sdk.set_tag("feature", "checkout")
        capture_chained_error()

    report = event_to_error_report(
        sdk_event(action, release="shop@2.1.0", environment="staging"), client_key_name="shop"
    )
    assert report.error_type == "ValueError"
    assert report.message.startswith("payment failed for card")
    assert report.severity == "error"
    assert report.build_id == "shop@2.1.0"
    assert report.environment == "staging"
    assert report.user_id == "user-42"
    assert report.metadata["tags"] == {"feature": "checkout"}
    assert report.metadata["sentry"]["sdk"] == "sentry.python"
    assert report.metadata["sentry"]["clientKey"] == "shop"
    stack = report.stack
    assert stack.index("ZeroDivisionError: division by zero") < stack.index("ValueError:")
    assert ", in divide" in stack
    assert "Traceback (most recent call last):" in stack
    assert report.fingerprint == ""


def test_event_to_error_report__message_event():
    def action():
        import sentry_sdk

        sentry_sdk.capture_message("Disk almost full", level="warning")

    report = event_to_error_report(sdk_event(action))
    assert report.error_type == "Message"
    assert report.message == "Disk almost full"
    assert report.severity == "warning"
    assert report.stack == ""


def test_event_to_error_report__user_without_id_is_a_keyed_hash_of_the_email():
    report = event_to_error_report({"message": "x", "user": {"email": "ada@example.com"}})
    assert report.user_id.startswith("hash:")
    assert "ada" not in report.user_id


def test_event_to_error_report__browser_event_frames_newest_first_with_page_and_agent():
    event = {
        "platform": "javascript",
        "level": "fatal",
        "exception": {
            "values": [
                {
                    "type": "TypeError",
                    "value": "x is undefined",
                    "stacktrace": {
                        "frames": [
                            {"filename": "https://app.example/main.js", "lineno": 1, "colno": 9},
                            {
                                "filename": "https://app.example/cart.js",
                                "function": "addItem",
                                "lineno": 12,
                                "colno": 5,
                            },
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": "https://app.example/cart/12345?token=abc",
            "headers": {"User-Agent": "Mozilla/5.0 Test"},
        },
        "tags": [["plan", "pro"]],
        "sdk": {"name": "sentry.javascript.browser", "version": "9.0.0"},
    }
    report = event_to_error_report(event)
    assert report.severity == "critical"
    assert report.stack == (
        "TypeError: x is undefined\n"
        "    at addItem (https://app.example/cart.js:12:5)\n"
        "    at https://app.example/main.js:1:9"
    )
    assert report.page == "https://app.example/cart/12345?token=abc"
    assert report.user_agent == "Mozilla/5.0 Test"
    assert report.metadata["tags"] == {"plan": "pro"}


@pytest.mark.parametrize(
    ("fingerprint", "expected"),
    [
        (["{{ default }}"], None),
        (["checkout-timeout"], "checkout-timeout"),
        (["{{ default }}", "eu-west"], "TimeoutError|eu-west"),
        ("not-a-list", None),
    ],
)
def test_event_to_error_report__client_fingerprint(fingerprint, expected):
    report = event_to_error_report(
        {"exception": {"values": [{"type": "TimeoutError"}]}, "fingerprint": fingerprint}
    )
    assert (report.fingerprint or None) == expected


@pytest.mark.parametrize("event", [{}, {"exception": "nonsense", "user": 5, "request": []}])
def test_event_to_error_report__odd_events_still_give_a_type_and_message(event):
    report = event_to_error_report(event)
    assert report.error_type == "Error"
    assert report.message == "Error"
    json.dumps(dataclasses.asdict(report))


def test_event_id_normalise__keeps_valid_ids_and_replaces_others():
    assert event_id_normalise("9EC79C33-EC99-42AB-8353-589FCB2E04DC") == (
        "9ec79c33ec9942ab8353589fcb2e04dc"
    )
    assert len(event_id_normalise("nope")) == 32
    assert event_id_normalise(None) != event_id_normalise(None)
