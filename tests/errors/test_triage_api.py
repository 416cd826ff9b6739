"""GET /api/errors, GET and PATCH /api/errors/<id>: filters, sorts, access, detail, workflow."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from errors.digest import error_digest
from errors.models import ErrorLog
from tests.errors.conftest import report
from tests.errors.factories import ErrorLogFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    now = timezone.now()
    return {
        "old_frequent": ErrorLogFactory(
            severity="critical",
            frequency=50,
            first_seen=now - timedelta(days=5),
            last_seen=now - timedelta(days=2),
            environment="production",
        ),
        "recent": ErrorLogFactory(
            severity="warning",
            frequency=3,
            first_seen=now - timedelta(days=1),
            last_seen=now,
            environment="staging",
        ),
        "newest_resolved": ErrorLogFactory(
            severity="error",
            frequency=10,
            first_seen=now - timedelta(hours=1),
            last_seen=now - timedelta(hours=1),
            status="resolved",
            resolved=True,
            environment="production",
        ),
    }


def ids(response, groups):
    names = {str(error.pk): name for name, error in groups.items()}
    return [names[row["id"]] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["old_frequent", "newest_resolved", "recent"]),
        ("?sortBy=frequency", ["old_frequent", "newest_resolved", "recent"]),
        ("?sortBy=lastSeen", ["recent", "newest_resolved", "old_frequent"]),
        ("?sortBy=createdAt", ["newest_resolved", "recent", "old_frequent"]),
        ("?severity=critical", ["old_frequent"]),
        ("?severity=warning", ["recent"]),
        ("?resolved=true", ["newest_resolved"]),
        ("?resolved=false", ["old_frequent", "recent"]),
        ("?status=resolved", ["newest_resolved"]),
        ("?status=new", ["old_frequent", "recent"]),
        ("?environment=production&sortBy=lastSeen", ["newest_resolved", "old_frequent"]),
        ("?limit=2", ["old_frequent", "newest_resolved"]),
    ],
)
def test_error_list__filters_and_sorts(staff_client, groups, query, expected):
    response = staff_client.get(f"/api/errors{query}")
    assert response.status_code == 200
    assert ids(response, groups) == expected
    total = 3 if "limit" in query else len(expected)
    assert response.json()["count"] == total


def test_error_list__rows_are_camel_case(staff_client, groups):
    row = staff_client.get("/api/errors?severity=critical").json()["results"][0]
    assert row["errorType"] == "TypeError"
    assert row["frequency"] == 50
    assert {"firstSeen", "lastSeen", "usersAffected", "buildId", "resolved", "status"} <= set(row)


def test_error_list_and_detail__keys_keep_their_documented_order(api_client, staff_client):
    report(api_client, {"errorType": "E", "message": "failed", "page": "/p"})
    row = staff_client.get("/api/errors").json()["results"][0]
    assert list(row)[:12] == [
        "id",
        "fingerprint",
        "errorType",
        "message",
        "stack",
        "page",
        "userAgent",
        "userId",
        "sessionId",
        "buildId",
        "environment",
        "severity",
    ]
    detail = staff_client.get(f"/api/errors/{row['id']}").json()
    assert list(detail)[:12] == list(row)[:12]
    assert list(detail["occurrences"][0]) == [
        "message",
        "severity",
        "page",
        "userAgent",
        "userId",
        "sessionId",
        "buildId",
        "environment",
        "metadata",
        "createdAt",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=201", "limit"),
        ("?limit=0", "limit"),
        ("?limit=many", "limit"),
        ("?severity=fatal", "severity"),
        ("?resolved=maybe", "resolved"),
        ("?status=closed", "status"),
        ("?sortBy=severity", "sortBy"),
    ],
)
def test_error_list__bad_parameters_get_400(staff_client, query, field):
    response = staff_client.get(f"/api/errors{query}")
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"The request is not valid: {field}")


def test_error_list__limit_is_capped_at_200(staff_client):
    ErrorLogFactory.create_batch(205)
    response = staff_client.get("/api/errors?limit=200")
    assert (len(response.json()["results"]), response.json()["count"]) == (200, 205)


@pytest.mark.parametrize("method", ["get_list", "get_detail", "patch"])
def test_access__anonymous_401_non_staff_403_token_and_session_staff_200(method, groups):
    error = groups["recent"]

    def call(client):
        if method == "get_list":
            return client.get("/api/errors")
        if method == "get_detail":
            return client.get(f"/api/errors/{error.pk}")
        return client.patch(f"/api/errors/{error.pk}", {"status": "acknowledged"}, format="json")

    anonymous = call(APIClient())
    assert anonymous.status_code == 401
    assert anonymous.json()["success"] is False

    non_staff = APIClient()
    non_staff.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory())}")
    assert call(non_staff).status_code == 403

    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert call(bad_token).status_code == 401

    # Staff who are not superusers read the projects they are members of.
    staff = UserFactory(is_staff=True)
    error.project.members.add(staff)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff)}")
    assert call(token_client).status_code == 200

    session_client = APIClient()
    session_client.force_login(staff)
    assert call(session_client).status_code == 200


def test_error_detail__shows_latest_occurrences_with_their_context_and_the_trend(
    api_client, staff_client
):
    for index in range(23):
        report(
            api_client,
            {
                "errorType": "E",
                "message": f"failed {index}",
                "page": f"/p{index % 2}",
                "userId": f"u{index}",
                "sessionId": f"s{index}",
                "buildId": "b1",
                "metadata": {"index": index},
            },
            HTTP_USER_AGENT="Agent/1",
        )
    error_digest()
    error = ErrorLog.objects.get()
    data = staff_client.get(f"/api/errors/{error.pk}").json()
    assert data["frequency"] == 23
    assert data["usersAffected"] == 23
    assert len(data["occurrences"]) == 20
    latest = data["occurrences"][0]
    assert latest["message"] == "failed 22"
    assert (latest["page"], latest["userId"], latest["sessionId"]) == ("/p0", "u22", "s22")
    assert (latest["buildId"], latest["userAgent"], latest["metadata"]) == (
        "b1",
        "Agent/1",
        {"index": 22},
    )
    assert "createdAt" in latest
    assert len(data["hourly"]) == 48
    assert data["hourly"][-1]["count"] == 23
    assert sum(point["count"] for point in data["hourly"]) == 23


def test_error_detail__unknown_id_is_404_in_the_error_shape(staff_client):
    response = staff_client.get("/api/errors/999999")
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": "There is no error with id 999999.",
        "details": {},
    }


def test_error_update__workflow_new_acknowledged_resolved_reopened_ignored(staff_client, groups):
    url = f"/api/errors/{groups['recent'].pk}"
    steps = [
        ({"status": "acknowledged"}, ("acknowledged", False)),
        ({"status": "resolved"}, ("resolved", True)),
        ({"resolved": False}, ("acknowledged", False)),
        ({"resolved": True}, ("resolved", True)),
        ({"status": "ignored"}, ("ignored", False)),
    ]
    for body, (status, resolved) in steps:
        data = staff_client.patch(url, body, format="json").json()
        assert (data["status"], data["resolved"]) == (status, resolved), body
        error = ErrorLog.objects.get(pk=groups["recent"].pk)
        assert (error.status, error.resolved) == (status, resolved)


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({}, "Send a status or resolved"),
        ({"status": "regressed"}, "status"),
        ({"status": "new"}, "status"),
        ({"status": "acknowledged", "resolved": True}, "contradicts"),
        ({"resolved": "perhaps"}, "resolved"),
    ],
)
def test_error_update__bad_bodies_get_400(staff_client, groups, body, sentence):
    response = staff_client.patch(f"/api/errors/{groups['recent'].pk}", body, format="json")
    assert response.status_code == 400
    assert sentence in response.json()["error"]
    assert ErrorLog.objects.get(pk=groups["recent"].pk).status == "new"


def test_error_update__resolving_records_who_when_and_the_latest_build(
    api_client, staff_client, staff_user
):
    report(api_client, {"errorType": "E", "message": "m", "buildId": "build-7"})
    error = ErrorLog.objects.get()
    data = staff_client.patch(f"/api/errors/{error.pk}", {"status": "resolved"}, format="json")
    assert data.json()["resolvedInBuild"] == "build-7"
    error.refresh_from_db()
    assert error.resolved_by == staff_user
    assert error.resolved_at is not None
