import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify


def keys_keep_their_dsns(apps, schema_editor):
    """Before projects, a key's ID was its DSN's project ID. Give every key but the first a
    project of its own with that ID, so the DSNs handed out keep working; the first key, and
    every error stored so far, belong to the default project (ID 1)."""
    ClientKey = apps.get_model("errors", "ClientKey")
    Project = apps.get_model("projects", "Project")
    taken = set(Project.objects.values_list("slug", flat=True))
    for key in ClientKey.objects.exclude(pk=1).order_by("pk"):
        slug = slugify(key.name)[:40] or "key"
        if slug in taken:
            slug = f"{slug}-{key.pk}"
        taken.add(slug)
        project = Project.objects.create(id=key.pk, slug=slug, name=key.name)
        ClientKey.objects.filter(pk=key.pk).update(project=project)
    if schema_editor.connection.vendor == "postgresql":
        # Rows inserted with explicit IDs leave the sequence behind them.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('projects_project', 'id'), "
                "(SELECT max(id) FROM projects_project))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("errors", "0006_pending_occurrences"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="clientkey", name="errors_clientkey_name_unique"),
        migrations.AddField(
            model_name="clientkey",
            name="project",
            field=models.ForeignKey(
                default=1,
                help_text="Where what this key sends goes; its ID is the DSN's project.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="client_keys",
                to="projects.project",
            ),
        ),
        migrations.AlterField(
            model_name="clientkey",
            name="name",
            field=models.CharField(help_text="Which client uses this key.", max_length=100),
        ),
        migrations.RunPython(keys_keep_their_dsns, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="clientkey",
            constraint=models.UniqueConstraint(
                fields=("project", "name"), name="errors_clientkey_project_name_unique"
            ),
        ),
    ]
