"""Writes of projects."""

from projects.models import Project


def project_get_or_create(*, slug: str, name: str = "") -> tuple[Project, bool]:
    """Return the project `slug`, creating it (named `name`, else after its slug) when missing."""
    return Project.objects.get_or_create(slug=slug, defaults={"name": name or slug})
