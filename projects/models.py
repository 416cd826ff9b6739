"""Projects: the applications one service watches, each with its own keys and data."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, validate_email
from django.db import models
from django.utils import timezone

# Created by the first migration: it owns everything sent without a key, and everything that
# existed before projects.
DEFAULT_PROJECT_ID = 1
DEFAULT_SLUG = "default"
# Created by a migration too: the service's own api_call events (and, with SENTRY_DSN set to one
# of its DSNs, its own errors), kept apart from every application's data and metrics.
SELF_SLUG = "self"


def email_list_split(text: str) -> list[str]:
    """Return the addresses of a comma-separated list, stripped, empty entries left out."""
    return [address.strip() for address in text.split(",") if address.strip()]


def email_list_validate(text: str) -> None:
    """Refuse a comma-separated list holding anything that is not an e-mail address."""
    for address in email_list_split(text):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                "“%(address)s” is not an e-mail address; separate addresses with commas.",
                params={"address": address[:100]},
            ) from None


class Project(models.Model):
    """One application: a storefront, a back office, a mobile app, a worker."""

    slug = models.SlugField(max_length=50, help_text="Its name in URLs and ?project=.")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="projects",
        help_text="Staff who are not superusers see only the projects they are members of.",
    )
    error_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days its errors and feedback are kept; empty: ERROR_RETENTION_DAYS.",
    )
    telemetry_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days its raw telemetry events are kept; empty: TELEMETRY_RETENTION_DAYS.",
    )
    rate_limit_requests = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=(
            "Requests each client may send to each of its ingestion endpoints per rate-limit "
            "window; empty: the endpoint's own *_RATE_LIMIT."
        ),
    )
    alert_webhook_url = models.URLField(
        max_length=500,
        blank=True,
        default="",
        help_text="Where its error alerts go as JSON; empty: ALERT_WEBHOOK_URL.",
    )
    alert_emails = models.CharField(
        max_length=500,
        blank=True,
        default="",
        validators=[email_list_validate],
        help_text="Comma-separated addresses its error alerts go to; empty: ALERT_EMAILS.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="projects_project_slug_unique")
        ]
        ordering = ["slug"]

    def __str__(self):
        return self.slug

    def alert_email_list(self) -> list[str]:
        """Return the addresses its own alerts go to (none: ALERT_EMAILS)."""
        return email_list_split(self.alert_emails)


def project_foreign_key(
    *, help_text: str, related_name: str = "+", constraint: bool = True
) -> models.ForeignKey:
    """Return the `project` field of a model whose rows belong to a project: the default
    project unless told otherwise, and a project that owns rows cannot be deleted.

    Without `constraint` the column has neither a database foreign key nor an index of its own
    (the hot append-only tables: a foreign key check per row would slow their COPY, and their
    indexes lead with the project where reads need it); deleting the project is still refused.
    """
    return models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        default=DEFAULT_PROJECT_ID,
        related_name=related_name,
        help_text=help_text,
        db_constraint=constraint,
        db_index=constraint,
    )
