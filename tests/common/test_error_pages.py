"""Every /api/ answer is JSON in the error shape, even for requests Django itself refuses."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import UnreadablePostError
from django.test import Client, RequestFactory

from common.middleware import UnreadableBodyMiddleware
from common.views import csrf_failure, permission_denied

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status_code):
    assert response.status_code == status_code
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is False
    assert body["error"].endswith(".")
    assert isinstance(body["details"], dict)
    return body


def test_error_pages__too_many_form_fields_on_api_is_the_error_shape(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    form = {f"field{i}": "x" for i in range(30)} | {"message": "The button is broken"}

    response = Client().post("/api/feedback", data=form)

    body = assert_error_shape(response, 400)
    assert body["error"] == "The form has more than 20 fields."
    assert body["details"] == {"maxFields": 20}


def test_error_pages__too_many_file_parts_on_api_is_the_error_shape(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = {f"file{i}": SimpleUploadedFile(f"{i}.png", b"x") for i in range(5)}

    response = Client().post("/api/feedback", data={"message": "Broken", **files})

    body = assert_error_shape(response, 400)
    assert body["error"] == "The form has more than 3 file parts."


def test_error_pages__a_disallowed_host_on_api_is_the_error_shape():
    response = Client().get("/api/health", HTTP_HOST="evil.example")

    body = assert_error_shape(response, 400)
    assert "Host" in body["error"]
    assert "evil.example" not in response.content.decode()


def test_error_pages__an_unknown_api_path_is_the_error_shape():
    assert_error_shape(Client().get("/api/no-such-endpoint"), 404)
    assert_error_shape(Client().post("/api/no/such/endpoint/"), 404)


def test_error_pages__outside_api_django_pages_stay_html():
    bad_host = Client().get("/demo/", HTTP_HOST="evil.example")
    missing = Client().get("/no-such-page/")

    assert (bad_host.status_code, missing.status_code) == (400, 404)
    assert bad_host["Content-Type"].startswith("text/html")
    assert missing["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "json_expected"), [("/api/errors", True), ("/admin/login/", False)]
)
def test_error_pages__csrf_failure_and_permission_denied_answer_json_only_under_api(
    path, json_expected
):
    request = RequestFactory().post(path)

    for response in (csrf_failure(request, reason="no token"), permission_denied(request)):
        assert response.status_code == 403
        assert response["Content-Type"].startswith(
            "application/json" if json_expected else "text/html"
        )


@pytest.mark.parametrize(
    ("path", "content_type"), [("/api/feedback", "application/json"), ("/admin/login/", "text/")]
)
def test_unreadable_body__answers_408_in_the_shape_of_the_path(path, content_type):
    request = RequestFactory().post(path)

    response = UnreadableBodyMiddleware(lambda request: None).process_exception(
        request, UnreadablePostError("the client stopped sending")
    )

    assert response.status_code == 408
    assert response["Content-Type"].startswith(content_type)
    assert b"did not arrive in time" in response.content
