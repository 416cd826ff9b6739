"""The admin of alert deliveries: a read-only list to see what was sent, retried, given up."""

from django.contrib import admin

from alerts.models import AlertDelivery


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "title",
    )
    list_filter = ("status", "kind", "channel")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AlertDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
