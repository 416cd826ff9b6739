"""The telemetry app's staff dashboard: the metrics page and the JSON its charts read.

Each view is wrapped in `AdminSite.admin_view` by `config.admin`, so it is staff-only.
"""

from datetime import timedelta

from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from common.params import one_of, whole_number
from projects.dashboard import project_pick
from telemetry import selectors as telemetry_selectors
from telemetry.serializers import TelemetryMetricsSerializer, TelemetrySeriesSerializer

METRICS_WINDOWS = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
DEFAULT_METRICS_WINDOW = "7d"
DEFAULT_REFRESH_SECONDS = 30
RECENT_EVENTS = 25
ACTIVE_SESSION_MINUTES = 5


def _metrics_window(request) -> str:
    return one_of(
        request.GET.get("window"),
        METRICS_WINDOWS,
        default=DEFAULT_METRICS_WINDOW,
    )


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
        "project_pick": project_pick(request),
        "window": window,
        "windows": list(METRICS_WINDOWS),
        "refresh_seconds": _refresh_seconds(request),
    }
    return TemplateResponse(request, "admin/dashboards/metrics.html", context)


def metrics_data(request):
    """Return the metrics charts' data for the requested window as JSON.

    `metrics` is exactly what GET /api/telemetry?days=…&project=… answers for the same window
    and project (the page passes its project; without one, the remembered choice).
    """
    window = _metrics_window(request)
    days = METRICS_WINDOWS[window]
    project_ids = project_pick(request, warn=False).project_ids
    now = timezone.now()
    metrics = telemetry_selectors.telemetry_metrics(
        days=days, event_type=None, project_ids=project_ids, now=now
    )
    recent = telemetry_selectors.telemetry_events_recent(
        limit=RECENT_EVENTS, project_ids=project_ids
    )
    active_sessions = telemetry_selectors.telemetry_active_sessions_since(
        since=now - timedelta(minutes=ACTIVE_SESSION_MINUTES), project_ids=project_ids
    )
    return JsonResponse(
        {
            "window": window,
            "generatedAt": now.isoformat(),
            "metrics": TelemetryMetricsSerializer(metrics).data,
            "series": TelemetrySeriesSerializer(
                telemetry_selectors.telemetry_series(days=days, project_ids=project_ids, now=now)
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
