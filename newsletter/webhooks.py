"""Bounces and complaints reported by the mail provider, through django-anymail's
tracking webhooks (mounted at /newsletters/webhooks/<esp>/tracking/). Anymail checks
each request (ANYMAIL_WEBHOOK_SECRET basic auth, and the provider's own signature where
there is one) before this receiver ever runs.

Without that secret Anymail would take a report from anyone, and a forged bounce stops
all mail to a reader for good: so until it is set the endpoints answer 404, and
`check --deploy` says so (newsletter.checks)."""

from contextlib import contextmanager
from functools import wraps

from anymail.signals import EventType, RejectReason, tracking
from anymail.utils import get_anymail_setting
from django.core.exceptions import BadRequest
from django.dispatch import receiver
from django.http import Http404
from django.urls import URLPattern

from newsletter import services
from newsletter.models import Subscriber

STOP_EVENTS = {EventType.BOUNCED, EventType.COMPLAINED}
STOP_REJECT_REASONS = {
    RejectReason.BOUNCED,
    RejectReason.INVALID,
    RejectReason.SPAM,
    RejectReason.BLOCKED,
}


@receiver(tracking, dispatch_uid="newsletter-stop-mail-to-bounced-addresses")
def stop_mail_after_bounce_or_complaint(sender, event, esp_name, **kwargs):
    if not event.recipient:
        return
    if event.event_type in STOP_EVENTS or (
        event.event_type == EventType.REJECTED and event.reject_reason in STOP_REJECT_REASONS
    ):
        services.suppress_address(event.recipient, reason=f"{esp_name} {event.event_type}")
    elif event.event_type == EventType.UNSUBSCRIBED:
        for subscriber in Subscriber.objects.for_email(event.recipient):
            services.leave_all(subscriber)


def webhook_secret_is_set() -> bool:
    return bool(get_anymail_setting("webhook_secret", default=None))


@contextmanager
def _malformed_is_a_bad_request(esp_name: str):
    # What parsing a body that is not the provider's format raises; a 500 would make
    # the provider (or whoever sent it) try again and again.
    try:
        yield
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise BadRequest(f"Malformed {esp_name} webhook") from error


class StrictWebhook:
    """Put in front of each of Anymail's webhook views."""

    def run_validators(self, request):
        with _malformed_is_a_bad_request(self.esp_name):
            super().run_validators(request)

    def parse_events(self, request):
        with _malformed_is_a_bad_request(self.esp_name):
            return super().parse_events(request)


def _strict(pattern: URLPattern) -> URLPattern:
    view_class = pattern.callback.view_class
    view = type(view_class.__name__, (StrictWebhook, view_class), {}).as_view(
        **pattern.callback.view_initkwargs
    )

    @wraps(view)
    def closed_without_a_secret(request, *args, **kwargs):
        if not webhook_secret_is_set():
            raise Http404
        return view(request, *args, **kwargs)

    return URLPattern(pattern.pattern, closed_without_a_secret, pattern.default_args, pattern.name)


def webhook_urlpatterns() -> list[URLPattern]:
    """Anymail's webhook URLs, each closed while ANYMAIL_WEBHOOK_SECRET is unset."""
    from anymail import urls

    return [_strict(pattern) for pattern in urls.urlpatterns]
