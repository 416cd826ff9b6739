"""Bug reports, feature requests and other feedback sent from the report-bug button."""

from django.db import models
from django.utils import timezone

from common.models import choices_constraint
from projects.models import project_foreign_key


class FeedbackCategory(models.TextChoices):
    BUG = "bug", "Bug"
    FEATURE = "feature", "Feature request"
    OTHER = "other", "Other"


class FeedbackStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class FeedbackSubmission(models.Model):
    """One submission; a bug report also creates the ErrorLog it links to (`error`)."""

    project = project_foreign_key(
        help_text="The project of the key it was sent with (the default project without one)."
    )
    message = models.TextField()
    category = models.CharField(
        max_length=16, choices=FeedbackCategory.choices, default=FeedbackCategory.BUG
    )
    page = models.CharField(max_length=512, blank=True, default="")
    user_agent = models.CharField(max_length=512, blank=True, default="")
    email = models.EmailField(
        blank=True, default="", help_text="Contact address the reporter chose to give."
    )
    user_id = models.CharField(max_length=128, blank=True, default="")
    session_id = models.CharField(max_length=128, blank=True, default="")
    metadata = models.JSONField(null=True, blank=True)
    screenshot = models.FileField(blank=True, default="", max_length=200)
    status = models.CharField(
        max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    error = models.ForeignKey(
        "errors.ErrorLog",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
        help_text="The triage entry a bug report created.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "feedback submission"
        constraints = [
            choices_constraint("category", FeedbackCategory, name="feedback_category_valid"),
            choices_constraint("status", FeedbackStatus, name="feedback_status_valid"),
        ]
        indexes = [
            # The admin list, newest first, filtered by status (the triage queue) and the purge.
            models.Index(fields=["status", "created_at"], name="feedback_status_created_idx"),
            # The retention purge and the unfiltered admin list, newest first.
            models.Index(fields=["created_at"], name="feedback_created_idx"),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.message[:60]}"
