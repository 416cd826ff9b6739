"""The project admin: names, slugs, members, and the keys each project has."""

from django.contrib import admin
from django.db import models

from errors.models import ClientKey
from projects.models import Project
from projects.selectors import project_ids_visible, projects_visible


class VisibleProjectFilter(admin.RelatedFieldListFilter):
    """The changelists' project filter, offering only the projects the staff member may see."""

    def field_choices(self, field, request, model_admin):
        return [(project.pk, str(project)) for project in projects_visible(user=request.user)]


class ClientKeyInline(admin.TabularInline):
    model = ClientKey
    fields = ("name", "public_key", "active", "created_at")
    readonly_fields = ("public_key", "created_at")
    extra = 0
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "error_retention_days", "created_at")
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)
    inlines = [ClientKeyInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "members"]}),
        (
            "Own settings (empty: the service's settings)",
            {
                "fields": [
                    "error_retention_days",
                    "telemetry_retention_days",
                    "rate_limit_requests",
                    "alert_webhook_url",
                    "alert_emails",
                ]
            },
        ),
    ]
    # A receiver typed without a scheme is taken as https (Django 6's default, said now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        projects = super().get_queryset(request)
        visible = project_ids_visible(user=request.user)
        return projects if visible is None else projects.filter(pk__in=visible)
