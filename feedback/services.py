"""Writes of the feedback app: recording submissions, their screenshots and their purge."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.api import ApiError
from common.privacy import (
    scrub_data,
    scrub_identifier,
    scrub_short_text,
    scrub_text,
    scrub_url,
)
from common.serializers import dataclass_from_camel_case
from feedback.models import FeedbackCategory, FeedbackStatus, FeedbackSubmission
from feedback.serializers import MAX_MESSAGE_LENGTH, FeedbackSubmitSerializer, Screenshot
from projects.models import DEFAULT_PROJECT_ID
from projects.selectors import retention_expired

logger = logging.getLogger(__name__)


# A random hex name can hold a run of digits the privacy rules take for a card number, and
# the name is copied into the bug report's error metadata, which is scrubbed: letters only.
_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def screenshot_store(*, screenshot: Screenshot) -> str:
    """Save the screenshot under feedback/<year>/<month>/ with a random name (32 letters a–p);
    return its name."""
    random_name = uuid.uuid4().hex.translate(_DIGITS_AS_LETTERS)
    name = f"feedback/{timezone.now():%Y/%m}/{random_name}.{screenshot.extension}"
    return default_storage.save(name, ContentFile(screenshot.content))


@dataclass(frozen=True)
class NewFeedback:
    """One validated submission, before scrubbing ('' or None: not sent)."""

    message: str
    category: str = FeedbackCategory.BUG
    page: str = ""
    user_agent: str = ""
    email: str = ""
    user_id: str = ""
    session_id: str = ""
    metadata: dict | None = None
    screenshot: Screenshot | None = None


def feedback_submit(
    *,
    feedback: NewFeedback,
    request_user_agent: str = "",
    error=None,
    error_pending: bool = False,
    project_id: int | None = None,
) -> FeedbackSubmission:
    """Store a validated submission in `project_id` (the default project when None), scrubbed;
    a bug report also files a `UserReport` error in that project's triage.

    An `error` given (the ErrorLog
    of the Sentry event the feedback is about) is linked instead of filing a new one; with
    `error_pending` (that event has not arrived yet) none is filed and the link comes later. The
    screenshot is written to storage first and removed again if the database refuses the
    rows, so a failed submission leaves nothing behind.
    """
    user_agent = scrub_short_text(feedback.user_agent or request_user_agent, max_length=512)
    screenshot_name = (
        screenshot_store(screenshot=feedback.screenshot) if feedback.screenshot else ""
    )
    try:
        with transaction.atomic():
            submission = FeedbackSubmission.objects.create(
                project_id=project_id or DEFAULT_PROJECT_ID,
                message=scrub_text(feedback.message, max_length=MAX_MESSAGE_LENGTH),
                category=feedback.category,
                page=scrub_url(feedback.page),
                user_agent=user_agent,
                email=feedback.email,
                user_id=scrub_identifier(feedback.user_id),
                session_id=scrub_identifier(feedback.session_id),
                metadata=scrub_data(feedback.metadata) if feedback.metadata is not None else None,
                screenshot=screenshot_name,
                error=error,
            )
            if error is None and not error_pending and submission.category == FeedbackCategory.BUG:
                submission.error_id = _error_for_bug_report(submission)
                submission.save(update_fields=["error"])
    except BaseException:
        if screenshot_name:
            default_storage.delete(screenshot_name)
        raise
    return submission


def _error_for_bug_report(feedback: FeedbackSubmission) -> int:
    """File the bug report in its project's error triage as its own `UserReport` entry; return
    its ID."""
    from errors.ingest import ErrorReportInput, error_report

    reported = error_report(
        report=ErrorReportInput(
            error_type="UserReport",
            message=feedback.message,
            page=feedback.page,
            severity="warning",
            user_id=feedback.user_id,
            session_id=feedback.session_id,
            user_agent=feedback.user_agent,
            metadata={
                "feedbackId": str(feedback.pk),
                "screenshot": feedback.screenshot.name or None,
            },
            # Every report is its own triage entry: two people never send "the same" report.
            fingerprint=f"feedback:{feedback.pk}",
            project_id=feedback.project_id,
        ),
        request_user_agent=feedback.user_agent,
    )
    return reported.error_id


def feedback_status_set(*, feedback_ids: list[int], status: FeedbackStatus) -> int:
    """Move the given submissions to `status`; return how many changed."""
    return FeedbackSubmission.objects.filter(pk__in=feedback_ids).update(status=status)


def feedback_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete feedback past its project's error retention (its own, else ERROR_RETENTION_DAYS),
    with its screenshot file; return the count.

    A submission expires when it is older than the cutoff and its error is gone or seen last
    before the cutoff too, so the result is the same whether the errors purge ran first
    (leaving the link empty) or not.
    """
    days = settings.ERROR_RETENTION_DAYS
    expired = FeedbackSubmission.objects.filter(
        retention_expired(
            timestamp_field="created_at", project_field="project_id", default_days=days
        )
    ).filter(
        Q(error__isnull=True)
        | retention_expired(
            timestamp_field="error__last_seen", project_field="project_id", default_days=days
        )
    )
    if dry_run:
        return expired.count()
    deleted = 0
    while True:
        batch = list(expired.order_by("pk").values_list("pk", "screenshot")[:batch_size])
        if not batch:
            return deleted
        with transaction.atomic():
            deleted += FeedbackSubmission.objects.filter(pk__in=[pk for pk, _ in batch]).delete()[0]
        for _pk, name in batch:
            if name:
                _screenshot_delete(name)
        if progress:
            progress(deleted)
        if len(batch) < batch_size:
            return deleted


def _screenshot_delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete the screenshot %s of purged feedback.", name)


def feedback_from_sentry(
    *,
    data: dict,
    error,
    associated_event_id: str = "",
    request_user_agent: str = "",
    project_id: int | None = None,
) -> FeedbackSubmission:
    """Store feedback sent by a Sentry SDK (a POST /api/feedback body) with a key of
    `project_id`, linked to `error`.

    Feedback naming an event that has not arrived yet (`associated_event_id` without `error`)
    waits for it: `feedback_sentry_events_link` links it when the event is recorded. A
    screenshot that is refused (not an image, too large) is dropped and the words are kept.
    """
    serializer = FeedbackSubmitSerializer(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ApiError:
        if "screenshot" not in data:
            raise
        serializer = FeedbackSubmitSerializer(
            data={key: value for key, value in data.items() if key != "screenshot"}
        )
        serializer.is_valid(raise_exception=True)
    return feedback_submit(
        feedback=dataclass_from_camel_case(NewFeedback, serializer.validated_data),
        request_user_agent=request_user_agent,
        error=error,
        error_pending=error is None and bool(associated_event_id),
        project_id=project_id,
    )


def feedback_sentry_events_link(*, error_ids_by_event_id: dict[str, int]) -> int:
    """Link feedback of the last day still waiting for one of these Sentry events to the event's
    error group; return how many were linked."""
    since = timezone.now() - timedelta(days=1)
    linked = 0
    for event_id, error_id in error_ids_by_event_id.items():
        linked += FeedbackSubmission.objects.filter(
            error__isnull=True,
            created_at__gte=since,
            metadata__sentry__associatedEventId=event_id,
        ).update(error_id=error_id)
    return linked
