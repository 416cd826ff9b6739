"""The service's own unhandled exceptions (web requests, Celery tasks) are errors of the
project `self`, scrubbed like any report, never an application's."""

import pytest
from django.test import Client

from config.celery import app as celery_app
from errors.models import ErrorLog, ErrorOccurrence
from projects.models import SELF_SLUG

pytestmark = pytest.mark.django_db


@pytest.mark.urls("tests.errors.own_urls")
def test_own_errors__a_failing_request_is_an_error_of_self_scrubbed():
    response = Client(raise_request_exception=False).get("/own/fails")
    assert response.status_code == 500
    error = ErrorLog.objects.get()
    assert error.project.slug == SELF_SLUG
    assert error.error_type == "RuntimeError"
    assert "jane@example.com" not in error.message
    assert error.message.startswith("checkout broke for ")
    assert "failing_view" in error.stack
    assert ErrorOccurrence.objects.get().page == "/own/fails"


def test_own_errors__a_failing_celery_task_is_an_error_of_self():
    @celery_app.task(name="tests.own_errors.fails")
    def fails():
        raise ValueError("the roll-up lost its way")

    result = fails.apply()
    assert result.failed()
    error = ErrorLog.objects.get()
    assert (error.project.slug, error.error_type, error.message) == (
        SELF_SLUG,
        "ValueError",
        "the roll-up lost its way",
    )
    assert ErrorOccurrence.objects.get().page == "tests.own_errors.fails"


def test_own_errors__an_ordinary_refusal_is_not_recorded(api_client):
    assert (
        api_client.post("/api/errors", data="{", content_type="application/json").status_code == 400
    )
    assert api_client.get("/api/nothing-here").status_code == 404
    assert not ErrorLog.objects.exists()
