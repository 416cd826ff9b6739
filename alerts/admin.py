"""The admin of alert deliveries: a read-only list to see what was sent, retried, given up."""

from django.contrib import admin, messages

from alerts.models import AlertDelivery
from alerts.services import alert_deliveries_retry


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
    actions = ["retry_given_up"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry the selected given-up deliveries")
    def retry_given_up(self, request, queryset):
        count = alert_deliveries_retry(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count} given-up deliveries will be tried again within a minute.",
            messages.SUCCESS,
        )
