import email
import email.policy
import re

import pytest
from django.core.cache import cache

from newsletter.loadtest import start_sink
from newsletter.models import Newsletter, Subscriber, Subscription


@pytest.fixture(autouse=True)
def _newsletter_settings(settings):
    settings.SITE_URL = "https://news.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "news.example.org"]
    # The rate limits count in the cache; every test starts with none used.
    cache.clear()
    yield
    cache.clear()


class SMTPServer:
    """A real SMTP server (aiosmtpd) on a loopback port, recording what it accepts."""

    def __init__(self, controller, handler):
        self.controller, self.handler = controller, handler
        self.messages = []
        # Reply with an error for given addresses, e.g. {"x@example.org": "451 Try later"}.
        self.replies = {}
        handler.handle_DATA = self._handle_data

    async def _handle_data(self, server, session, envelope):
        for recipient in envelope.rcpt_tos:
            if recipient in self.replies:
                return self.replies.pop(recipient)
        self.handler.received.update(envelope.rcpt_tos)
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"

    @property
    def port(self):
        return self.controller.port

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]

    @property
    def recipients(self):
        return [recipient for recipients, _ in self.messages for recipient in recipients]


@pytest.fixture
def smtp_server(settings):
    controller, handler = start_sink()
    server = SMTPServer(controller, handler)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield server
    controller.stop()


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message, path_part: str) -> list[str]:
    return re.findall(
        rf"https://news\.example\.org/newsletters/{path_part}/[^\s\"<>]+/", text_body(message)
    )


@pytest.fixture
def daily(db):
    return Newsletter.objects.get(slug="breakfast-in-red")


@pytest.fixture
def make_subscriber(daily):
    def make(email, *, confirmed=True, status=Subscription.Status.ACTIVE, newsletter=None, **extra):
        from django.utils import timezone

        subscriber = Subscriber.objects.create(
            email=email, confirmed_at=timezone.now() if confirmed else None, **extra
        )
        Subscription.objects.create(
            subscriber=subscriber, newsletter=newsletter or daily, status=status
        )
        return subscriber

    return make
