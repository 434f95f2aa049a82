"""Signed tokens for the links in our emails. Nothing is stored: the signature (with
SECRET_KEY and a per-purpose salt) is the proof that we wrote the link."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
PREFERENCES_SALT = "newsletter.preferences"


def make_confirm_token(subscriber) -> str:
    # The send time is part of the token, so a newer confirmation email (or a confirmation
    # already used) makes older links useless: each link works once.
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(
        {"s": subscriber.pk, "t": subscriber.confirmation_sent_at.isoformat()}
    )


def read_confirm_token(token: str) -> dict | None:
    try:
        return signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(
            token, max_age=settings.NEWSLETTER_CONFIRM_MAX_AGE
        )
    except signing.BadSignature:
        return None


def make_unsubscribe_token(subscriber_pk: int, newsletter_pk: int) -> str:
    # Unsubscribe links never expire: a link in a year-old email must still work.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{subscriber_pk}.{newsletter_pk}")


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    try:
        subscriber_pk, newsletter_pk = (
            signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token).split(".")
        )
        return int(subscriber_pk), int(newsletter_pk)
    except (signing.BadSignature, ValueError):
        return None


@dataclass(frozen=True)
class PreferencesLink:
    subscriber_pk: int
    # Too old to change anything but to leave, or to ask for a fresh link.
    is_expired: bool


def make_preferences_token(subscriber_pk: int) -> str:
    # Dated: an old email, or one forwarded, must not open someone's choices for good.
    return signing.TimestampSigner(salt=PREFERENCES_SALT).sign(str(subscriber_pk))


def read_preferences_token(token: str) -> PreferencesLink | None:
    signer = signing.TimestampSigner(salt=PREFERENCES_SALT)
    try:
        pk = signer.unsign(token, max_age=settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE)
        return PreferencesLink(int(pk), is_expired=False)
    except signing.SignatureExpired:
        return PreferencesLink(int(signer.unsign(token)), is_expired=True)
    except (signing.BadSignature, ValueError):
        pass
    try:
        # Links sent before they were dated count as expired.
        return PreferencesLink(int(signing.Signer(salt=PREFERENCES_SALT).unsign(token)), True)
    except (signing.BadSignature, ValueError):
        return None
