"""Feedback in the admin: the triage queue with screenshot thumbnails and links to errors."""

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from common.pagination import EstimatedCountPaginator
from feedback.models import FeedbackStatus, FeedbackSubmission
from feedback.services import feedback_status_set
from projects.admin import VisibleProjectFilter
from projects.selectors import project_ids_visible


def _status_action(status: FeedbackStatus):
    """Return the bulk action that marks the selected submissions `status`."""

    @admin.action(description=f"Mark selected as {status.label.lower()}", permissions=["change"])
    def action(modeladmin, request, queryset):
        modeladmin._set_status(request, queryset, status)

    return action


@admin.register(FeedbackSubmission)
class FeedbackSubmissionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "category", "status", "short_message", "thumbnail", "error_link")
    list_filter = (("project", VisibleProjectFilter), "status", "category")
    search_fields = ("message", "page", "email")
    ordering = ("-created_at",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Only indexed columns: sorting by anything else sorts every submission on each page view.
    sortable_by = ("created_at",)
    fields = (
        "created_at",
        "category",
        "status",
        "message",
        "page",
        "email",
        "user_id",
        "session_id",
        "user_agent",
        "metadata",
        "screenshot_large",
        "error_link",
    )
    readonly_fields = tuple(name for name in fields if name != "status")
    actions = ("mark_in_progress", "mark_resolved", "mark_dismissed")

    class Media:
        css = {"all": ["admin/feedback.css"]}

    def get_queryset(self, request):
        submissions = super().get_queryset(request).defer("metadata", "user_agent")
        visible = project_ids_visible(user=request.user)
        # Staff who are not superusers see only their projects' feedback.
        return submissions if visible is None else submissions.filter(project_id__in=visible)

    def has_add_permission(self, request):
        return False

    @admin.display(description="message")
    def short_message(self, obj):
        return obj.message if len(obj.message) <= 80 else obj.message[:79] + "…"

    @admin.display(description="screenshot")
    def thumbnail(self, obj):
        return _screenshot_link(obj, size="thumbnail")

    @admin.display(description="screenshot")
    def screenshot_large(self, obj):
        return _screenshot_link(obj, size="large")

    @admin.display(description="error")
    def error_link(self, obj):
        if not obj.error_id:
            return "—"
        try:
            url = reverse("admin:errors_errorlog_change", args=[obj.error_id])
        except NoReverseMatch:
            return str(obj.error_id)
        return format_html('<a href="{}">{}</a>', url, obj.error_id)

    def _set_status(self, request, queryset, status):
        count = feedback_status_set(
            feedback_ids=list(queryset.values_list("pk", flat=True)), status=status
        )
        self.message_user(request, f"{count} submission(s) marked {status.label.lower()}.")

    mark_in_progress = _status_action(FeedbackStatus.IN_PROGRESS)
    mark_resolved = _status_action(FeedbackStatus.RESOLVED)
    mark_dismissed = _status_action(FeedbackStatus.DISMISSED)


def _screenshot_link(feedback, *, size: str):
    """Return the screenshot as an image linking to the full file, or a dash without one;
    `size` names its class in admin/feedback.css."""
    if not feedback.screenshot:
        return "—"
    return format_html(
        '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="screenshot" '
        'class="screenshot-{1}"></a>',
        feedback.screenshot.url,
        size,
    )
