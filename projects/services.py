"""Writes of projects: creating them, and who may see them."""

from django.db import IntegrityError, transaction
from rest_framework import status as http_status

from common.api import ApiError
from projects.models import Project


def project_get_or_create(*, slug: str, name: str = "") -> tuple[Project, bool]:
    """Return the project `slug`, creating it (named `name`, else after its slug) when missing."""
    return Project.objects.get_or_create(slug=slug, defaults={"name": name or slug})


def project_create(*, slug: str, name: str = "") -> Project:
    """Create the project `slug` named `name` (else after its slug); refuse (409) a slug that
    another project has."""
    try:
        with transaction.atomic():
            return Project.objects.create(slug=slug, name=name or slug)
    except IntegrityError:
        # The slug's unique constraint is the only one a new project can break.
        raise ApiError(
            f"There is already a project {slug!r}.", status_code=http_status.HTTP_409_CONFLICT
        ) from None


def project_member_add(*, project: Project, user) -> bool:
    """Make `user` a member of `project`; return False when they already were."""
    if project.members.filter(pk=user.pk).exists():
        return False
    project.members.add(user)
    return True


def project_member_remove(*, project: Project, user) -> bool:
    """Remove `user` from the members of `project`; return False when they were not one."""
    if not project.members.filter(pk=user.pk).exists():
        return False
    project.members.remove(user)
    return True
