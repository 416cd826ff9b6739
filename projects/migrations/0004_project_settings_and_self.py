import django.core.validators
from django.db import migrations, models

import projects.models


def create_self_project(apps, schema_editor):
    from projects.apps import project_self_create

    project_self_create(apps.get_model("projects", "Project"), schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_project_error_retention")]

    operations = [
        migrations.AddField(
            model_name="project",
            name="telemetry_retention_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Days its raw telemetry events are kept; empty: TELEMETRY_RETENTION_DAYS.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="rate_limit_requests",
            field=models.PositiveIntegerField(
                blank=True,
                help_text=(
                    "Requests each client may send to each of its ingestion endpoints per "
                    "rate-limit window; empty: the endpoint's own *_RATE_LIMIT."
                ),
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="alert_webhook_url",
            field=models.URLField(
                blank=True,
                default="",
                help_text="Where its error alerts go as JSON; empty: ALERT_WEBHOOK_URL.",
                max_length=500,
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="alert_emails",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Comma-separated addresses its error alerts go to; empty: ALERT_EMAILS.",
                max_length=500,
                validators=[projects.models.email_list_validate],
            ),
        ),
        migrations.RunPython(create_self_project, migrations.RunPython.noop),
    ]
