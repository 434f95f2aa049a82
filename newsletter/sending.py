"""Sending an edition in batches, so that a worker killed at any moment neither loses nor
duplicates mail.

A batch claims queued Delivery rows (SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE
transactions serialise the claim) and then, one message at a time, commits the row as
`sending` *before* handing the message to the mail server and as `sent` after. A worker
killed mid-send therefore leaves at most one row in `sending`: that message may or may not
have been accepted, so once its lease runs out it becomes `ambiguous` for an editor to
look at, and is never resent automatically. Every other row is either `sent` or still
`queued` and is picked up again when sending resumes.

A claim is short (`NEWSLETTER_CLAIM_SECONDS`, 30 s) and kept alive by a heartbeat: the
worker renews it in its own small transaction three times per claim period. A claim
nobody renewed has lost its worker, and any other worker takes its rows with a
conditional UPDATE (still queued, claim still expired), so exactly one of them gets each
row: the sending chains of the edition do it at every heartbeat and at the start of each
batch, and `recover_stalled_sends` (newsletter.tasks) starts a chain for an edition that
has none left. A worker that stalls past its claim (an SMTP timeout) loses the rows it
had yet to start, never sends them twice: moving a row to `sending` needs the claim."""

import logging
import os
import smtplib
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from newsletter.mail import new_message_id, rendered_edition
from newsletter.models import Delivery, Edition

logger = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """Nothing was accepted; try this recipient again later."""


class PermanentFailure(Exception):
    """The server refused this recipient for good."""


def classify_send_error(error: Exception) -> type[Exception] | None:
    """TemporaryFailure, PermanentFailure, or None when nobody can know whether the
    server accepted the message (so it must not be sent again)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return (
            TemporaryFailure if codes and all(400 <= c < 500 for c in codes) else PermanentFailure
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return TemporaryFailure if 400 <= error.smtp_code < 500 else PermanentFailure
    if isinstance(error, ValueError):  # An address Django cannot put in an envelope.
        return PermanentFailure
    return None


@dataclass
class BatchOutcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    ambiguous: int = 0


def mark_stale_sending_ambiguous(*, edition_id=None, now=None) -> int:
    """Rows left in `sending` after their lease ran out belong to a worker that died
    mid-message."""
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claim_expires_at__lte=now or timezone.now()
    )
    if edition_id is not None:
        stale = stale.filter(edition_id=edition_id)
    count = stale.update(
        status=Delivery.Status.AMBIGUOUS, claimed_by="", error="Worker stopped while sending."
    )
    if count:
        logger.warning("Marked %d deliveries ambiguous after a worker stopped mid-send", count)
    return count


# Renewals per claim period: a worker can miss two heartbeats before it loses its rows.
HEARTBEATS_PER_CLAIM = 3


def claim_period() -> timedelta:
    return timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)


def stalled_editions(now) -> set[int]:
    """Editions still sending where a worker died: a claim nobody renews, or a message
    left in `sending` past its lease."""
    sending = Delivery.objects.filter(edition__status=Edition.Status.SENDING)
    dead_claims = expired_claims(now).filter(edition__status=Edition.Status.SENDING)
    in_flight = sending.filter(status=Delivery.Status.SENDING, claim_expires_at__lte=now)
    return {
        *dead_claims.values_list("edition_id", flat=True).distinct(),
        *in_flight.values_list("edition_id", flat=True).distinct(),
    }


def claimable(edition_id: int, now):
    return Delivery.objects.filter(
        Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        edition_id=edition_id,
        status=Delivery.Status.QUEUED,
    )


def expired_claims(now, edition_id: int | None = None):
    """Queued rows whose worker stopped renewing its claim: it died, or stalled."""
    rows = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=Delivery.Status.QUEUED,
        claim_expires_at__lte=now,
    ).exclude(claimed_by="")
    return rows if edition_id is None else rows.filter(edition_id=edition_id)


def new_worker_name() -> str:
    # The process id tells an operator (and the kill test) whose claim a row is under.
    return f"{os.getpid()}-{get_random_string(16)}"


def claim_batch(edition_id: int, worker: str, size: int, now, *, candidates=None):
    """Claim up to `size` rows of `candidates` (by default every claimable row of the
    edition) for `worker`. The UPDATE repeats the conditions, so of two workers after the
    same rows only the first to commit gets each one."""
    candidates = claimable(edition_id, now) if candidates is None else candidates
    with transaction.atomic():
        ids = list(
            candidates.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", flat=True)[:size]
        )
        if not ids:
            return []
        candidates.filter(id__in=ids).update(
            claimed_by=worker, claim_expires_at=now + claim_period()
        )
    return list(
        Delivery.objects.filter(id__in=ids, claimed_by=worker)
        .order_by("id")
        .values_list("id", "subscriber_id", "subscriber__email")
    )


def renew_claim(edition_id: int, worker: str, *, adopt: int) -> list[tuple[int, int, str]]:
    """The heartbeat: extend `worker`'s claim on the rows it has yet to start, then take
    up to `adopt` rows of the edition whose claim expired (their worker died). Returns
    the rows taken."""
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(claimed_by=worker, status=Delivery.Status.QUEUED).update(
            claim_expires_at=now + claim_period()
        )
        return claim_batch(
            edition_id, worker, adopt, now, candidates=expired_claims(now, edition_id)
        )


def deliver_batch(edition_id: int, *, size: int | None = None) -> BatchOutcome:
    size = size or settings.NEWSLETTER_BATCH_SIZE
    now = timezone.now()
    mark_stale_sending_ambiguous(edition_id=edition_id, now=now)
    worker = new_worker_name()
    rows = deque(claim_batch(edition_id, worker, size, now))
    outcome = BatchOutcome()
    if not rows:
        return outcome
    edition = Edition.objects.only("updated_at").get(pk=edition_id)
    rendered = rendered_edition(edition_id, edition.updated_at)
    mailer = mailers.default
    ours = Delivery.objects.filter(claimed_by=worker)
    lease = timedelta(seconds=settings.NEWSLETTER_SENDING_LEASE_SECONDS)
    just_sent = None  # (id, message_id): marked sent in the same commit as the next claim.
    heartbeat = claim_period().total_seconds() / HEARTBEATS_PER_CLAIM
    next_heartbeat = time.monotonic() + heartbeat
    try:
        while rows:
            if time.monotonic() >= next_heartbeat:
                # A dead worker's rows go first: they have waited longest.
                rows.extendleft(reversed(renew_claim(edition_id, worker, adopt=size)))
                next_heartbeat = time.monotonic() + heartbeat
            delivery_id, subscriber_id, email = rows.popleft()
            try:
                if mailer_needs_opening(mailer):
                    mailer.open()
            except OSError as error:
                # Connection refused or similar: nothing went to anyone still in the batch.
                if just_sent:
                    with transaction.atomic():
                        _mark_sent(ours, *just_sent)
                    just_sent = None
                _retry_later(ours, [delivery_id, *(row[0] for row in rows)], error)
                outcome.retrying += 1 + len(rows)
                return outcome
            message_id = new_message_id()
            with transaction.atomic():
                if just_sent:
                    _mark_sent(ours, *just_sent)
                    just_sent = None
                started = ours.filter(id=delivery_id, status=Delivery.Status.QUEUED).update(
                    status=Delivery.Status.SENDING,
                    attempts=F("attempts") + 1,
                    message_id=message_id,
                    claim_expires_at=timezone.now() + lease,
                )
            if not started:  # Dropped since the claim (the subscriber left).
                continue
            try:
                message = send_one(mailer, rendered, subscriber_id, email, message_id)
            except Exception as error:
                kind = classify_send_error(error)
                if kind is TemporaryFailure:
                    _retry_later(ours, [delivery_id], error)
                    outcome.retrying += 1
                elif kind is PermanentFailure:
                    _finish(ours, delivery_id, Delivery.Status.FAILED, error)
                    outcome.failed += 1
                else:
                    logger.exception("Delivery %s may or may not have been sent", delivery_id)
                    _finish(ours, delivery_id, Delivery.Status.AMBIGUOUS, error)
                    outcome.ambiguous += 1
                    close_quietly(mailer)
            else:
                status = getattr(message, "anymail_status", None)
                just_sent = (delivery_id, getattr(status, "message_id", None) or message_id)
                outcome.sent += 1
        if just_sent:
            with transaction.atomic():
                _mark_sent(ours, *just_sent)
    finally:
        close_quietly(mailer)
    return outcome


def send_one(mailer, rendered, subscriber_id: int, email: str, message_id: str):
    """Hand one recipient's copy to the mailer. Django's SMTP backend gets the pre-built
    bytes on its open connection; any other backend (anymail, locmem) gets a message."""
    if isinstance(mailer, SMTPBackend) and email.isascii():
        raw = rendered.raw_message_for(
            subscriber_pk=subscriber_id, email=email, message_id=message_id
        )
        mailer.connection.sendmail(
            mailer.prep_address(rendered.sender), [mailer.prep_address(email)], raw
        )
        return None
    message = rendered.message_for(subscriber_pk=subscriber_id, email=email, message_id=message_id)
    mailer.send_messages([message])
    return message


def mailer_needs_opening(mailer) -> bool:
    # The SMTP backend keeps one connection for the whole batch once opened; other
    # backends (console, locmem, anymail) have nothing to open.
    return hasattr(mailer, "connection") and getattr(mailer, "connection", None) is None


def close_quietly(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # A dead connection cannot be closed politely; drop it.
        if hasattr(mailer, "connection"):
            mailer.connection = None


def _mark_sent(ours, delivery_id: int, message_id) -> None:
    ours.filter(id=delivery_id, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT,
        message_id=str(message_id)[:255],
        sent_at=timezone.now(),
        claimed_by="",
        claim_expires_at=None,
        error="",
    )


def _finish(ours, delivery_id: int, status, error) -> None:
    ours.filter(id=delivery_id).update(
        status=status, claimed_by="", claim_expires_at=None, error=str(error)[:1000]
    )


def _retry_later(ours, delivery_ids, error) -> None:
    """Back off exponentially; after the last attempt the delivery has failed."""
    now = timezone.now()
    for delivery in ours.filter(id__in=delivery_ids).only("id", "attempts"):
        attempts = max(delivery.attempts, 1)
        if attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
            _finish(ours, delivery.id, Delivery.Status.FAILED, error)
            continue
        delay = settings.NEWSLETTER_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        ours.filter(id=delivery.id).update(
            status=Delivery.Status.QUEUED,
            attempts=attempts,
            claimed_by="",
            claim_expires_at=None,
            next_attempt_at=now + timedelta(seconds=min(delay, 6 * 3600)),
            error=str(error)[:1000],
        )


def next_batch_time(edition_id: int):
    """When the edition has more to send: now, later (retries, others' claims), or
    None when nothing is left, in which case the edition is marked sent."""
    now = timezone.now()
    if claimable(edition_id, now).exists():
        return now
    pending = Delivery.objects.filter(
        edition_id=edition_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    )
    if not pending.exists():
        Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).update(
            status=Edition.Status.SENT, sent_at=now, updated_at=now
        )
        return None
    times = pending.aggregate(retry=Min("next_attempt_at"), claim=Min("claim_expires_at"))
    candidates = [moment for moment in times.values() if moment]
    return max(now, min(candidates)) if candidates else now
