from django.conf import settings
from django.db import migrations


def staff_join_the_default_project(apps, schema_editor):
    """Staff who saw every error before projects keep seeing them: they join the default project
    (superusers see every project anyway)."""
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    User = apps.get_model(app_label, model_name)
    Project = apps.get_model("projects", "Project")
    default = Project.objects.filter(pk=1).first()
    if default is not None:
        default.members.add(*User.objects.filter(is_staff=True, is_superuser=False))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(staff_join_the_default_project, migrations.RunPython.noop)]
