"""The real sentry-sdk, pointed at the live test server, lands errors and feedback in triage."""

import io
import uuid

import pytest
import sentry_sdk
from PIL import Image
from sentry_sdk.envelope import Envelope, Item, PayloadRef

from errors.digest import error_digest
from errors.models import ClientKey, ErrorLog, ErrorOccurrence
from errors.sentry.selectors import client_key_dsn
from feedback.models import FeedbackSubmission
from projects.models import Project
from tests.errors.sentry_support import capture_chained_error, sentry_client


@pytest.fixture
def dsn(live_server, transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client_key = ClientKey.objects.create(name="checkout")
    return client_key_dsn(client_key=client_key, base_url=live_server.url)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_sdk__exception_with_release_environment_user_and_tags(dsn):
    with sentry_client(dsn, release="checkout@4.2.0", environment="production") as client:
        sentry_sdk.set_user({"id": "customer-17", "email": "ada@example.com"})
        sentry_sdk.set_tag("payment_provider", "acme")
        capture_chained_error()
        client.flush(timeout=10)
    error_digest()
    error = ErrorLog.objects.get()
    assert error.error_type == "ValueError"
    assert "4111" not in error.message
    assert (error.build_id, error.environment, error.user_id) == (
        "checkout@4.2.0",
        "production",
        "customer-17",
    )
    assert error.users_affected == 1
    assert "ZeroDivisionError: division by zero" in error.stack
    occurrence = ErrorOccurrence.objects.get()
    assert occurrence.metadata["tags"] == {"payment_provider": "acme"}
    assert occurrence.metadata["sentry"]["sdk"] == "sentry.python"


def test_sdk__same_exception_twice_is_one_group_with_frequency_two(dsn):
    with sentry_client(dsn) as client:
        capture_chained_error()
        capture_chained_error()
        client.flush(timeout=10)
    error_digest()
    assert ErrorLog.objects.get().frequency == 2


def test_sdk__message_with_level(dsn):
    with sentry_client(dsn) as client:
        sentry_sdk.capture_message("Nightly export took 3 hours", level="warning")
        client.flush(timeout=10)
    error = ErrorLog.objects.get()
    assert (error.error_type, error.message, error.severity) == (
        "Message",
        "Nightly export took 3 hours",
        "warning",
    )


def test_sdk__fingerprint_groups_different_messages_together(dsn):
    with sentry_client(dsn) as client:
        for customer in ("alpha", "beta"):
            with sentry_sdk.new_scope() as scope:
                scope.fingerprint = ["export-timeout"]
                sentry_sdk.capture_message(f"Export timed out for {customer}")
        client.flush(timeout=10)
    error_digest()
    assert ErrorLog.objects.get().frequency == 2


def test_sdk__user_report_links_feedback_to_the_event_error(dsn):
    with sentry_client(dsn) as client:
        capture_chained_error()
        event_id = sentry_sdk.last_event_id()
        report = {
            "event_id": event_id,
            "name": "Ada",
            "email": "ada@example.com",
            "comments": "The pay button did nothing.",
        }
        client.transport.capture_envelope(
            Envelope(
                headers={"event_id": event_id},
                items=[Item(PayloadRef(json=report), type="user_report")],
            )
        )
        client.flush(timeout=10)
    error = ErrorLog.objects.get(error_type="ValueError")
    feedback = FeedbackSubmission.objects.get()
    assert feedback.message == "The pay button did nothing."
    assert feedback.error == error
    assert ErrorLog.objects.count() == 1


def test_sdk__feedback_item_with_screenshot_attachment(dsn):
    feedback_id = uuid.uuid4().hex
    feedback_event = {
        "type": "feedback",
        "event_id": feedback_id,
        "contexts": {
            "feedback": {
                "message": "Totals look wrong",
                "contact_email": "bob@example.com",
                "url": "https://shop.example/cart/12345?coupon=x",
                "source": "widget",
            }
        },
    }
    with sentry_client(dsn) as client:
        client.transport.capture_envelope(
            Envelope(
                headers={"event_id": feedback_id},
                items=[
                    Item(PayloadRef(json=feedback_event), type="feedback"),
                    Item(
                        png_bytes(),
                        type="attachment",
                        filename="screenshot.png",
                        content_type="application/octet-stream",
                    ),
                ],
            )
        )
        client.flush(timeout=10)
    feedback = FeedbackSubmission.objects.get()
    assert feedback.message == "Totals look wrong"
    assert feedback.page == "https://shop.example/cart/[id]"
    assert feedback.screenshot.name.endswith(".png")
    assert feedback.error.error_type == "UserReport"


def test_sdk__the_same_error_from_two_projects_dsns_is_one_group_in_each(dsn, live_server):
    backoffice = Project.objects.create(slug="backoffice", name="Back office")
    other_dsn = client_key_dsn(
        client_key=ClientKey.objects.create(project=backoffice, name="admin"),
        base_url=live_server.url,
    )
    for each in (dsn, other_dsn, dsn):
        with sentry_client(each) as client:
            capture_chained_error()
            client.flush(timeout=10)
    error_digest()
    groups = {error.project.slug: error for error in ErrorLog.objects.select_related("project")}
    assert set(groups) == {"default", "backoffice"}
    assert (groups["default"].frequency, groups["backoffice"].frequency) == (2, 1)
    assert groups["default"].fingerprint == groups["backoffice"].fingerprint
