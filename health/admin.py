"""Health snapshots in the admin: the read-only history of periodic checks."""

from django.contrib import admin

from health.models import HealthSnapshot


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "status",
        "previous_status",
        "database_latency_ms",
        "cache_latency_ms",
        "error_rate",
        "active_sessions",
        "rss_mb",
    )
    list_filter = ("status",)
    ordering = ("-created_at",)
    show_full_result_count = False
    readonly_fields = [field.name for field in HealthSnapshot._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("document")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
