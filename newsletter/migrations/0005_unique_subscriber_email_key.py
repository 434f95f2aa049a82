from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0004_key_existing_subscribers")]

    operations = [
        migrations.RemoveConstraint(model_name="subscriber", name="unique_subscriber_email_ci"),
        migrations.AddConstraint(
            model_name="subscriber",
            constraint=models.UniqueConstraint(
                condition=models.Q(("email_key", ""), _negated=True),
                fields=("email_key",),
                name="unique_subscriber_email_key",
            ),
        ),
    ]
