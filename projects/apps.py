from django.apps import AppConfig
from django.apps import apps as global_apps
from django.core.management.color import no_style
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save


def default_project_ensure(sender, using="default", apps=None, **kwargs):
    """Recreate the default and `self` projects after `migrate` or `flush` when they are gone (a
    flush empties what the migrations created, as it does Django's content types)."""
    try:
        Project = (apps or global_apps).get_model("projects", "Project")
    except LookupError:  # a partial `migrate` that has not created the table yet
        return
    project_default_create(Project, connections[using])
    if any(field.name == "telemetry_retention_days" for field in Project._meta.fields):
        project_self_create(Project, connections[using])
        from projects.selectors import project_self_id

        project_self_id.cache_clear()  # a flush gives `self` a new ID


def project_default_create(Project, connection) -> None:
    """Create the default project (ID 1) unless it exists, and move the ID sequence past it.
    `Project` is the model class (the migration's historical one, or the app's)."""
    from projects.models import DEFAULT_PROJECT_ID, DEFAULT_SLUG

    _, created = Project.objects.using(connection.alias).get_or_create(
        pk=DEFAULT_PROJECT_ID, defaults={"slug": DEFAULT_SLUG, "name": "Default"}
    )
    if created:
        # A row inserted with an explicit ID leaves the sequence behind it (PostgreSQL).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Project]):
                cursor.execute(sql)


def project_self_create(Project, connection) -> None:
    """Create the project `self` (the service's own telemetry and errors) unless it exists."""
    from projects.models import SELF_SLUG

    Project.objects.using(connection.alias).get_or_create(
        slug=SELF_SLUG, defaults={"name": "This service"}
    )


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects"

    def ready(self):
        from projects.models import Project
        from projects.selectors import project_rate_limits_forget

        post_migrate.connect(default_project_ensure, sender=self)
        post_save.connect(project_rate_limits_forget, sender=Project)
        post_delete.connect(project_rate_limits_forget, sender=Project)
