"""Error groups in the admin: triage list with one-click and bulk resolve / ignore."""

from django.conf import settings
from django.contrib import admin, messages

from common.pagination import EstimatedCountPaginator
from errors.models import ClientKey, ErrorLog, ErrorStatus
from errors.selectors import error_environments
from errors.sentry.selectors import client_key_dsn
from errors.services import error_status_set
from projects.admin import VisibleProjectFilter
from projects.selectors import project_ids_visible


class EnvironmentFilter(admin.SimpleListFilter):
    """Filter on environment from the cached list, not the stock filter's DISTINCT scan."""

    title = "environment"
    parameter_name = "environment"

    def lookups(self, request, model_admin):
        return [(environment, environment) for environment in error_environments()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(environment=self.value())
        return queryset


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
    # Severity and status filter from their choices; neither scans the table for its values.
    list_filter = (("project", VisibleProjectFilter), "severity", "status", EnvironmentFilter)
    search_fields = ("error_type", "message", "fingerprint")
    # Only indexed columns: sorting by anything else sorts every group on each page view.
    sortable_by = ("frequency", "first_seen", "last_seen")
    ordering = ("-last_seen",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ("resolve_selected", "ignore_selected", "acknowledge_selected")
    readonly_fields = [field.name for field in ErrorLog._meta.fields]

    def get_queryset(self, request):
        errors = super().get_queryset(request).defer("stack", "metadata", "user_agent")
        visible = project_ids_visible(user=request.user)
        # Staff who are not superusers see only their projects' errors, here and in triage.
        return errors if visible is None else errors.filter(project_id__in=visible)

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
        changed = error_status_set(
            error_ids=list(queryset.values_list("pk", flat=True)),
            status=status,
            source="from the admin's error list",
            by=request.user,
        )
        self.message_user(
            request, f"{len(changed)} error(s) marked {status}.", level=messages.SUCCESS
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


def _dsn_column(request):
    """Return the admin column showing a key's DSN for the address staff reach the service at.

    The column is made once per request, so the list, the form's fields and its read-only
    fields name the same callable.
    """
    if not hasattr(request, "sentry_dsn_column"):
        base_url = settings.SENTRY_INGEST["PUBLIC_URL"] or request.build_absolute_uri("/")

        @admin.display(description="DSN (copy into your Sentry SDK)")
        def dsn(client_key):
            return client_key_dsn(client_key=client_key, base_url=base_url)

        request.sentry_dsn_column = dsn
    return request.sentry_dsn_column


@admin.register(ClientKey)
class ClientKeyAdmin(admin.ModelAdmin):
    list_filter = (("project", VisibleProjectFilter), "active")
    search_fields = ("name",)
    ordering = ("project__slug", "name")
    list_select_related = ("project",)

    class Media:
        css = {"all": ["admin/client-keys.css"]}

    def get_queryset(self, request):
        keys = super().get_queryset(request)
        visible = project_ids_visible(user=request.user)
        return keys if visible is None else keys.filter(project_id__in=visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        visible = project_ids_visible(user=request.user)
        if db_field.name == "project" and visible is not None:
            kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=visible)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        return ("name", "project", _dsn_column(request), "active")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("project", "name", "active")
        return ("project", "name", "active", _dsn_column(request), "created_at")

    def get_readonly_fields(self, request, obj=None):
        # A key's project is its DSN's: moving it would break the DSNs handed out.
        return () if obj is None else ("project", _dsn_column(request), "created_at")
