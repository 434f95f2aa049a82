"""Writes that touch several newsletter models: signing up, confirming, leaving, drafting
and sending editions. Each runs in a transaction and enqueues its tasks on commit."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from newsletter.models import (
    ConfirmationCount,
    Delivery,
    Edition,
    EditionArticle,
    Newsletter,
    Subscriber,
    Subscription,
)

logger = logging.getLogger(__name__)

CONFIRMATION_INTERVAL = timedelta(days=1)
DELIVERY_INSERT_CHUNK = 5000
EDITABLE = [Edition.Status.DRAFT, Edition.Status.SCHEDULED]


class EditionNotSendable(Exception):
    pass


def request_subscription(
    *, email: str, newsletters, source_url: str = "", consent_text: str = ""
) -> bool:
    """Record a signup and, unless one went to this mailbox in the last day, enqueue a
    confirmation email. Runs in the task queue (`tasks.sign_up`), never in the request,
    so the answer cannot tell whether the address was known, not even by its timing.
    Returns whether a confirmation email was enqueued."""
    email = email.strip()
    now = timezone.now()
    with transaction.atomic():
        subscriber = _get_or_create_subscriber(email)
        if subscriber.suppressed_at:
            return False
        for newsletter in newsletters:
            subscription, _ = Subscription.objects.get_or_create(
                subscriber=subscriber, newsletter=newsletter
            )
            if subscription.status == Subscription.Status.UNSUBSCRIBED:
                subscription.status = Subscription.Status.PENDING
                subscription.save(update_fields=["status", "updated_at"])
        if not _needs_confirmation(subscriber):
            return False
        return _claim_confirmation(
            subscriber.pk, now=now, source_url=source_url[:500], consent_text=consent_text
        )


def _needs_confirmation(subscriber: Subscriber) -> bool:
    return (
        not subscriber.is_confirmed
        or subscriber.unsubscribed_at is not None
        or subscriber.subscriptions.filter(status=Subscription.Status.PENDING).exists()
    )


def _claim_confirmation(subscriber_pk: int, *, now, **fields) -> bool:
    """In the caller's transaction: enqueue a confirmation email unless one went to this
    mailbox in the last day, or hold it (`confirmation_held_at`) when its domain has had
    its share this hour. The row is locked, so two signups at once cannot both send."""
    from newsletter.tasks import send_confirmation

    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber_pk)
    recently_sent = subscriber.confirmation_sent_at and (
        subscriber.confirmation_sent_at > now - CONFIRMATION_INTERVAL
    )
    if recently_sent:
        Subscriber.objects.filter(pk=subscriber_pk).update(confirmation_held_at=None)
        return False
    domain = (subscriber.email_key or subscriber.email.lower()).rpartition("@")[2]
    if not _count_confirmation_to(domain, now=now):
        held_at = subscriber.confirmation_held_at or now
        Subscriber.objects.filter(pk=subscriber_pk).update(confirmation_held_at=held_at, **fields)
        logger.info("Confirmation to %s held: %s has had its hourly share", subscriber_pk, domain)
        return False
    Subscriber.objects.filter(pk=subscriber_pk).update(
        confirmation_sent_at=now, confirmation_held_at=None, **fields
    )
    transaction.on_commit(lambda: send_confirmation.enqueue(subscriber_pk))
    return True


def _count_confirmation_to(domain: str, *, now) -> bool:
    """Count one confirmation email to `domain` this hour, if it is under the cap. One
    conditional UPDATE, so simultaneous signups cannot overshoot."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    ConfirmationCount.objects.get_or_create(domain=domain, hour=hour)
    counted = ConfirmationCount.objects.filter(
        domain=domain, hour=hour, sent__lt=settings.NEWSLETTER_CONFIRMATIONS_PER_DOMAIN_HOUR
    ).update(sent=F("sent") + 1)
    return bool(counted)


def send_held_confirmations(*, now=None, limit: int = 500) -> int:
    """Confirmation emails the per-domain cap held back, oldest first, as far as each
    domain has room this hour. Returns how many were enqueued."""
    now = now or timezone.now()
    held = (
        Subscriber.objects.filter(confirmation_held_at__isnull=False, suppressed_at__isnull=True)
        .order_by("confirmation_held_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for subscriber_pk in held:
        with transaction.atomic():
            subscriber = Subscriber.objects.filter(pk=subscriber_pk).first()
            if subscriber is None:
                continue
            if not _needs_confirmation(subscriber):
                Subscriber.objects.filter(pk=subscriber_pk).update(confirmation_held_at=None)
                continue
            sent += _claim_confirmation(subscriber_pk, now=now)
    return sent


def _get_or_create_subscriber(email: str) -> Subscriber:
    subscriber = Subscriber.objects.for_email(email).first()
    if subscriber:
        return subscriber
    try:
        with transaction.atomic():
            return Subscriber.objects.create(email=email)
    except IntegrityError:  # The same address, signed up at the same moment.
        return Subscriber.objects.for_email(email).get()


def confirmation_is_valid(subscriber: Subscriber, sent_at_iso: str) -> bool:
    """A link is valid if it is from the latest confirmation email and nothing has been
    confirmed since it was sent."""
    sent_at = subscriber.confirmation_sent_at
    if sent_at is None or sent_at.isoformat() != sent_at_iso:
        return False
    return subscriber.confirmed_at is None or subscriber.confirmed_at < sent_at


def confirm_subscriber(subscriber: Subscriber, *, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmed_at=now, unsubscribed_at=None)
        subscriber.subscriptions.filter(status=Subscription.Status.PENDING).update(
            status=Subscription.Status.ACTIVE, updated_at=now
        )
    subscriber.confirmed_at, subscriber.unsubscribed_at = now, None


def unsubscribe(subscriber: Subscriber, newsletter: Newsletter) -> None:
    with transaction.atomic():
        Subscription.objects.filter(subscriber=subscriber, newsletter=newsletter).update(
            status=Subscription.Status.UNSUBSCRIBED, updated_at=timezone.now()
        )
        _drop_queued_deliveries(subscriber, newsletter=newsletter)


def leave_all(subscriber: Subscriber) -> None:
    now = timezone.now()
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber.pk).update(unsubscribed_at=now)
        subscriber.subscriptions.update(status=Subscription.Status.UNSUBSCRIBED, updated_at=now)
        _drop_queued_deliveries(subscriber)
    subscriber.unsubscribed_at = now


def update_preferences(subscriber: Subscriber, newsletters) -> list[Newsletter]:
    """The reader's choice from the preferences page. Newsletters they get stay; a new
    one starts at once for a confirmed reader who still gets our mail. One they left,
    or any chosen after leaving everything or before confirming, waits for a fresh
    confirmation email: the link may be old, or in someone else's hands. Returns the
    newsletters waiting for that confirmation."""
    chosen = {newsletter.pk for newsletter in newsletters}
    if not chosen:
        leave_all(subscriber)
        return []
    now = timezone.now()
    waiting = []
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        is_reading = subscriber.is_confirmed and subscriber.unsubscribed_at is None
        current = {s.newsletter_id: s.status for s in subscriber.subscriptions.all()}
        for newsletter in Newsletter.objects.filter(pk__in=chosen):
            status = current.get(newsletter.pk)
            if status == Subscription.Status.ACTIVE and is_reading:
                continue
            if status is None and is_reading:
                Subscription.objects.create(
                    subscriber=subscriber, newsletter=newsletter, status=Subscription.Status.ACTIVE
                )
                continue
            Subscription.objects.update_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={"status": Subscription.Status.PENDING},
            )
            waiting.append(newsletter)
        # The page lists public newsletters only; other subscriptions stay as they are.
        left = subscriber.subscriptions.filter(newsletter__is_public=True).exclude(
            newsletter__in=chosen
        )
        for subscription in left.select_related("newsletter"):
            _drop_queued_deliveries(subscriber, newsletter=subscription.newsletter)
        left.update(status=Subscription.Status.UNSUBSCRIBED, updated_at=now)
        if waiting and not subscriber.suppressed_at:
            _claim_confirmation(subscriber.pk, now=now)
    return waiting


def _drop_queued_deliveries(subscriber, *, newsletter=None) -> None:
    """An edition already going out skips someone who has just left. Only rows never
    tried are dropped; a worker that claimed one finds it gone and moves on."""
    queued = Delivery.objects.filter(subscriber=subscriber, status=Delivery.Status.QUEUED)
    if newsletter is not None:
        queued = queued.filter(edition__newsletter=newsletter)
    queued.delete()


def suppress_address(email: str, *, reason: str) -> int:
    """The provider reported a hard bounce or complaint: stop all mail to the address."""
    now = timezone.now()
    with transaction.atomic():
        subscribers = list(Subscriber.objects.for_email(email).filter(suppressed_at__isnull=True))
        for subscriber in subscribers:
            Subscriber.objects.filter(pk=subscriber.pk).update(
                suppressed_at=now, suppression_reason=reason[:40]
            )
            _drop_queued_deliveries(subscriber)
    return len(subscribers)


def purge_unconfirmed(*, now=None) -> int:
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.NEWSLETTER_UNCONFIRMED_DAYS)
    deleted, _ = Subscriber.objects.unconfirmed_before(cutoff).delete()
    ConfirmationCount.objects.filter(hour__lt=now - timedelta(days=1)).delete()
    return deleted


def draft_edition(newsletter: Newsletter, *, now=None, allow_empty=False) -> Edition | None:
    """The next edition of `newsletter`: every article published since the previous
    edition's cut-off, newest first. None when there is nothing new."""
    now = now or timezone.now()
    previous = newsletter.editions.order_by("-covers_until").first()
    if previous is not None:
        since = previous.covers_until
    else:
        days = 7 if newsletter.cadence == Newsletter.Cadence.WEEKLY else 1
        since = now - timedelta(days=days)
    articles = list(Article.objects.published(at=now).filter(published_at__gt=since).newest_first())
    if not articles and not allow_empty:
        return None
    local_day = timezone.localtime(now)
    subject = f"{newsletter.name}: {articles[0].headline}" if articles else newsletter.name
    with transaction.atomic():
        edition = Edition.objects.create(
            newsletter=newsletter,
            subject=subject[:200],
            intro="",
            covers_until=now,
        )
        EditionArticle.objects.bulk_create(
            EditionArticle(edition=edition, article=article, position=position)
            for position, article in enumerate(articles)
        )
    logger.info("Drafted %s for %s with %d articles", edition, local_day.date(), len(articles))
    return edition


def draft_daily_edition(newsletter: Newsletter, *, now=None) -> Edition | None:
    """The scheduler's morning draft. With NEWSLETTER_AUTOSEND_AT set it is scheduled to
    go out at that time today, unless an editor holds it first; a draft made after that
    time (the scheduler was down) waits for an editor."""
    now = now or timezone.now()
    edition = draft_edition(newsletter, now=now)
    autosend_at = settings.NEWSLETTER_AUTOSEND_AT
    if edition is None or autosend_at is None:
        return edition
    send_at = timezone.make_aware(datetime.combine(timezone.localtime(now).date(), autosend_at))
    if send_at <= now:
        logger.warning("Drafted %s after %s: left for an editor to send", edition, autosend_at)
        return edition
    schedule_edition(edition, send_at)
    return edition


def schedule_edition(edition: Edition, send_at) -> None:
    from newsletter.tasks import enqueue_later, send_scheduled_edition

    with transaction.atomic():
        updated = Edition.objects.filter(
            pk=edition.pk, status__in=[Edition.Status.DRAFT, Edition.Status.SCHEDULED]
        ).update(status=Edition.Status.SCHEDULED, send_at=send_at, updated_at=timezone.now())
        if not updated:
            raise EditionNotSendable(f"{edition} has already been sent.")
        transaction.on_commit(
            lambda: enqueue_later(send_scheduled_edition, edition.pk, run_after=send_at)
        )
    edition.status, edition.send_at = Edition.Status.SCHEDULED, send_at


def send_due_edition(edition: Edition, *, now=None) -> int | None:
    """Send a scheduled edition if its time has come and nobody holds it. The row is
    locked first, so an editor's hold either lands before this (nothing is sent) or finds
    it already sending. Returns the number of recipients, or None when not sent."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Edition.objects.select_for_update().due(now).filter(pk=edition.pk).first()
        if due is None:
            return None
        return send_edition(due, now=now)


def hold_edition(edition: Edition) -> bool:
    """Keep an edition from going out at its send time. False when it already has."""
    held = Edition.objects.filter(pk=edition.pk, status__in=EDITABLE).update(
        is_held=True, updated_at=timezone.now()
    )
    if held:
        edition.is_held = True
    return bool(held)


def release_edition(edition: Edition) -> bool:
    """Let a held edition go out: at its send time, or at once if that has passed."""
    released = Edition.objects.filter(pk=edition.pk, status__in=EDITABLE, is_held=True).update(
        is_held=False, updated_at=timezone.now()
    )
    if released:
        edition.is_held = False
        if edition.status == Edition.Status.SCHEDULED and edition.send_at:
            from newsletter.tasks import enqueue_later, send_scheduled_edition

            send_at = edition.send_at
            transaction.on_commit(
                lambda: enqueue_later(send_scheduled_edition, edition.pk, run_after=send_at)
            )
    return bool(released)


def send_edition(edition: Edition, *, now=None) -> int:
    """Create one queued Delivery per current recipient, then start the sending tasks.
    Returns the number of recipients."""
    from newsletter.tasks import start_sending

    now = now or timezone.now()
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if not edition.is_editable:
            raise EditionNotSendable(f"{edition} is already {edition.get_status_display()}.")
        recipients = (
            Subscription.objects.receiving(edition.newsletter)
            .order_by("subscriber_id")
            .values_list("subscriber_id", flat=True)
        )
        count, chunk = 0, []
        for subscriber_id in recipients.iterator(chunk_size=DELIVERY_INSERT_CHUNK):
            chunk.append(Delivery(edition_id=edition.pk, subscriber_id=subscriber_id))
            if len(chunk) == DELIVERY_INSERT_CHUNK:
                count += len(Delivery.objects.bulk_create(chunk, ignore_conflicts=True))
                chunk = []
        count += len(Delivery.objects.bulk_create(chunk, ignore_conflicts=True))
        Edition.objects.filter(pk=edition.pk).update(
            status=Edition.Status.SENDING, sending_started_at=now, updated_at=now
        )
        transaction.on_commit(lambda: start_sending(edition.pk))
    return count


def send_test(edition: Edition, email: str) -> None:
    """The edition as a subscriber would get it, to an editor. Its unsubscribe links
    belong to nobody, so they do nothing."""
    from newsletter.mail import new_message_id, render_edition

    message = render_edition(edition).message_for(
        subscriber_pk=0, email=email, message_id=new_message_id()
    )
    message.subject = f"[Test] {message.subject}"
    message.send()
