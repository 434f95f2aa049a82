from django.apps import AppConfig


class MailboxesConfig(AppConfig):
    name = "mailboxes"
    verbose_name = "Mailboxes"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from mailboxes.models import remember_staff_email_key

        post_save.connect(remember_staff_email_key, sender=get_user_model(),
                          dispatch_uid="mailboxes.staff_email_key")  # fmt: skip
