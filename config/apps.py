from django.contrib.admin.apps import AdminConfig


class TelemetryAdminConfig(AdminConfig):
    """Django's admin with the project's site, which adds the staff dashboards."""

    default_site = "config.admin.TelemetryAdminSite"
