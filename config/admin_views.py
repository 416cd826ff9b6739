"""The staff dashboards' views: thin, they read through each app's selectors and render.

Every view here is wrapped in `AdminSite.admin_view` by `config.admin`, so it is staff-only.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from common.api import ApiError
from common.params import whole_number
from errors import selectors as error_selectors
from errors.models import ErrorStatus, Severity
from errors.serializers import SORT_BY
from errors.services import error_status_set
from feedback import selectors as feedback_selectors
from health import selectors as health_selectors
from health.services import health_check_run
from telemetry import selectors as telemetry_selectors
from telemetry.serializers import TelemetryMetricsSerializer, TelemetrySeriesSerializer

METRICS_WINDOWS = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
DEFAULT_METRICS_WINDOW = "7d"
DEFAULT_REFRESH_SECONDS = 30
RECENT_EVENTS = 25
ACTIVE_SESSION_MINUTES = 5


def dashboard_summary() -> dict:
    """Return the index's one-line summary of each dashboard."""
    latest = health_selectors.health_snapshot_latest()
    return {
        "open_critical_errors": error_selectors.error_open_critical_count(),
        "error_rate": latest.error_rate if latest else None,
        "health_status": latest.status if latest else None,
        "health_checked_at": latest.created_at if latest else None,
    }


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


def _choice(request, name: str, allowed, default: str = "") -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


def errors_dashboard(request, *, site):
    """Render the triage page, or apply a one-click or bulk status change (POST)."""
    if request.method == "POST":
        return _errors_apply_action(request)
    filters = {
        "sort": _choice(request, "sort", TRIAGE_SORT_LABELS, "frequency"),
        "status": _choice(request, "status", TRIAGE_STATUS_LABELS, "unresolved"),
        "severity": _choice(request, "severity", Severity.values),
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
    if action not in TRIAGE_ACTIONS or not ids:
        messages.warning(request, "Choose an action and at least one error.")
        return HttpResponseRedirect(back)
    status = TRIAGE_ACTIONS[action]
    try:
        changed = error_status_set(
            error_ids=ids, status=status, source="from the triage page", by=request.user
        )
    except ApiError as refusal:
        messages.error(request, refusal.message)
        changed = []
    if changed:
        messages.success(request, f"{len(changed)} error(s) marked {status}.")
    return HttpResponseRedirect(back)


def error_detail_dashboard(request, error_id: int, *, site):
    """Render one error group: stack, recent occurrences, linked feedback, status history."""
    error = error_selectors.error_find(error_id=error_id)
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


def _metrics_window(request) -> str:
    window = request.GET.get("window", DEFAULT_METRICS_WINDOW)
    return window if window in METRICS_WINDOWS else DEFAULT_METRICS_WINDOW


def _refresh_seconds(request) -> int:
    seconds = whole_number(request.GET.get("refresh", ""), minimum=1, maximum=3600)
    return seconds or DEFAULT_REFRESH_SECONDS


def metrics_dashboard(request, *, site):
    """Render the metrics page; its charts fill and refresh from `metrics_data`."""
    window = _metrics_window(request)
    context = {
        **site.each_context(request),
        "title": "Metrics",
        "dashboard": "metrics",
        "window": window,
        "windows": list(METRICS_WINDOWS),
        "refresh_seconds": _refresh_seconds(request),
    }
    return TemplateResponse(request, "admin/dashboards/metrics.html", context)


def metrics_data(request):
    """Return the metrics charts' data for the requested window as JSON.

    `metrics` is exactly what GET /api/telemetry?days=… answers for the same window.
    """
    window = _metrics_window(request)
    days = METRICS_WINDOWS[window]
    now = timezone.now()
    metrics = telemetry_selectors.telemetry_metrics(days=days, event_type=None, now=now)
    recent = telemetry_selectors.telemetry_events_recent(limit=RECENT_EVENTS)
    active_sessions = telemetry_selectors.telemetry_active_sessions_since(
        since=now - timedelta(minutes=ACTIVE_SESSION_MINUTES)
    )
    return JsonResponse(
        {
            "window": window,
            "generatedAt": now.isoformat(),
            "metrics": TelemetryMetricsSerializer(metrics).data,
            "series": TelemetrySeriesSerializer(
                telemetry_selectors.telemetry_series(days=days, now=now)
            ).data,
            "activeSessions": active_sessions,
            "recentEvents": [
                {
                    "type": event.type,
                    "page": event.page,
                    "action": event.action,
                    "duration": event.duration,
                    "deviceType": event.device_type,
                    "createdAt": event.created_at.isoformat(),
                }
                for event in recent
            ],
        }
    )


HEALTH_HISTORY_HOURS = {"24h": 24, "7d": 24 * 7, "30d": 24 * 30}
HEALTH_CHECK_LABELS = {
    "database": "Database",
    "cache": "Cache / Redis",
    "broker": "Celery broker",
}


def health_dashboard(request, *, site):
    """Render the health page: a check run now, and the history of the stored checks."""
    window = _choice(request, "window", HEALTH_HISTORY_HOURS, "24h")
    document = health_check_run(store=False)
    snapshots = list(
        health_selectors.health_snapshots_recent(hours=HEALTH_HISTORY_HOURS[window]).values(
            "created_at", "status", "database_latency_ms", "error_rate", "active_sessions"
        )
    )
    snapshots.reverse()
    history = {
        "labels": [snapshot["created_at"].isoformat() for snapshot in snapshots],
        "databaseLatencyMs": [snapshot["database_latency_ms"] for snapshot in snapshots],
        "errorRate": [snapshot["error_rate"] for snapshot in snapshots],
        "activeSessions": [snapshot["active_sessions"] for snapshot in snapshots],
    }
    checks = [
        {
            "name": label,
            "status": document[key]["status"],
            "latency_ms": document[key]["latencyMs"],
            "detail": document[key].get("error")
            or document[key].get("backend")
            or document[key].get("transport")
            or "",
        }
        for key, label in HEALTH_CHECK_LABELS.items()
    ]
    context = {
        **site.each_context(request),
        "title": "Health",
        "dashboard": "health",
        "health": document,
        "checks": checks,
        "window": window,
        "windows": list(HEALTH_HISTORY_HOURS),
        "history": history,
        "snapshot_count": len(snapshots),
        "recent_snapshots": snapshots[-10:][::-1],
    }
    return TemplateResponse(request, "admin/dashboards/health.html", context)


def login_locked_out(request, original_response=None, credentials=None):
    """Render the page a locked-out staff login gets (django-axes' AXES_LOCKOUT_CALLABLE): 429,
    saying why and for how long, inside the admin's look."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    # Rendered at once: django-axes returns this from a middleware, after template responses render.
    return render(request, "admin/login_locked_out.html", context, status=429)
