"""Telemetry events in the admin: read-only, usable on a table of millions of rows."""

from django.contrib import admin

from common.pagination import EstimatedCountPaginator
from projects.admin import VisibleProjectFilter
from projects.selectors import project_ids_visible
from telemetry.models import DeviceType, EventType, TelemetryEvent


class ChoicesFilter(admin.SimpleListFilter):
    """Filter on a column by a fixed vocabulary, so the admin never scans for its values."""

    vocabulary: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return self.vocabulary

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class EventTypeFilter(ChoicesFilter):
    title = "type"
    parameter_name = "type"
    vocabulary = EventType.choices


class DeviceTypeFilter(ChoicesFilter):
    title = "device type"
    parameter_name = "device_type"
    vocabulary = DeviceType.choices


@admin.register(TelemetryEvent)
class TelemetryEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "project",
        "type",
        "page",
        "action",
        "duration",
        "device_type",
        "session_id",
    )
    list_filter = (("project", VisibleProjectFilter), EventTypeFilter, DeviceTypeFilter)
    list_select_related = ("project",)
    date_hierarchy = None
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Sorting only by an indexed column keeps the changelist fast on large tables.
    sortable_by = ("created_at",)
    ordering = ("-created_at",)
    readonly_fields = [field.name for field in TelemetryEvent._meta.fields]

    def get_queryset(self, request):
        events = super().get_queryset(request).defer("metadata", "user_agent")
        visible = project_ids_visible(user=request.user)
        # Staff who are not superusers see only their projects' events.
        return events if visible is None else events.filter(project_id__in=visible)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
