"""Appointments made before the appointee's email and the declaration (§1.5.8) existed.

0003_setup added `email_sent_at` and `declared_at` to every existing appointment as NULL.
For `email_sent_at` that reads as "never emailed", so the first mail sweep would email
every existing appointee at once, about appointments they have long held. This stamps
the rows that exist now as emailed (at their `created_at`): the sweep leaves them alone.

`declared_at` is left NULL on purpose: nobody has declared a conflict of interest or
agreed to confidentiality for these reviews yet, and they must (§1.5.8). Until they do,
their case stays closed to them and the LCSPR page sends them to their declaration; their
dashboard lists "Make your declarations for case X".
"""

from django.db import migrations
from django.db.models import F


def stamp_existing_as_emailed(apps, schema_editor):
    Appointment = apps.get_model("reviews", "Appointment")
    Appointment._default_manager.filter(email_sent_at__isnull=True).update(
        email_sent_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_clock"),
    ]

    operations = [
        migrations.RunPython(stamp_existing_as_emailed, migrations.RunPython.noop),
    ]
