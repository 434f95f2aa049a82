"""The emails the newsletter sends, built from templates in templates/email/.

An edition is rendered (and its CSS inlined) once per process; each recipient's copy only
swaps in their own signed links, so sending costs no template rendering per message."""

import binascii
import email.policy
from dataclasses import dataclass
from email.utils import make_msgid
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from newsletter.tokens import make_confirm_token, make_preferences_token, make_unsubscribe_token

UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.placeholder.invalid/"
PREFERENCES_PLACEHOLDER = "https://preferences.placeholder.invalid/"
# Stand-ins in the pre-built message that each recipient's copy replaces.
RECIPIENT_SENTINEL = "recipient@sentinel.invalid"
MESSAGE_ID_SENTINEL = "<message-id@sentinel.invalid>"
TEXT_SENTINEL = "@@TEXT-BODY@@"
HTML_SENTINEL = "@@HTML-BODY@@"

inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def absolute_url(path: str) -> str:
    return path if "://" in path else f"{settings.SITE_URL}{path}"


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def new_message_id() -> str:
    # An explicit domain: make_msgid would otherwise look up this host's name every time.
    return make_msgid(domain=site_domain())


def unsubscribe_url(subscriber_pk: int, newsletter_pk: int) -> str:
    token = make_unsubscribe_token(subscriber_pk, newsletter_pk)
    return absolute_url(reverse("newsletter:unsubscribe", kwargs={"token": token}))


def preferences_url(subscriber_pk: int) -> str:
    token = make_preferences_token(subscriber_pk)
    return absolute_url(reverse("newsletter:preferences", kwargs={"token": token}))


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and inlined HTML of `email/<name>`."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"email/{name}_subject.txt", context).split())
    text = render_to_string(f"email/{name}.txt", context)
    html = inliner.inline(render_to_string(f"email/{name}.html", context))
    return subject, text, html


def confirmation_message(subscriber, newsletters) -> EmailMultiAlternatives:
    confirm_url = absolute_url(
        reverse("newsletter:confirm", kwargs={"token": make_confirm_token(subscriber)})
    )
    context = {
        "newsletters": newsletters,
        "confirm_url": confirm_url,
        "max_age_days": max(1, settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400),
    }
    subject, text, html = render_email("newsletter_confirm", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [subscriber.email])
    message.attach_alternative(html, "text/html")
    return message


def preferences_link_message(subscriber) -> EmailMultiAlternatives:
    """A fresh "change your newsletters" link, asked for from an expired one."""
    context = {
        "preferences_url": preferences_url(subscriber.pk),
        "max_age_days": max(1, settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE // 86400),
    }
    subject, text, html = render_email("newsletter_preferences_link", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [subscriber.email])
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class RenderedEdition:
    edition_id: int
    newsletter_id: int
    subject: str
    sender: str
    text: str
    html: str
    list_id: str

    def message_for(self, *, subscriber_pk: int, email: str, message_id: str):
        unsubscribe = unsubscribe_url(subscriber_pk, self.newsletter_id)
        preferences = preferences_url(subscriber_pk)

        def personalise(body):
            return body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(
                PREFERENCES_PLACEHOLDER, preferences
            )

        message = EmailMultiAlternatives(
            self.subject,
            personalise(self.text),
            self.sender,
            [email],
            headers={
                "Message-ID": message_id,
                "List-Id": self.list_id,
                # RFC 8058 one-click unsubscribe: mail clients POST to this link.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(personalise(self.html), "text/html")
        return message

    @cached_property
    def _skeleton(self) -> bytes:
        """The whole message as Django builds it, once, with sentinels where each
        recipient's copy differs; bodies switch to quoted-printable so they can be
        filled in without re-encoding anything else."""
        message = EmailMultiAlternatives(
            self.subject,
            TEXT_SENTINEL,
            self.sender,
            [RECIPIENT_SENTINEL],
            headers={
                "Message-ID": MESSAGE_ID_SENTINEL,
                "List-Id": self.list_id,
                "List-Unsubscribe": f"<{UNSUBSCRIBE_PLACEHOLDER}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(HTML_SENTINEL, "text/html")
        skeleton = message.message(policy=email.policy.SMTP).as_bytes()
        if skeleton.count(b"Content-Transfer-Encoding: 7bit") != 2:
            raise RuntimeError("Unexpected MIME structure for the edition skeleton")
        return skeleton.replace(
            b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: quoted-printable"
        )

    def raw_message_for(self, *, subscriber_pk: int, email: str, message_id: str) -> bytes:
        """The same message as `message_for`, as SMTP-ready bytes, at a fraction of the
        cost: sending to 100,000 people must not build 100,000 MIME trees. ASCII
        addresses only; others go through `message_for`."""
        unsubscribe = unsubscribe_url(subscriber_pk, self.newsletter_id)
        preferences = preferences_url(subscriber_pk)

        def encode(body: str) -> bytes:
            body = body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe)
            body = body.replace(PREFERENCES_PLACEHOLDER, preferences)
            encoded = binascii.b2a_qp(body.encode(), quotetabs=False, istext=True)
            # The skeleton already ends the part with a line break.
            return encoded.replace(b"\r\n", b"\n").removesuffix(b"\n").replace(b"\n", b"\r\n")

        return (
            self._skeleton.replace(RECIPIENT_SENTINEL.encode(), email.encode(), 1)
            .replace(MESSAGE_ID_SENTINEL.encode(), message_id.encode(), 1)
            .replace(UNSUBSCRIBE_PLACEHOLDER.encode(), unsubscribe.encode(), 1)
            .replace(TEXT_SENTINEL.encode(), encode(self.text), 1)
            .replace(HTML_SENTINEL.encode(), encode(self.html), 1)
        )


def render_edition(edition) -> RenderedEdition:
    newsletter = edition.newsletter
    items = list(
        edition.items.select_related("article__section", "article__lead_photo").order_by(
            "position", "id"
        )
    )
    context = {
        "edition": edition,
        "newsletter": newsletter,
        "articles": [item.article for item in items],
        "web_url": absolute_url(edition.get_absolute_url()),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "preferences_url": PREFERENCES_PLACEHOLDER,
    }
    _, text, html = render_email("newsletter_edition", context)
    return RenderedEdition(
        edition_id=edition.pk,
        newsletter_id=newsletter.pk,
        # One line, whatever was typed: a line break would start a header of its own.
        subject=" ".join(edition.subject.split()),
        sender=newsletter.sender,
        text=text,
        html=html,
        list_id=f"{newsletter.name} <{newsletter.slug}.{site_domain()}>",
    )


@lru_cache(maxsize=8)
def rendered_edition(edition_id: int, updated_at) -> RenderedEdition:
    """The worker renders an edition once; `updated_at` keys out stale copies."""
    from newsletter.models import Edition

    return render_edition(Edition.objects.select_related("newsletter").get(pk=edition_id))
