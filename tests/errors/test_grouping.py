"""Grouping rules: which reports become one error group (README "Error tracking")."""

import pytest

from errors.digest import error_digest
from errors.grouping import error_fingerprint, message_normalise, top_frames
from errors.models import ErrorLog
from tests.errors.conftest import report

CHROME_STACK = """TypeError: Cannot read properties of undefined (reading 'id')
    at ProfilePage (https://app.example.com/_next/static/chunks/main.3f2a1b9c.js:12:3456)
    at renderWithHooks (https://app.example.com/_next/static/chunks/framework-8d1e2f7a.js:1:9)
    at mountIndeterminateComponent (webpack://app/node_modules/react-dom.js:20:5)"""


@pytest.mark.parametrize(
    ("message", "normalised"),
    [
        ("Order 12345 not found", "Order <n> not found"),
        ("Timeout after 3.5 s", "Timeout after <n> s"),
        ("User 5f3c2a9e-1b2c-4d5e-8f90-123456789abc missing", "User <uuid> missing"),
        ("Bad pointer 0x7ffee4b2 in worker", "Bad pointer <hex> in worker"),
        ("Commit deadbeef42 rejected", "Commit <hex> rejected"),
        ("No account for ann@example.com", "No account for <email>"),
        ("Unknown plan 'Gold Plus 2'", "Unknown plan <value>"),
        ('Unexpected token "<!DOCTYPE"', "Unexpected token <value>"),
        (
            "GET https://api.example.com/v2/users/981/orders?page=3 failed",
            "GET https://api.example.com/v2/users/[id]/orders failed",
        ),
        # A quoted identifier names code, not data: reading 'id' and reading 'name' differ.
        (
            "Cannot read properties of undefined (reading 'id')",
            "Cannot read properties of undefined (reading 'id')",
        ),
        ("  many   spaces\nand lines ", "many spaces and lines"),
    ],
)
def test_message_normalise__replaces_variable_parts(message, normalised):
    assert message_normalise(message) == normalised


def test_top_frames__drop_line_numbers_origins_and_build_hashes():
    assert top_frames(CHROME_STACK) == [
        "at ProfilePage (/_next/static/chunks/main.js)",
        "at renderWithHooks (/_next/static/chunks/framework.js)",
        "at mountIndeterminateComponent (/node_modules/react-dom.js)",
    ]


def test_top_frames__firefox_and_python_formats_and_limit():
    firefox = "\n".join(f"fn{i}@https://a.io/app.min.js?v=12:{i}:{i * 7}" for i in range(9))
    assert top_frames(firefox) == [f"fn{i}@/app.min.js" for i in range(5)]
    python = 'Traceback (most recent call last):\n  File "/srv/app/views.py", line 42, in show'
    assert top_frames(python) == ['File "/srv/app/views.py", in show']


def test_fingerprint__same_error_in_another_build_and_with_other_ids_is_one_group():
    first = error_fingerprint(
        error_type="TypeError", message="Order 17 of user 8 failed", stack=CHROME_STACK
    )
    rebuilt = CHROME_STACK.replace("3f2a1b9c", "a91b0c77").replace(":12:3456", ":14:88")
    second = error_fingerprint(
        error_type="TypeError", message="Order 99 of user 3 failed", stack=rebuilt
    )
    assert first == second
    assert len(first) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"error_type": "RangeError"},
        {"message": "Order 17 was cancelled"},
        {"stack": CHROME_STACK.replace("ProfilePage", "SettingsPage")},
    ],
)
def test_fingerprint__a_different_type_message_or_frame_is_another_group(change):
    base = {"error_type": "TypeError", "message": "Order 17 failed", "stack": CHROME_STACK}
    assert error_fingerprint(**base) != error_fingerprint(**{**base, **change})


def test_fingerprint__client_fingerprint_overrides_the_rules():
    one = error_fingerprint(error_type="A", message="x", client_fingerprint="checkout-timeout")
    two = error_fingerprint(error_type="B", message="y", client_fingerprint="checkout-timeout")
    assert one == two
    assert one != error_fingerprint(error_type="A", message="x")


@pytest.mark.django_db
def test_report_api__ids_in_message_and_build_hash_in_stack_group_together(api_client):
    first = report(
        api_client,
        {"errorType": "TypeError", "message": "Order 17 failed", "stack": CHROME_STACK},
    )
    second = report(
        api_client,
        {
            "errorType": "TypeError",
            "message": "Order 4242 failed",
            "stack": CHROME_STACK.replace("3f2a1b9c", "0b1c2d3e4f"),
        },
    )
    other_type = report(
        api_client,
        {"errorType": "RangeError", "message": "Order 17 failed", "stack": CHROME_STACK},
    )
    assert (first.status_code, second.status_code, other_type.status_code) == (201, 200, 201)
    assert first.json()["errorId"] == second.json()["errorId"] != other_type.json()["errorId"]
    assert ErrorLog.objects.count() == 2
    error_digest()
    grouped = ErrorLog.objects.get(pk=first.json()["errorId"])
    assert grouped.frequency == 2
    assert grouped.occurrences.count() == 2
