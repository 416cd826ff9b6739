"""The health app's staff dashboard: a check run now and the history of the stored checks.

The view is wrapped in `AdminSite.admin_view` by `config.admin`, so it is staff-only.
"""

from django.template.response import TemplateResponse

from common.params import one_of
from health import selectors as health_selectors
from health.serializers import iso_milliseconds
from health.services import health_check_run, project_health_read
from projects.dashboard import project_pick

HEALTH_HISTORY_HOURS = {"24h": 24, "7d": 24 * 7, "30d": 24 * 30}
HEALTH_CHECK_LABELS = {
    "database": "Database",
    "cache": "Cache / Redis",
    "broker": "Celery broker",
}


def health_dashboard(request, *, site):
    """Render the health page: a check run now, each project's error rate and sessions (the
    picked project's only, when one is picked), and the history of the stored checks."""
    window = one_of(request.GET.get("window"), HEALTH_HISTORY_HOURS, default="24h")
    report = health_check_run(store=False)
    pick = project_pick(request)
    projects = [p for p in pick.choices if p.slug == pick.slug or not pick.slug]
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
            "status": component.status,
            "latency_ms": component.latency_ms,
            "detail": component.error or component.backend or component.transport or "",
        }
        for component, label in (
            (getattr(report, key), label) for key, label in HEALTH_CHECK_LABELS.items()
        )
    ]
    last_run_at = report.periodic_check.last_run_at
    context = {
        **site.each_context(request),
        "title": "Health",
        "dashboard": "health",
        "project_pick": pick,
        "project_health": project_health_read(projects=projects, now=report.checked_at),
        "health": report,
        "checked_at": iso_milliseconds(report.checked_at),
        "last_run_at": iso_milliseconds(last_run_at) if last_run_at else None,
        "checks": checks,
        "window": window,
        "windows": list(HEALTH_HISTORY_HOURS),
        "history": history,
        "snapshot_count": len(snapshots),
        "recent_snapshots": snapshots[-10:][::-1],
    }
    return TemplateResponse(request, "admin/dashboards/health.html", context)


def health_dashboard_summary() -> dict:
    """Return the health dashboard's part of the admin index's summary."""
    latest = health_selectors.health_snapshot_latest()
    return {
        "error_rate": latest.error_rate if latest else None,
        "health_status": latest.status if latest else None,
        "health_checked_at": latest.created_at if latest else None,
    }
