"""Telemetry events in the admin: read-only, usable on a table of millions of rows."""

from django.contrib import admin

from telemetry.models import TelemetryEvent


@admin.register(TelemetryEvent)
class TelemetryEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "type", "page", "action", "duration", "device_type", "session_id")
    list_filter = ("type", "device_type")
    date_hierarchy = None
    show_full_result_count = False
    # Sorting only by an indexed column keeps the changelist fast on large tables.
    sortable_by = ("created_at",)
    ordering = ("-created_at",)
    readonly_fields = [field.name for field in TelemetryEvent._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("metadata", "user_agent")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
