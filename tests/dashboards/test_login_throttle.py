"""The staff login: repeated wrong passwords lock one username from one client out for a while."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(username="ann", is_staff=True)


def log_in(client, password, username="ann", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_login__twelve_wrong_passwords_lock_the_account_out_with_a_clear_page(staff, settings):
    client = Client()

    answers = [log_in(client, f"wrong-{n}") for n in range(12)]

    limit = settings.AXES_FAILURE_LIMIT
    assert [answer.status_code for answer in answers[: limit - 1]] == [200] * (limit - 1)
    assert {answer.status_code for answer in answers[limit - 1 :]} == {429}
    page = answers[-1].content.decode()
    assert "Too many failed logins" in page
    assert f"after {limit} wrong passwords" in page
    assert "Try again in 15 minutes" in page
    assert "Telemetry &amp; Monitoring" in page, "the page is inside the admin's look"
    assert "script-src 'self'" in answers[-1]["Content-Security-Policy"]


def test_login__the_right_password_during_the_lockout_is_refused(staff, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong-{n}")

    answer = log_in(client, PASSWORD)

    assert answer.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_login__after_the_cooloff_the_right_password_works(staff, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong-{n}")
    assert log_in(client, PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    )

    assert logged_in(log_in(client, PASSWORD))
    assert client.get("/admin/").status_code == 200


def test_login__another_client_address_is_not_locked_out(staff, settings):
    attacker, colleague = Client(REMOTE_ADDR="203.0.113.5"), Client(REMOTE_ADDR="198.51.100.7")
    for n in range(12):
        log_in(attacker, f"wrong-{n}")

    assert log_in(attacker, PASSWORD).status_code == 429
    assert logged_in(log_in(colleague, PASSWORD))


def test_login__behind_a_proxy_rotating_the_left_most_forwarded_entry_does_not_escape(
    staff, settings
):
    settings.USE_X_FORWARDED_FOR, settings.TRUSTED_PROXY_COUNT = True, 1
    client = Client(REMOTE_ADDR="10.0.0.2")

    answers = [
        log_in(client, f"wrong-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5")
        for n in range(12)
    ]
    colleague = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7")

    assert answers[-1].status_code == 429
    assert logged_in(colleague)


def test_login__a_right_password_before_the_limit_clears_the_count(staff, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, f"wrong-{n}")
    assert logged_in(log_in(client, PASSWORD))
    client.logout()

    answers = [log_in(client, f"again-{n}") for n in range(settings.AXES_FAILURE_LIMIT - 1)]

    assert {answer.status_code for answer in answers} == {200}


def test_login__api_token_and_session_clients_are_not_throttled(staff, api_client, settings):
    from rest_framework.authtoken.models import Token

    UserFactory(username="bob", is_staff=True, is_superuser=True)
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), f"wrong-{n}", username="bob")
    token = Token.objects.create(user=staff.__class__.objects.get(username="bob"))

    answer = api_client.get("/api/errors", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert answer.status_code == 200


def test_login__authenticating_without_a_request_checks_only_the_password(staff):
    from django.contrib.auth import authenticate

    assert authenticate(username="ann", password=PASSWORD) == staff
    assert authenticate(username="ann", password="wrong") is None
    assert Client().login(username="ann", password=PASSWORD)
