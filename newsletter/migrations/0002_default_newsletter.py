from django.db import migrations


def create_default_newsletter(apps, schema_editor):
    Newsletter = apps.get_model("newsletter", "Newsletter")
    Newsletter.objects.get_or_create(
        slug="breakfast-in-red",
        defaults={
            "name": "Breakfast in Red",
            "description": "The day's news and the fightback, in your inbox every morning.",
            "cadence": "daily",
            "is_public": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0001_initial")]

    operations = [migrations.RunPython(create_default_newsletter, migrations.RunPython.noop)]
