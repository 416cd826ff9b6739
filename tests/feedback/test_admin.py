"""Feedback in the Django admin: list, filters, thumbnail, link to the error, status actions."""

import json

import pytest
from django.urls import reverse

from feedback.models import FeedbackSubmission
from tests.feedback.conftest import data_url, image_bytes
from tests.feedback.factories import FeedbackSubmissionFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:feedback_feedbacksubmission_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def submit_bug(api_client):
    response = api_client.post(
        "/api/feedback",
        data=json.dumps({"message": "Crash on save", "screenshot": data_url(image_bytes())}),
        content_type="application/json",
    )
    return FeedbackSubmission.objects.get(pk=response.json()["feedbackId"])


def test_admin_changelist__shows_thumbnail_and_link_to_the_error(admin_client, api_client):
    feedback = submit_bug(api_client)

    page = admin_client.get(CHANGELIST).content.decode()

    assert "Crash on save" in page
    assert f'src="{feedback.screenshot.url}"' in page
    assert reverse("admin:errors_errorlog_change", args=[feedback.error_id]) in page


def test_admin_changelist__filters_by_status_and_category(admin_client):
    FeedbackSubmissionFactory(message="a new bug", category="bug")
    FeedbackSubmissionFactory(message="an idea we did", category="feature", status="resolved")

    by_category = admin_client.get(CHANGELIST, {"category__exact": "feature"}).content.decode()
    by_status = admin_client.get(CHANGELIST, {"status__exact": "new"}).content.decode()

    assert "an idea we did" in by_category and "a new bug" not in by_category
    assert "a new bug" in by_status and "an idea we did" not in by_status


def test_admin_change_page__shows_the_screenshot(admin_client, api_client):
    feedback = submit_bug(api_client)

    page = admin_client.get(
        reverse("admin:feedback_feedbacksubmission_change", args=[feedback.pk])
    ).content.decode()

    assert f'src="{feedback.screenshot.url}"' in page


def test_admin_action__marks_selected_resolved(admin_client):
    first, second = FeedbackSubmissionFactory(), FeedbackSubmissionFactory()

    admin_client.post(CHANGELIST, {"action": "mark_resolved", "_selected_action": [first.pk]})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("resolved", "new")
