# issue 16: public. The public page's opaque identifier and title, and the Business
# Office's archive email stamp. The identifier is added in three steps (nullable, one
# value per existing row, then unique), as a callable default gives every existing row
# the same value in one AddField.

import uuid

from django.db import migrations, models


def give_each_publication_its_own_id(apps, schema_editor):
    Publication = apps.get_model("publication", "Publication")
    for publication in Publication.unscoped.filter(public_id__isnull=True).only("pk"):
        Publication.unscoped.filter(pk=publication.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("publication", "0002_learning_contact_told_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpublication",
            name="archived_emailed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalpublication",
            name="public_id",
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
        ),
        migrations.AddField(
            model_name="historicalpublication",
            name="public_title",
            field=models.CharField(
                blank=True,
                help_text="The title shown on the public page (no child's name, no case "
                "reference).",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="publication",
            name="archived_emailed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="publication",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_publication_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="publication",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="publication",
            name="public_title",
            field=models.CharField(
                blank=True,
                help_text="The title shown on the public page (no child's name, no case "
                "reference).",
                max_length=200,
            ),
        ),
    ]
