"""Projects: the applications one service watches, each with its own keys and data."""

from django.conf import settings
from django.db import models
from django.utils import timezone

# Created by the first migration: it owns everything sent without a key, and everything that
# existed before projects.
DEFAULT_PROJECT_ID = 1
DEFAULT_SLUG = "default"


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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="projects_project_slug_unique")
        ]
        ordering = ["slug"]

    def __str__(self):
        return self.slug


def project_foreign_key(*, help_text: str, related_name: str = "+") -> models.ForeignKey:
    """Return the `project` field of a model whose rows belong to a project: the default
    project unless told otherwise, and a project that owns rows cannot be deleted."""
    return models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        default=DEFAULT_PROJECT_ID,
        related_name=related_name,
        help_text=help_text,
    )
