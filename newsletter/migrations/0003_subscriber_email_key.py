from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0002_default_newsletter")]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="email_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=320),
            preserve_default=False,
        ),
    ]
