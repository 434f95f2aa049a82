from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from mailboxes.addresses import MAX_LENGTH, normalise_email


def email_key_or_blank(address: str) -> str:
    """The key of a stored address; blank for none or one that cannot be normalised,
    which then matches nothing a reader types."""
    try:
        return normalise_email(address) if address else ""
    except ValidationError:
        return ""


class StaffEmailKey(models.Model):
    """The normalised form of a staff account's address, for the password reset to look
    it up by. Django's User has no room for it, so it sits beside it, kept in step by
    `remember_staff_email_key` whenever a user is saved."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_key"
    )
    email_key = models.CharField(max_length=MAX_LENGTH, db_index=True, blank=True)

    def __str__(self):
        return self.email_key


def remember_staff_email_key(sender, instance, raw=False, **kwargs):
    if raw:
        return
    StaffEmailKey.objects.update_or_create(
        user=instance, defaults={"email_key": email_key_or_blank(instance.email)}
    )
