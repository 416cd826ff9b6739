"""The project's admin site: Django's admin with the staff dashboards in front of it.

The dashboards are added only through the admin's documented hooks: `get_urls()` before the
stock patterns, each view wrapped in `admin_view` (staff only), rendered with
`each_context(request)`; the index leads with them and a one-line summary of each. The views
live in the app each reads (`errors.dashboard`, `telemetry.dashboard`, `health.dashboard`).
"""

from functools import partial

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.shortcuts import render
from django.urls import path

from common.params import whole_number
from errors import dashboard as errors_dashboard
from health import dashboard as health_dashboard
from telemetry import dashboard as telemetry_dashboard


class CheckedSelectionMixin:
    """A ModelAdmin's bulk actions refuse a selection that holds something not an id.

    Django's own response_action hands the posted ids to the database as they come, and
    `_selected_action=²` (or a number past 64 bits) ends there as a 500.
    """

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if isinstance(self.model._meta.pk, models.IntegerField) and not all(
            whole_number(value, minimum=1) for value in selected
        ):
            self.message_user(
                request,
                "The selection holds a value that is not an id; nothing was changed.",
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)


class TelemetryAdminSite(admin.AdminSite):
    site_header = "Telemetry & Monitoring"
    site_title = "Telemetry & Monitoring"
    index_title = "Dashboards"
    index_template = "admin/dashboard_index.html"

    def get_urls(self):
        # The dashboards come first: /admin/errors/ and /admin/health/ would otherwise be
        # the app indexes of the errors and health apps.
        with_site = {"site": self}
        dashboards = (
            ("errors/", errors_dashboard.errors_dashboard, "errors_dashboard", with_site),
            (
                "errors/<int:error_id>/",
                errors_dashboard.error_detail_dashboard,
                "error_detail_dashboard",
                with_site,
            ),
            ("metrics/", telemetry_dashboard.metrics_dashboard, "metrics_dashboard", with_site),
            ("metrics/data.json", telemetry_dashboard.metrics_data, "metrics_data", {}),
            ("health/", health_dashboard.health_dashboard, "health_dashboard", with_site),
        )
        return [
            path(route, self.admin_view(partial(view, **keywords)), name=name)
            for route, view, name, keywords in dashboards
        ] + super().get_urls()

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, with CheckedSelectionMixin in every model admin, the
        apps' and Django's own (users, groups) alike."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedSelectionMixin):
            admin_class = type(admin_class.__name__, (CheckedSelectionMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        """Render the index with the dashboards' summary above the list of models."""
        summary = {
            **errors_dashboard.errors_dashboard_summary(),
            **health_dashboard.health_dashboard_summary(),
        }
        return super().index(request, extra_context={"summary": summary, **(extra_context or {})})


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
