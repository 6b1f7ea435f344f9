from django.db import migrations

from cases.partnerships import ensure_partnerships


def create_partnerships(apps, schema_editor):
    ensure_partnerships(apps.get_model("cases", "Partnership"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_partnerships, migrations.RunPython.noop)]
