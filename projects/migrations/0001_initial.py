from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def create_default_project(apps, schema_editor):
    from projects.apps import project_default_create

    project_default_create(apps.get_model("projects", "Project"), schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="Project",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(help_text="Its name in URLs and ?project=.")),
                ("name", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(default=timezone.now)),
                (
                    "members",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Staff who are not superusers see only the projects they are members of.",
                        related_name="projects",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["slug"]},
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(fields=("slug",), name="projects_project_slug_unique"),
        ),
        migrations.RunPython(create_default_project, migrations.RunPython.noop),
    ]
