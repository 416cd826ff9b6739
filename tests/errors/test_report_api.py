"""POST /api/errors: the seed's example, severity, 4xx answers, privacy, query count."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from errors.digest import error_digest
from errors.models import ErrorLog, ErrorOccurrence
from tests.errors.conftest import SEED_EXAMPLE, URL, report

pytestmark = pytest.mark.django_db


def test_report__seed_example_is_201_then_200_duplicate(api_client):
    first = report(api_client, SEED_EXAMPLE)
    second = report(api_client, SEED_EXAMPLE)
    assert first.status_code == 201
    assert first.json() == {"success": True, "errorId": first.json()["errorId"], "duplicate": False}
    assert second.status_code == 200
    assert second.json() == {"success": True, "errorId": first.json()["errorId"], "duplicate": True}
    error_digest()
    error = ErrorLog.objects.get()
    assert (error.error_type, error.page, error.user_id, error.session_id) == (
        "TypeError",
        "/profile",
        "user_123",
        "session_abc",
    )
    assert (error.frequency, error.users_affected, error.status, error.resolved) == (
        2,
        1,
        "new",
        False,
    )
    assert error.last_seen >= error.first_seen
    assert error.metadata == {"componentStack": "at ProfilePage..."}


def test_report__severity_of_a_group_is_the_highest_seen(api_client):
    for severity in ("warning", "CRITICAL", "info", "error"):
        report(api_client, {"errorType": "E", "message": "m", "severity": severity})
    error_digest()
    error = ErrorLog.objects.get()
    assert error.severity == "critical"
    assert list(error.occurrences.order_by("id").values_list("severity", flat=True)) == [
        "warning",
        "critical",
        "info",
        "error",
    ]


def test_report__severity_defaults_to_error(api_client):
    report(api_client, {"errorType": "TestError", "message": "Test error message"})
    assert ErrorLog.objects.get().severity == "error"


def test_report__null_optional_fields_are_accepted(api_client):
    nulls = dict.fromkeys(
        ["stack", "page", "severity", "userId", "sessionId", "buildId", "metadata", "fingerprint"]
    )
    response = report(api_client, {"errorType": "E", "message": "m", **nulls})
    assert response.status_code == 201
    error = ErrorLog.objects.get()
    assert (error.severity, error.stack, error.metadata) == ("error", "", None)


def test_report__distinct_users_are_counted_once(api_client):
    for user in ("u1", "u2", "u1", "", "ann@example.com", "ANN@example.com"):
        report(api_client, {"errorType": "E", "message": "m", "userId": user})
    error_digest()
    assert ErrorLog.objects.get().users_affected == 3


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("{not json", "not valid JSON"),
        ("", "empty"),
        ('["a list"]', "JSON object"),
        ("{}", "errorType"),
        ('{"errorType": "E"}', "message"),
        ('{"errorType": "E", "message": "m", "severity": "fatal"}', "severity"),
        ('{"errorType": "E", "message": "m", "metadata": "text"}', "metadata"),
        (json.dumps({"errorType": "E", "message": "m", "sessionId": "s" * 129}), "sessionId"),
        (json.dumps({"errorType": "E" * 201, "message": "m"}), "errorType"),
        (
            json.dumps({"errorType": "E", "message": "m", "metadata": {"b": "x" * 9000}}),
            "metadata",
        ),
    ],
)
def test_report__bad_input_gets_400_with_a_sentence_and_stores_nothing(api_client, raw, sentence):
    response = api_client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert sentence in body["error"]
    assert ErrorLog.objects.count() == 0


def test_report__body_over_the_cap_gets_413(api_client):
    raw = json.dumps({"errorType": "E", "message": "m", "stack": "x" * 300_000})
    response = api_client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 413
    assert ErrorLog.objects.count() == 0


def test_report__text_plain_body_from_send_beacon_is_accepted(api_client):
    raw = json.dumps({"errorType": "E", "message": "m"})
    response = api_client.post(URL, data=raw, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 201


def test_report__rate_limit_answers_429_with_retry_after(api_client, settings, one_rate_window):
    settings.ERRORS = {**settings.ERRORS, "RATE_LIMIT_REQUESTS": 2}
    statuses = [report(api_client, {"errorType": "E", "message": "m"}).status_code for _ in "ab"]
    limited = report(api_client, {"errorType": "E", "message": "m"})
    assert statuses == [201, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    error_digest()
    assert ErrorLog.objects.get().frequency == 2
    assert (
        report(api_client, {"errorType": "E", "message": "m"}, REMOTE_ADDR="10.0.0.9").status_code
        == 200
    )


def test_report__a_logged_in_browser_needs_no_csrf_token(client, staff_user):
    client.force_login(staff_user)
    client.handler.enforce_csrf_checks = True
    response = report(client, {"errorType": "E", "message": "m"})
    assert response.status_code == 201


def test_report__secrets_and_personal_data_are_scrubbed_before_storage(api_client):
    body = {
        "errorType": "PaymentError",
        "message": "charge failed for ann@example.com with password=hunter2 "
        "card 4111 1111 1111 1111",
        "stack": "Error: token=sk_live_abc\n    at pay (https://a.io/app.js?token=t0k:1:2)",
        "page": "https://app.example.com/orders/12345?email=bob@example.org#access_token=abc",
        "userId": "ann@example.com",
        "metadata": {"Authorization": "Bearer sk_live_abc", "cart": {"apiKey": "k-1", "n": 2}},
    }
    assert report(api_client, body).status_code == 201
    error = ErrorLog.objects.get()
    occurrence = ErrorOccurrence.objects.get()
    stored = json.dumps(
        [
            {f.name: str(getattr(row, f.name)) for f in row._meta.fields}
            for row in (error, occurrence)
        ]
    )
    for secret in (
        "ann@example.com",
        "hunter2",
        "4111",
        "sk_live_abc",
        "12345",
        "bob@",
        "k-1",
        "t0k",
    ):
        assert secret not in stored, secret
    assert error.message == "charge failed for [email] with password=[Filtered] card [card]"
    assert error.page == "https://app.example.com/orders/[id]"
    assert error.user_id.startswith("hash:")
    assert error.metadata == {
        "Authorization": "[Filtered]",
        "cart": {"apiKey": "[Filtered]", "n": 2},
    }


def test_report__takes_the_request_user_agent_when_none_is_sent(api_client):
    report(api_client, {"errorType": "E", "message": "m"}, HTTP_USER_AGENT="Mozilla/5.0 Test")
    assert ErrorOccurrence.objects.get().user_agent == "Mozilla/5.0 Test"


def test_report__a_known_error_costs_a_constant_number_of_queries_none_on_its_group(api_client):
    report(api_client, {"errorType": "E", "message": "m", "userId": "u0"})
    counts = []
    for index in range(3):
        with CaptureQueriesContext(connection) as queries:
            report(api_client, {"errorType": "E", "message": "m", "userId": f"u{index + 1}"})
        counts.append(len(queries))
        # The group row is left to the digest: no report of a known error waits on its lock.
        assert not [q for q in queries if q["sql"].upper().startswith(("UPDATE", "SELECT"))]
    # The occurrence with its pending mark (one statement on PostgreSQL, two on SQLite), inside
    # the request's savepoint.
    assert counts[0] == counts[1] == counts[2] <= (3 if connection.vendor == "postgresql" else 4)
    error_digest()
    assert ErrorLog.objects.get().frequency == 4


def test_api_schema__describes_the_errors_endpoints(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    assert set(paths["/api/errors"]) >= {"get", "post"}
    assert set(paths["/api/errors/{error_id}"]) >= {"get", "patch"}
    assert "errorType" in json.dumps(response.json()["components"]["schemas"]["ErrorReport"])
