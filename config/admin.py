"""The project's admin site: Django's admin with the staff dashboards in front of it.

The dashboards are added only through the admin's documented hooks: `get_urls()` before the
stock patterns, each view wrapped in `admin_view` (staff only), rendered with
`each_context(request)`; the index leads with them and a one-line summary of each.
"""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.urls import path

from common.params import whole_number
from config import admin_views


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
        dashboards = [
            path(
                "errors/",
                self.admin_view(partial(admin_views.errors_dashboard, site=self)),
                name="errors_dashboard",
            ),
            path(
                "errors/<int:error_id>/",
                self.admin_view(partial(admin_views.error_detail_dashboard, site=self)),
                name="error_detail_dashboard",
            ),
            path(
                "metrics/",
                self.admin_view(partial(admin_views.metrics_dashboard, site=self)),
                name="metrics_dashboard",
            ),
            path(
                "metrics/data.json",
                self.admin_view(admin_views.metrics_data),
                name="metrics_data",
            ),
            path(
                "health/",
                self.admin_view(partial(admin_views.health_dashboard, site=self)),
                name="health_dashboard",
            ),
        ]
        return dashboards + super().get_urls()

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, with CheckedSelectionMixin in every model admin, the
        apps' and Django's own (users, groups) alike."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedSelectionMixin):
            admin_class = type(admin_class.__name__, (CheckedSelectionMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        """Render the index with the dashboards' summary above the list of models."""
        summary = admin_views.dashboard_summary()
        return super().index(request, extra_context={"summary": summary, **(extra_context or {})})
