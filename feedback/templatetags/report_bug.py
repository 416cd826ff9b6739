"""Template tags that put the browser client on a Django page: the bug button and telemetry.js."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape, format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def report_bug_button(context, hide_for_admin: bool = False, label: str = "", key: str = ""):
    """Render the script of the floating report-bug button (sending to the project of client
    key `key`, else the default project); nothing for staff if asked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if hide_for_admin and user is not None and user.is_staff:
        return ""
    return format_html(
        '<script src="{}" data-endpoint="{}"{}{} defer></script>',
        static("telemetry/report-bug.js"),
        reverse("feedback-submit"),
        format_html(' data-label="{}"', escape(label)) if label else "",
        format_html(' data-key="{}"', key) if key else "",
    )


@register.simple_tag
def telemetry_client(flush_interval: int = 5000, user_id: str = "", key: str = ""):
    """Render the script of telemetry.js pointed at this service's batch endpoint (sending to
    the project of client key `key`, else the default project)."""
    return format_html(
        '<script src="{}" data-endpoint="{}" data-errors-endpoint="{}" '
        'data-flush-interval="{}"{}{}></script>',
        static("telemetry/telemetry.js"),
        reverse("telemetry-batch"),
        reverse("errors"),
        int(flush_interval),
        format_html(' data-user-id="{}"', escape(user_id)) if user_id else "",
        format_html(' data-key="{}"', key) if key else "",
    )
