"""Retention of feedback: deleted with its screenshot once it and its error are past retention."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from feedback.models import FeedbackSubmission
from feedback.services import feedback_purge_expired
from tests.errors.factories import error_reported
from tests.feedback.conftest import image_bytes, stored_files
from tests.feedback.factories import FeedbackSubmissionFactory

pytestmark = pytest.mark.django_db


def make_feedback(*, age_days: int, error_age_days: int | None = None, screenshot=True):
    created = timezone.now() - timedelta(days=age_days)
    error = None
    if error_age_days is not None:
        error = error_reported(
            {
                "errorType": "UserReport",
                "message": "Report",
                "fingerprint": f"feedback:{uuid.uuid4()}",
            }
        )
        error.last_seen = timezone.now() - timedelta(days=error_age_days)
        error.save(update_fields=["last_seen"])
    name = (
        default_storage.save("feedback/2026/01/x.png", ContentFile(image_bytes()))
        if screenshot
        else ""
    )
    return FeedbackSubmissionFactory(created_at=created, error=error, screenshot=name)


def test_purge__deletes_expired_feedback_and_its_screenshot_file(settings, media_root):
    settings.ERROR_RETENTION_DAYS = 90
    old = make_feedback(age_days=120)
    young = make_feedback(age_days=10)

    assert feedback_purge_expired(dry_run=True, batch_size=10) == 1
    assert len(stored_files(media_root)) == 2
    assert feedback_purge_expired(dry_run=False, batch_size=1) == 1

    assert list(FeedbackSubmission.objects.all()) == [young]
    assert stored_files(media_root) == [young.screenshot.name]
    assert old.screenshot.name not in stored_files(media_root)


def test_purge__keeps_old_feedback_while_its_error_is_still_seen(settings, media_root):
    settings.ERROR_RETENTION_DAYS = 90
    kept = make_feedback(age_days=120, error_age_days=1)
    make_feedback(age_days=120, error_age_days=100)

    assert feedback_purge_expired(dry_run=False, batch_size=10) == 1
    assert list(FeedbackSubmission.objects.all()) == [kept]


def test_purge_expired_command__removes_feedback_orphaned_by_the_errors_purge(settings, media_root):
    settings.ERROR_RETENTION_DAYS = 90
    make_feedback(age_days=100, error_age_days=95)
    recent = make_feedback(age_days=2, error_age_days=2, screenshot=False)

    call_command("purge_expired")

    assert list(FeedbackSubmission.objects.all()) == [recent]
    assert recent.error is not None
    assert stored_files(media_root) == []
