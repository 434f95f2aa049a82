import logging
from contextlib import suppress

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from newsletter import sending, services
from newsletter.mail import confirmation_message, preferences_link_message
from newsletter.models import Edition, Newsletter, Subscriber, Subscription

logger = logging.getLogger(__name__)


def enqueue_later(the_task, *args, run_after):
    """Enqueue with run_after where the backend can defer. One that cannot (the
    immediate backend in tests) runs it now if it is due, and otherwise leaves it to
    `resume_sending`, which the scheduler enqueues every five minutes."""
    if run_after <= timezone.now():
        return the_task.enqueue(*args)
    if the_task.get_backend().supports_defer:
        return the_task.using(run_after=run_after).enqueue(*args)
    logger.info("%s(%s) left for resume_sending at %s", the_task.name, args, run_after)
    return None


@task
def sign_up(email: str, newsletter_ids: list[int], source_url: str = "", consent_text: str = ""):
    """A signup form the view has checked: the lookups, writes and email happen here,
    so the request does the same work for every address."""
    newsletters = list(Newsletter.objects.filter(pk__in=newsletter_ids))
    if newsletters:
        services.request_subscription(
            email=email, newsletters=newsletters, source_url=source_url, consent_text=consent_text
        )


@task
def send_confirmation(subscriber_id: int):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.confirmation_sent_at is None:
        return
    newsletters = Newsletter.objects.filter(
        subscriptions__subscriber=subscriber,
        subscriptions__status__in=[Subscription.Status.PENDING, Subscription.Status.ACTIVE],
    ).distinct()
    try:
        confirmation_message(subscriber, list(newsletters)).send()
    except Exception:
        # Not sent: let the reader ask again today instead of waiting out the daily limit.
        Subscriber.objects.filter(
            pk=subscriber.pk, confirmation_sent_at=subscriber.confirmation_sent_at
        ).update(confirmation_sent_at=None)
        raise


@task
def send_preferences_link(subscriber_id: int):
    subscriber = Subscriber.objects.filter(pk=subscriber_id, suppressed_at__isnull=True).first()
    if subscriber is not None:
        preferences_link_message(subscriber).send()


def start_sending(edition_id: int) -> None:
    """Start as many parallel batch chains as settings allow; each chain re-enqueues
    itself while the edition has recipients left."""
    for _ in range(settings.NEWSLETTER_SEND_CHAINS):
        send_edition_batch.enqueue(edition_id)


@task
def send_edition_batch(edition_id: int):
    if not Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).exists():
        return None
    outcome = sending.deliver_batch(edition_id)
    next_run = sending.next_batch_time(edition_id)
    if next_run is not None:
        enqueue_later(send_edition_batch, edition_id, run_after=next_run)
    return vars(outcome)


@task
def send_scheduled_edition(edition_id: int):
    edition = Edition.objects.filter(pk=edition_id).first()
    # The editor may have held, rescheduled or sent it by hand since this was enqueued.
    if edition is not None:
        with suppress(services.EditionNotSendable):
            services.send_due_edition(edition)


@task
def recover_stalled_sends():
    return recover_stalled_sends_now()


def recover_stalled_sends_now() -> dict:
    """Restart sending where a worker died mid-batch and no other worker is sending the
    edition to notice. A few indexed queries, meant to run every 30 to 60 s; it starts a
    chain only for an edition with a dead claim, so a healthy send gets none.
    (Chains that are still running take over dead claims by themselves.)"""
    now = timezone.now()
    stalled = sending.stalled_editions(now)
    ambiguous = sending.mark_stale_sending_ambiguous(now=now)
    for edition_id in sorted(stalled):
        send_edition_batch.enqueue(edition_id)
    return {"ambiguous": ambiguous, "resumed": len(stalled)}


@task
def resume_sending():
    return resume_sending_now()


def resume_sending_now() -> dict:
    """Send scheduled editions that are due, mark rows a dead worker left in `sending`
    as ambiguous, restart sending for editions that still have recipients left, and send
    the confirmation emails the per-domain cap held back.
    Run when a worker starts, and every few minutes: a duplicate chain is harmless, as
    rows are claimed one worker at a time."""
    due = list(Edition.objects.due(timezone.now()))
    for edition in due:
        with suppress(services.EditionNotSendable):  # Sent by hand meanwhile.
            services.send_due_edition(edition)
    ambiguous = sending.mark_stale_sending_ambiguous()
    resumed = 0
    for edition_id in Edition.objects.filter(status=Edition.Status.SENDING).values_list(
        "pk", flat=True
    ):
        next_run = sending.next_batch_time(edition_id)
        if next_run is not None:
            enqueue_later(send_edition_batch, edition_id, run_after=next_run)
            resumed += 1
    confirmations = services.send_held_confirmations()
    return {
        "scheduled": len(due),
        "ambiguous": ambiguous,
        "resumed": resumed,
        "confirmations": confirmations,
    }


@task
def draft_daily_editions():
    """Draft today's edition of every daily newsletter (weekly ones on Mondays), to go
    out at NEWSLETTER_AUTOSEND_AT when that is set. The scheduler enqueues it at
    NEWSLETTER_DRAFT_AT."""
    drafted = []
    for newsletter in Newsletter.objects.all():
        is_weekly = newsletter.cadence == Newsletter.Cadence.WEEKLY
        if is_weekly and timezone.localdate().weekday() != 0:
            continue
        edition = services.draft_daily_edition(newsletter)
        if edition:
            drafted.append(edition.pk)
    return drafted


@task
def purge_unconfirmed_signups():
    return services.purge_unconfirmed()
