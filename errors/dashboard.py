"""The errors app's staff dashboards: the triage page and one error group's page.

Each view is wrapped in `AdminSite.admin_view` by `config.admin`, so it is staff-only.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join

from common.params import one_of, whole_number
from errors import selectors as error_selectors
from errors.models import ErrorLog, ErrorStatus, Severity
from errors.serializers import SORT_BY
from errors.services import error_status_set
from feedback import selectors as feedback_selectors
from projects.dashboard import project_pick
from projects.selectors import project_ids_visible

TRIAGE_PAGE_SIZE = 50
MAX_TRIAGE_PAGE = 1_000_000
TRIAGE_TREND_HOURS = 24
TRIAGE_SORT_LABELS = {
    "frequency": "Frequency",
    "severity": "Severity",
    "lastSeen": "Last seen",
    "createdAt": "First seen",
}
TRIAGE_ORDERS = {**SORT_BY, "severity": "severity"}
TRIAGE_STATUS_LABELS = {
    "unresolved": "Unresolved",
    "regressed": "Regressed",
    "resolved": "Resolved",
    "ignored": "Ignored",
    "all": "All",
}
# One-click and bulk actions: the status each sets through errors.services.error_status_set.
TRIAGE_ACTIONS = {
    "resolve": ErrorStatus.RESOLVED,
    "ignore": ErrorStatus.IGNORED,
    "acknowledge": ErrorStatus.ACKNOWLEDGED,
}


def errors_dashboard(request, *, site):
    """Render the triage page, or apply a one-click or bulk status change (POST)."""
    if request.method == "POST":
        return _errors_apply_action(request)
    pick = project_pick(request)
    filters = {
        "sort": one_of(request.GET.get("sort"), TRIAGE_SORT_LABELS, default="frequency"),
        "status": one_of(request.GET.get("status"), TRIAGE_STATUS_LABELS, default="unresolved"),
        "severity": one_of(request.GET.get("severity"), Severity.values),
        "environment": request.GET.get("environment", "")[:64],
        "build": request.GET.get("build", "")[:128].strip(),
        "q": request.GET.get("q", "")[:200].strip(),
    }
    page_number = whole_number(request.GET.get("page", "1"), minimum=1, maximum=MAX_TRIAGE_PAGE)
    if page_number is None:
        messages.warning(
            request,
            f"The page number must be a whole number from 1 to {MAX_TRIAGE_PAGE:,}; "
            "showing page 1.",
        )
        page_number = 1
    page = error_selectors.error_group_page(
        severity=filters["severity"] or None,
        statuses=error_selectors.TRIAGE_STATUS_FILTERS.get(filters["status"]),
        environment=filters["environment"] or None,
        build_id=filters["build"] or None,
        search=filters["q"] or None,
        order=TRIAGE_ORDERS[filters["sort"]],
        offset=(page_number - 1) * TRIAGE_PAGE_SIZE,
        limit=TRIAGE_PAGE_SIZE,
        with_text=False,
        project_ids=pick.project_ids,
    )
    rows = page.errors
    trends = error_selectors.error_hourly_counts_by_error(
        error_ids=[error.pk for error in rows], hours=TRIAGE_TREND_HOURS
    )
    for error in rows:
        error.trend = _trend_bars(trends[error.pk])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **site.each_context(request),
        "title": "Error triage",
        "dashboard": "errors",
        "project_pick": pick,
        "errors": rows,
        "filters": filters,
        "sorts": TRIAGE_SORT_LABELS,
        "statuses": TRIAGE_STATUS_LABELS,
        "severities": Severity.choices,
        "environments": error_selectors.error_environments(),
        "actions": TRIAGE_ACTIONS,
        "page_number": page_number,
        "previous_page": page_number - 1 if page_number > 1 else None,
        "next_page": page_number + 1 if page.has_next else None,
        "query_without_page": query.urlencode(),
        "can_change": request.user.has_perm("errors.change_errorlog"),
        "trend_hours": TRIAGE_TREND_HOURS,
    }
    return TemplateResponse(request, "admin/dashboards/errors.html", context)


def _trend_bars(counts: list[int]) -> str:
    """Return the trend's bars as HTML, each as high as its count in percent of the highest
    (in steps of 5 %).

    Built here rather than in the template: the template loop over 50 rows of 24 bars took
    most of the triage page's server time.
    """
    peak = max(counts, default=0) or 1
    # A class per 5 % step rather than a style attribute, which the Content-Security-Policy refuses.
    return format_html_join(
        "",
        '<span class="bar-{}" title="{}"></span>',
        ((round(20 * count / peak), count) for count in counts),
    )


def _errors_apply_action(request):
    """Set the chosen status on the selected groups through the errors service."""
    if not request.user.has_perm("errors.change_errorlog"):
        raise PermissionDenied
    back = request.POST.get("next", "")
    if not back.startswith(reverse("admin:errors_dashboard")):
        back = reverse("admin:errors_dashboard")
    # A row's own button posts "one=<action>:<id>"; the bulk button posts action and ids.
    if request.POST.get("one"):
        action, _, one_id = request.POST["one"].partition(":")
        ids = [whole_number(one_id, minimum=1)]
    else:
        action = request.POST.get("action", "")
        ids = [whole_number(value, minimum=1) for value in request.POST.getlist("ids")]
    ids = [error_id for error_id in ids if error_id is not None]
    visible = project_ids_visible(user=request.user)
    if visible is not None:
        # Only errors of the projects this member may see (the others are left as they are).
        ids = list(
            ErrorLog.objects.filter(pk__in=ids, project_id__in=visible).values_list("pk", flat=True)
        )
    if action not in TRIAGE_ACTIONS or not ids:
        messages.warning(request, "Choose an action and at least one error.")
        return HttpResponseRedirect(back)
    status = TRIAGE_ACTIONS[action]
    changed = error_status_set(
        error_ids=ids, status=status, source="from the triage page", by=request.user
    )
    if changed:
        messages.success(request, f"{len(changed)} error(s) marked {status}.")
    return HttpResponseRedirect(back)


def error_detail_dashboard(request, error_id: int, *, site):
    """Render one error group: stack, recent occurrences, linked feedback, status history."""
    error = error_selectors.error_find(
        error_id=error_id, project_ids=project_ids_visible(user=request.user)
    )
    if error is None:
        raise Http404("No error with this ID.")
    trend = error_selectors.error_hourly_counts(error=error)
    context = {
        **site.each_context(request),
        "title": f"{error.error_type}: {error.message[:80]}",
        "dashboard": "errors",
        "error": error,
        "occurrences": error_selectors.error_recent_occurrences(error=error),
        "trend": _trend_bars([point["count"] for point in trend]),
        "trend_hours": len(trend),
        "history": error_selectors.error_status_history(error=error),
        "feedback": list(feedback_selectors.feedback_for_error(error_id=error.pk)[:20]),
        "actions": TRIAGE_ACTIONS,
        "can_change": request.user.has_perm("errors.change_errorlog"),
    }
    return TemplateResponse(request, "admin/dashboards/error_detail.html", context)


def errors_dashboard_summary() -> dict:
    """Return the errors dashboard's part of the admin index's summary."""
    return {"open_critical_errors": error_selectors.error_open_critical_count()}
