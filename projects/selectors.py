"""Reads of projects: which project an ingestion request is for, which projects staff may read."""

import functools
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from rest_framework import status as http_status

from common.api import ApiError
from common.retention import retention_cutoff
from errors.sentry.auth import public_key_is_well_formed
from errors.sentry.selectors import client_key_find
from projects.models import DEFAULT_PROJECT_ID, SELF_SLUG, Project

KEY_HEADER = "X-Telemetry-Key"
KEY_PARAMETER = "key"


def ingest_project_id(request) -> int:
    """Return the ID of the project a public ingestion request sends to: its client key's
    (header X-Telemetry-Key, else query parameter `key`, for sendBeacon), else the default
    project. An unknown or malformed key is refused with 401, a disabled one with 403."""
    key = request.headers.get(KEY_HEADER) or request.GET.get(KEY_PARAMETER) or ""
    if not key:
        return DEFAULT_PROJECT_ID
    # A key with a NUL byte or a surrogate must not reach the database, which refuses it.
    client_key = client_key_find(public_key=key) if public_key_is_well_formed(key) else None
    if client_key is None:
        raise ApiError(
            f"This key is not known here: send a client key's public key (32 hexadecimal "
            f"digits, as `manage.py dsn` prints it) in {KEY_HEADER} or ?{KEY_PARAMETER}=, or "
            "none for the default project.",
            status_code=http_status.HTTP_401_UNAUTHORIZED,
        )
    if not client_key.active:
        raise ApiError("This key is disabled.", status_code=http_status.HTTP_403_FORBIDDEN)
    return client_key.project_id


RATE_LIMITS_REREAD_SECONDS = 30
_rate_limits: tuple[float, dict[int, int]] = (0.0, {})


def project_rate_limits() -> dict[int, int]:
    """Return the projects' own rate limits (requests per window) by project ID; projects
    without one are absent. Read at most every RATE_LIMITS_REREAD_SECONDS per process (every
    ingest request asks), and at once after a project is saved in this process."""
    global _rate_limits
    read_at, limits = _rate_limits
    if time.monotonic() - read_at > RATE_LIMITS_REREAD_SECONDS:
        limits = dict(
            Project.objects.exclude(rate_limit_requests=None).values_list(
                "pk", "rate_limit_requests"
            )
        )
        _rate_limits = (time.monotonic(), limits)
    return limits


def project_rate_limits_forget(**kwargs) -> None:
    """Have the next project_rate_limits() read the database (a project was saved)."""
    global _rate_limits
    _rate_limits = (0.0, {})


@functools.cache
def project_self_id() -> int:
    """Return the ID of the project `self` (the service's own telemetry), read once per process:
    migrations create it and it is never deleted (it owns rows)."""
    return Project.objects.get(slug=SELF_SLUG).pk


def project_ids_visible(*, user) -> list[int] | None:
    """Return the IDs of the projects `user` (staff) may read: None, meaning every project, for
    a superuser; else the projects they are a member of."""
    if user.is_superuser:
        return None
    return list(user.projects.values_list("pk", flat=True))


def projects_visible(*, user) -> list[Project]:
    """Return the projects `user` (staff) may read, by slug: every project for a superuser,
    else the ones they are a member of."""
    projects = Project.objects.all() if user.is_superuser else user.projects.all()
    return list(projects.order_by("slug"))


def projects_chosen(projects: list[Project], *, slug: str | None) -> list[Project]:
    """Return, of `projects`, the one of slug `slug` (none when it is not among them), or
    without a slug every one but `self`, the service's own, which is chosen only by name."""
    if slug:
        return [project for project in projects if project.slug == slug]
    return [project for project in projects if project.slug != SELF_SLUG]


def projects_for_read(*, user, slug: str | None) -> list[Project]:
    """Return the projects a staff read covers (projects_chosen of those `user` may see); a
    `slug` they may not see, whether or not it exists, is refused with 400."""
    chosen = projects_chosen(projects_visible(user=user), slug=slug)
    if slug and not chosen:
        raise ApiError(
            f"There is no project “{slug[:50]}” you can see.", details={"project": slug[:50]}
        )
    return chosen


def project_ids_for_read(*, user, slug: str | None) -> list[int]:
    """Return the IDs of projects_for_read(user=, slug=)."""
    return [project.pk for project in projects_for_read(user=user, slug=slug)]


def project_find(*, slug: str) -> Project | None:
    """Return the project `slug`, or None when there is none."""
    return Project.objects.filter(slug=slug).first()


def project_list() -> list[Project]:
    """Return every project by slug, each with its members (by username) and the number of its
    client keys as `client_key_count`."""
    user_model = get_user_model()
    members = user_model._default_manager.order_by(user_model.USERNAME_FIELD)
    projects = Project.objects.annotate(client_key_count=Count("client_keys")).order_by("slug")
    return list(projects.prefetch_related(Prefetch("members", queryset=members)))


def user_find(*, username: str):
    """Return the user whose username is exactly `username`, or None when there is none."""
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()


def retention_expired(
    *,
    timestamp_field: str,
    project_field: str,
    default_days: int,
    days_field: str = "error_retention_days",
) -> Q:
    """Return the filter of rows past their project's retention: `timestamp_field` older than
    the project's `days_field` (error_retention_days or telemetry_retention_days), or
    `default_days` for projects without their own (`project_field` names the row's project
    ID, e.g. "error__project_id")."""
    own = dict(Project.objects.exclude(**{days_field: None}).values_list("pk", days_field))
    expired = Q(**{f"{timestamp_field}__lt": retention_cutoff(days=default_days)})
    if not own:
        return expired
    expired &= ~Q(**{f"{project_field}__in": list(own)})
    for project_id, days in own.items():
        expired |= Q(
            **{project_field: project_id, f"{timestamp_field}__lt": retention_cutoff(days=days)}
        )
    return expired


def telemetry_retention_days_shortest() -> int:
    """Return the fewest days any project keeps its raw telemetry (TELEMETRY_RETENTION_DAYS
    unless a project keeps them for less)."""
    own = Project.objects.exclude(telemetry_retention_days=None).values_list(
        "telemetry_retention_days", flat=True
    )
    return min([settings.TELEMETRY_RETENTION_DAYS, *own])
