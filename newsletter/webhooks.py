"""Bounces and complaints reported by the mail provider, through django-anymail's
tracking webhooks (mounted at /newsletters/webhooks/<esp>/tracking/). Anymail checks
each request (ANYMAIL_WEBHOOK_SECRET basic auth, and the provider's own signature where
there is one) before this receiver ever runs."""

from anymail.signals import EventType, RejectReason, tracking
from django.dispatch import receiver

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
