"""Reads of the feedback app."""

from django.db.models import QuerySet

from feedback.models import FeedbackSubmission


def feedback_for_error(*, error_id) -> QuerySet[FeedbackSubmission]:
    """Return the submissions linked to one error, newest first (for triage pages)."""
    return FeedbackSubmission.objects.filter(error_id=error_id).order_by("-created_at")
