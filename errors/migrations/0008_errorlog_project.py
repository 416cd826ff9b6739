import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("errors", "0007_clientkey_project"),
        ("projects", "0001_initial"),
    ]

    # Every existing group belongs to the default project; the new unique key is in place
    # before the old one goes, so no moment allows two groups of one fingerprint.
    operations = [
        migrations.AddField(
            model_name="errorlog",
            name="project",
            field=models.ForeignKey(
                default=1,
                help_text="Grouping is per project: the same error in two projects is two groups.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.project",
            ),
        ),
        migrations.AddConstraint(
            model_name="errorlog",
            constraint=models.UniqueConstraint(
                fields=("project", "fingerprint"), name="errorlog_project_fingerprint_unique"
            ),
        ),
        migrations.RemoveConstraint(model_name="errorlog", name="errorlog_fingerprint_unique"),
    ]
