"""Error groups in the admin: triage list with one-click and bulk resolve / ignore."""

from django.contrib import admin, messages

from errors.models import ErrorLog, ErrorStatus
from errors.services import error_set_status


@admin.register(ErrorLog)
class ErrorLogAdmin(admin.ModelAdmin):
    list_display = (
        "error_type",
        "short_message",
        "severity",
        "status",
        "frequency",
        "users_affected",
        "first_seen",
        "last_seen",
        "build_id",
    )
    list_filter = ("severity", "status", "environment")
    search_fields = ("error_type", "message", "fingerprint")
    sortable_by = ("severity", "frequency", "first_seen", "last_seen")
    ordering = ("-last_seen",)
    show_full_result_count = False
    actions = ("resolve_selected", "ignore_selected", "acknowledge_selected")
    readonly_fields = [field.name for field in ErrorLog._meta.fields]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("stack", "metadata", "user_agent")

    @admin.display(description="message")
    def short_message(self, error):
        return error.message[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Status changes go through the actions (services); saving the form would write back
        # a stale frequency over concurrent reports.
        return obj is None and super().has_change_permission(request)

    def _set_status(self, request, queryset, status):
        for error in queryset:
            error_set_status(error=error, status=status, by=request.user)
        self.message_user(
            request, f"{len(queryset)} error(s) marked {status}.", level=messages.SUCCESS
        )

    @admin.action(description="Resolve selected errors", permissions=["change"])
    def resolve_selected(self, request, queryset):
        self._set_status(request, queryset, ErrorStatus.RESOLVED)

    @admin.action(description="Ignore selected errors", permissions=["change"])
    def ignore_selected(self, request, queryset):
        self._set_status(request, queryset, ErrorStatus.IGNORED)

    @admin.action(description="Acknowledge selected errors", permissions=["change"])
    def acknowledge_selected(self, request, queryset):
        self._set_status(request, queryset, ErrorStatus.ACKNOWLEDGED)
