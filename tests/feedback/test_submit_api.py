"""POST /api/feedback: JSON and multipart, screenshots checked by content, every refusal."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from errors.models import ErrorLog
from feedback.models import FeedbackSubmission
from tests.feedback.conftest import data_url, image_bytes, same_picture, stored_files

URL = "/api/feedback"

pytestmark = pytest.mark.django_db


def post_json(client, body, **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def upload(content: bytes, name="shot.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_submit__json_bug_report_creates_feedback_and_a_linked_user_report_error(api_client):
    response = post_json(
        api_client,
        {
            "message": "The save button does nothing",
            "page": "https://app.example.com/projects/12345/settings?token=abc",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0",
            "email": "ann@example.com",
            "userId": "user_1",
            "sessionId": "s-1",
            "metadata": {"viewport": "1280x800", "apiKey": "k-123"},
        },
    )

    assert response.status_code == 201
    body = response.json()
    feedback = FeedbackSubmission.objects.get()
    error = ErrorLog.objects.get()
    assert body == {"success": True, "feedbackId": str(feedback.pk), "errorId": str(error.pk)}
    assert feedback.error == error
    assert list(error.feedback.all()) == [feedback]
    assert (feedback.category, feedback.status) == ("bug", "new")
    assert error.error_type == "UserReport"
    assert error.message == "The save button does nothing"
    assert error.metadata["feedbackId"] == str(feedback.pk)
    assert feedback.page == "https://app.example.com/projects/[id]/settings"
    assert feedback.metadata == {"viewport": "1280x800", "apiKey": "[Filtered]"}
    assert feedback.email == "ann@example.com"


@pytest.mark.parametrize("category", ["feature", "other"])
def test_submit__non_bug_feedback_creates_no_error(api_client, category):
    response = post_json(api_client, {"message": "Dark mode, please", "category": category})

    assert response.status_code == 201
    assert response.json()["errorId"] is None
    assert FeedbackSubmission.objects.get().category == category
    assert not ErrorLog.objects.exists()


def test_submit__two_identical_bug_reports_are_two_triage_entries(api_client):
    post_json(api_client, {"message": "Broken"})
    post_json(api_client, {"message": "Broken"})

    assert ErrorLog.objects.count() == 2
    assert FeedbackSubmission.objects.filter(error__isnull=False).count() == 2


def test_submit__secrets_and_emails_in_the_message_are_scrubbed(api_client):
    post_json(api_client, {"message": "Login fails for bob@example.com with password=hunter2 here"})

    message = FeedbackSubmission.objects.get().message
    assert "bob@example.com" not in message and "hunter2" not in message
    assert ErrorLog.objects.get().message == message


def test_submit__user_agent_defaults_to_the_request_header(api_client):
    post_json(api_client, {"message": "x"}, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")

    assert FeedbackSubmission.objects.get().user_agent == "Mozilla/5.0 (iPhone) Mobile"


@pytest.mark.parametrize(
    ("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")]
)
def test_submit__multipart_screenshot_is_stored_under_a_random_name(
    api_client, media_root, image_format, extension
):
    content = image_bytes(image_format)
    response = api_client.post(
        URL,
        {
            "message": "Layout broken",
            "metadata": json.dumps({"viewport": "390x844"}),
            # The client's name and type are ignored: only the decoded content counts.
            "screenshot": upload(content, name="../../etc/passwd.gif", content_type="text/html"),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    feedback = FeedbackSubmission.objects.get()
    assert feedback.metadata == {"viewport": "390x844"}
    name = feedback.screenshot.name
    assert name.startswith("feedback/") and name.endswith(f".{extension}")
    # Letters only, so no digit run in it is ever masked as a card number in the error metadata.
    assert re.fullmatch(r"feedback/\d{4}/\d{2}/[a-p]{32}\." + extension, name)
    assert "passwd" not in name
    assert stored_files(media_root) == [name]
    # Stored re-encoded from its pixels: same picture, not the same bytes.
    with Image.open(feedback.screenshot) as stored:
        assert (stored.format, stored.size) == (image_format, (40, 30))
    assert feedback.error.metadata["screenshot"] == name


def test_submit__data_url_screenshot_in_json_is_stored(api_client, media_root):
    content = image_bytes("PNG")
    response = post_json(api_client, {"message": "See picture", "screenshot": data_url(content)})

    assert response.status_code == 201
    feedback = FeedbackSubmission.objects.get()
    assert feedback.screenshot.name.endswith(".png")
    assert same_picture(feedback.screenshot.read(), content)


def test_submit__empty_screenshot_form_part_means_no_screenshot(api_client, media_root):
    response = api_client.post(URL, {"message": "No picture", "screenshot": ""}, format="multipart")

    assert response.status_code == 201
    assert not FeedbackSubmission.objects.get().screenshot
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("body", "status", "sentence"),
    [
        ({}, 400, "message"),
        ({"message": "   "}, 400, "message"),
        ({"message": "x", "category": "complaint"}, 400, "category"),
        ({"message": "x", "email": "not-an-address"}, 400, "email"),
        ({"message": "x", "metadata": ["not", "an", "object"]}, 400, "metadata"),
        ({"message": "x", "screenshot": "https://example.com/shot.png"}, 400, "data: URL"),
        ({"message": "x", "screenshot": "data:image/png;base64,@@@"}, 400, "base64"),
        ({"message": "x", "screenshot": data_url(b"GIF89a not really")}, 400, "PNG, JPEG or WebP"),
        (
            {"message": "x", "screenshot": data_url(image_bytes("GIF"), "image/png")},
            400,
            "PNG, JPEG or WebP",
        ),
        (
            {"message": "x", "screenshot": data_url(image_bytes("PNG")[:60])},
            400,
            "PNG, JPEG or WebP",
        ),
        ({"message": "x", "screenshot": 12}, 400, "PNG, JPEG or WebP"),
    ],
)
def test_submit__bad_json_input_is_refused_with_a_sentence_and_nothing_is_stored(
    api_client, media_root, body, status, sentence
):
    response = post_json(api_client, body)

    assert response.status_code == status
    answer = response.json()
    assert answer["success"] is False
    assert sentence in answer["error"]
    assert not FeedbackSubmission.objects.exists()
    assert not ErrorLog.objects.exists()
    assert stored_files(media_root) == []


def test_submit__a_non_image_file_part_is_refused_with_400(api_client, media_root):
    response = api_client.post(
        URL,
        {"message": "x", "screenshot": upload(b"<html>hello</html>", name="shot.png")},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "The screenshot is not a PNG, JPEG or WebP image."
    assert not FeedbackSubmission.objects.exists()
    assert stored_files(media_root) == []


def test_submit__screenshot_over_5_mb_is_refused_with_413(api_client, media_root, settings):
    settings.FEEDBACK = {**settings.FEEDBACK, "MAX_SCREENSHOT_BYTES": 50_000}
    big = image_bytes("PNG", size=(200, 200), noise=True)
    assert len(big) > 50_000

    as_file = api_client.post(URL, {"message": "x", "screenshot": upload(big)}, format="multipart")
    as_data_url = post_json(api_client, {"message": "x", "screenshot": data_url(big)})

    for response in (as_file, as_data_url):
        assert response.status_code == 413
        assert "larger than" in response.json()["error"]
    assert not FeedbackSubmission.objects.exists()
    assert stored_files(media_root) == []


def test_submit__real_5_mb_limit_refuses_a_file_just_over_it(api_client, media_root):
    # A PNG header followed by padding: refused on size before any decoding.
    content = image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)
    response = api_client.post(
        URL, {"message": "x", "screenshot": upload(content)}, format="multipart"
    )

    assert response.status_code == 413
    assert response.json()["details"]["maxBytes"] == 5 * 1024 * 1024
    assert stored_files(media_root) == []


def test_submit__screenshot_over_8000_px_a_side_is_refused(api_client, media_root):
    response = post_json(
        api_client, {"message": "x", "screenshot": data_url(image_bytes("PNG", size=(8001, 10)))}
    )

    assert response.status_code == 400
    assert "8000" in response.json()["error"]
    assert not FeedbackSubmission.objects.exists()


def test_submit__body_declared_over_the_cap_is_refused_with_413(api_client):
    response = post_json(api_client, {"message": "x"}, CONTENT_LENGTH=str(9 * 1024 * 1024))

    assert response.status_code == 413
    assert not FeedbackSubmission.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
def test_submit__a_body_that_is_not_a_json_object_is_refused_with_400(api_client, raw):
    response = api_client.post(URL, data=raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert not FeedbackSubmission.objects.exists()


def test_submit__past_the_rate_limit_answers_429_with_retry_after(
    api_client, settings, one_rate_window
):
    settings.FEEDBACK = {**settings.FEEDBACK, "RATE_LIMIT_REQUESTS": 2}
    statuses = [post_json(api_client, {"message": "x"}).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    response = post_json(api_client, {"message": "x"})
    assert int(response["Retry-After"]) >= 1
    assert FeedbackSubmission.objects.count() == 2


def test_submit__a_database_failure_removes_the_stored_screenshot(
    api_client, media_root, monkeypatch
):
    import feedback.services

    def refuse(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(feedback.services, "_error_for_bug_report", lambda feedback: refuse())
    api_client.raise_request_exception = False
    response = post_json(api_client, {"message": "x", "screenshot": data_url(image_bytes())})

    assert response.status_code == 500
    assert stored_files(media_root) == []
    assert not FeedbackSubmission.objects.exists()


def test_submit__is_described_in_the_openapi_document(staff_client):
    schema = staff_client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/feedback"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"201", "400", "413", "429"} <= set(operation["responses"])
