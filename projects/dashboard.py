"""The project picker the staff dashboards share (triage, metrics, health).

A dashboard shows the project chosen with ?project=<slug>, remembered in the staff member's
session so the next dashboard opens on it; ?project= with no slug chooses all projects (every
project they may see but `self`, the service's own, which is chosen by name).
"""

from dataclasses import dataclass

from django.contrib import messages

from projects.models import Project
from projects.selectors import projects_chosen, projects_visible

PICKED_PROJECT_SESSION_KEY = "dashboard_project"


@dataclass(frozen=True)
class ProjectPick:
    """What a dashboard shows: `slug` ('' for all projects), their IDs, the choices, and the
    page's other query parameters (`keep`), which the picker resubmits."""

    slug: str
    project_ids: list[int]
    choices: list[Project]
    keep: list[tuple[str, str]]


def project_pick(request, *, warn: bool = True) -> ProjectPick:
    """Return the project a dashboard request shows: ?project= when given (and remember it),
    else the remembered one, else all. A slug the staff member may not see (or that no longer
    exists) falls back to all projects, with a warning on the page when `warn`."""
    if "project" in request.GET:
        slug = request.GET["project"][:50]
        request.session[PICKED_PROJECT_SESSION_KEY] = slug
    else:
        slug = request.session.get(PICKED_PROJECT_SESSION_KEY, "")
    choices = projects_visible(user=request.user)
    if slug and slug not in {project.slug for project in choices}:
        if warn:
            messages.warning(request, f"There is no project “{slug}” you can see; showing all.")
        slug = ""
        request.session[PICKED_PROJECT_SESSION_KEY] = ""
    return ProjectPick(
        slug=slug,
        project_ids=[project.pk for project in projects_chosen(choices, slug=slug)],
        choices=choices,
        # The picker resubmits the page's other parameters (not its page number).
        keep=[
            (key, value)
            for key, values in request.GET.lists()
            if key not in ("project", "page")
            for value in values
        ],
    )
