"""The staff password reset: who gets a link, and sending it (from the task worker)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from mailboxes.models import email_key_or_blank


class StaffPasswordResetForm(PasswordResetForm):
    """Reset links go to staff only (readers have no passwords here), found by the
    normalised form of the address typed, and sent to the address stored."""

    def get_users(self, email):
        return (
            get_user_model()
            .objects.filter(
                email_key__email_key=email_key_or_blank(email), is_active=True, is_staff=True
            )
            .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        )


def send_password_reset_for(email: str) -> None:
    """Email a reset link to each staff account with this address (none, usually). The
    link is built from SITE_URL, never from a request's Host header."""
    site = urlsplit(settings.SITE_URL)
    form = StaffPasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            extra_email_context={"protocol": site.scheme, "site_name": settings.SITE_NAME},
        )
