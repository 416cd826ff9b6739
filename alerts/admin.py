"""The admin of alert deliveries: a read-only list to see what was sent, retried, given up."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from alerts.models import AlertDelivery, AlertDeliveryStatus
from alerts.services import alert_deliveries_retry
from projects.admin import VisibleProjectFilter
from projects.selectors import project_ids_visible


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "title",
        "project",
        "channel",
        "state",
        "last_error_short",
    )
    list_filter = ("status", "kind", "channel", ("project", VisibleProjectFilter))
    list_select_related = ("project",)
    search_fields = ("title",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AlertDelivery._meta.fields]
    actions = ["retry_given_up"]

    @admin.display(description="status", ordering="status")
    def state(self, delivery):
        """The status with its tries and, while retrying, when the next one is."""
        tries = f"{delivery.attempts} {'try' if delivery.attempts == 1 else 'tries'}"
        if delivery.status == AlertDeliveryStatus.RETRYING and delivery.next_attempt_at:
            next_at = timezone.localtime(delivery.next_attempt_at).strftime("%H:%M:%S")
            return f"Retrying: {tries}, next at {next_at}"
        if delivery.status == AlertDeliveryStatus.PENDING:
            return "Pending"
        return f"{delivery.get_status_display()} after {tries}"

    @admin.display(description="last error")
    def last_error_short(self, delivery):
        """The last failure's first 80 characters; the delivery's page shows all of it."""
        if len(delivery.last_error) <= 80:
            return delivery.last_error
        return delivery.last_error[:79] + "…"

    def get_queryset(self, request):
        deliveries = super().get_queryset(request)
        visible = project_ids_visible(user=request.user)
        # Staff who are not superusers see their projects' alerts and the service's own.
        if visible is None:
            return deliveries
        return deliveries.filter(Q(project__isnull=True) | Q(project_id__in=visible))

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
