"""The staff dashboards' views: thin, they read through each app's selectors and render.

Every view here is wrapped in `AdminSite.admin_view` by `config.admin`, so it is staff-only.
"""

from django.http import JsonResponse
from django.template.response import TemplateResponse

METRICS_WINDOWS = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
DEFAULT_METRICS_WINDOW = "7d"
DEFAULT_REFRESH_SECONDS = 30


def dashboard_summary() -> dict:
    """Return the index's one-line summary of each dashboard."""
    return {
        "open_critical_errors": None,
        "error_rate": None,
        "health_status": None,
        "health_checked_at": None,
    }


def errors_dashboard(request, *, site):
    """Render the error triage page."""
    context = {**site.each_context(request), "title": "Error triage", "dashboard": "errors"}
    return TemplateResponse(request, "admin/dashboards/errors.html", context)


def _metrics_window(request) -> str:
    window = request.GET.get("window", DEFAULT_METRICS_WINDOW)
    return window if window in METRICS_WINDOWS else DEFAULT_METRICS_WINDOW


def _refresh_seconds(request) -> int:
    value = request.GET.get("refresh", "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 3600 else DEFAULT_REFRESH_SECONDS


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
    """Return the metrics charts' data for the requested window as JSON."""
    window = _metrics_window(request)
    return JsonResponse({"window": window, "days": METRICS_WINDOWS[window]})


def health_dashboard(request, *, site):
    """Render the health page: the current checks and the history of stored snapshots."""
    context = {**site.each_context(request), "title": "Health", "dashboard": "health"}
    return TemplateResponse(request, "admin/dashboards/health.html", context)
