"""Writes that change a gift's money state. Each runs in a transaction and sends its mail
from a task after commit, so a rolled-back payment never thanks anyone."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from donations.models import Donation, ManageLink, WebhookEvent
from mailboxes.models import email_key_or_blank

THANK_YOU_SALT = "donations.thank-you"
MANAGE_SALT = "donations.manage"


def thank_you_token(donation) -> str:
    return signing.dumps(donation.pk, salt=THANK_YOU_SALT)


class InvalidLink(Exception):
    """A manage link that is forged, expired or unknown."""


def manage_token(email_key: str) -> str:
    """The signed token of a new single-use link to the gifts of the normalised address
    `email_key`. Links past their age are cleared away: they open nothing anyway."""
    now = timezone.now()
    max_age = timedelta(seconds=settings.DONATIONS_MAGIC_LINK_MAX_AGE)
    ManageLink.objects.filter(created_at__lt=now - max_age).delete()
    link = ManageLink.objects.create(link_id=secrets.token_urlsafe(32), created_at=now)
    return signing.dumps({"key": email_key, "link": link.link_id}, salt=MANAGE_SALT)


def read_manage_token(token: str) -> tuple[str, ManageLink]:
    """The address key and the link a token stands for; InvalidLink if there is none."""
    try:
        data = signing.loads(token, salt=MANAGE_SALT, max_age=settings.DONATIONS_MAGIC_LINK_MAX_AGE)
        key, link_id = data["key"], data["link"]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        raise InvalidLink from None
    link = ManageLink.objects.filter(link_id=link_id).first()
    if link is None or not key:
        raise InvalidLink
    return key, link


def use_manage_link(link: ManageLink) -> bool:
    """Claim `link` for this use; False if it was used before. One conditional UPDATE, so
    of two requests at the same moment (a double click) exactly one gets True."""
    unused = ManageLink.objects.filter(pk=link.pk, used_at__isnull=True)
    return bool(unused.update(used_at=timezone.now()))


def start_donation(donation: Donation, *, provider, success_url, cancel_url):
    """Save the gift as pending and open the provider's checkout for exactly this record.
    `success_url` and `cancel_url` are templates with `{token}` for the thank-you token."""
    donation.provider = provider.name
    donation.status = Donation.Status.PENDING
    if donation.is_gift_aid and not donation.gift_aid_declared_at:
        donation.gift_aid_declared_at = timezone.now()
    donation.save()
    token = thank_you_token(donation)
    checkout = provider.start_checkout(
        donation,
        success_url=success_url.format(token=token),
        cancel_url=cancel_url.format(token=token),
    )
    donation.provider_reference = checkout.reference
    donation.save(update_fields=["provider_reference"])
    return checkout, token


def mark_paid(donation: Donation, *, at=None) -> bool:
    """Mark a pending gift paid and send its receipt. False when it was not pending: a
    late or repeated notice never revives a refunded or cancelled gift."""
    with transaction.atomic():
        updated = Donation.objects.filter(pk=donation.pk, status=Donation.Status.PENDING)
        if not updated.update(status=Donation.Status.PAID, paid_at=at or timezone.now()):
            return False
        donation.refresh_from_db()
        _send_receipt_after_commit(donation)
    return True


def record_instalment(first: Donation, *, reference: str, amount_pence: int, at=None, **extra):
    """A later monthly payment of `first`, as its own paid row. Returns None if already
    recorded under the same reference."""
    if Donation.objects.filter(provider=first.provider, provider_reference=reference).exists():
        return None
    try:
        with transaction.atomic():
            instalment = _create_instalment(first, reference, amount_pence, at, extra)
    except IntegrityError:
        # Another delivery of the same invoice, under a different event id, got there first.
        return None
    _send_receipt_after_commit(instalment)
    return instalment


def _create_instalment(first, reference, amount_pence, at, extra) -> Donation:
    return Donation.objects.create(
        first_donation=first,
        appeal=first.appeal,
        source_article=first.source_article,
        amount_pence=amount_pence,
        currency=first.currency,
        frequency=Donation.Frequency.MONTHLY,
        donor_name=first.donor_name,
        donor_email=first.donor_email,
        is_gift_aid=first.is_gift_aid,
        gift_aid_declaration_version=first.gift_aid_declaration_version,
        gift_aid_declared_at=first.gift_aid_declared_at,
        home_address=first.home_address,
        postcode=first.postcode,
        status=Donation.Status.PAID,
        provider=first.provider,
        provider_reference=reference,
        stripe_customer_id=first.stripe_customer_id,
        stripe_subscription_id=first.stripe_subscription_id,
        paid_at=at or timezone.now(),
        **extra,
    )


def mark_refunded(donation: Donation) -> None:
    Donation.objects.filter(pk=donation.pk).update(status=Donation.Status.REFUNDED)


def end_monthly_gift(donation: Donation, *, at=None) -> None:
    """Stop a monthly gift. Payments already made stay paid; a gift never paid is cancelled."""
    at = at or timezone.now()
    Donation.objects.filter(pk=donation.pk, cancelled_at__isnull=True).update(cancelled_at=at)
    Donation.objects.filter(pk=donation.pk, status=Donation.Status.PENDING).update(
        status=Donation.Status.CANCELLED
    )


def cancel_gift(donation: Donation, *, provider) -> None:
    """The donor stops a monthly gift or withdraws an unpaid pledge."""
    if donation.is_monthly and donation.stripe_subscription_id:
        provider.cancel_monthly(donation)
    with transaction.atomic():
        if donation.is_monthly:
            end_monthly_gift(donation)
        else:
            Donation.objects.filter(pk=donation.pk, status=Donation.Status.PENDING).update(
                status=Donation.Status.CANCELLED
            )


def change_gift_amount(donation: Donation, amount_pence: int, *, provider) -> None:
    """Change a monthly gift (from its next payment) or an unpaid pledge."""
    if donation.stripe_subscription_id:
        provider.change_monthly_amount(donation, amount_pence)
    # A paid first payment keeps its amount: it is what was received. The new amount
    # shows on the next instalment row.
    if donation.status == Donation.Status.PENDING:
        Donation.objects.filter(pk=donation.pk).update(amount_pence=amount_pence)


def claim_webhook_event(event_id: str, event_type: str) -> bool:
    """Record the event as handled; False if it already was. Call inside the transaction
    that applies it, so a failure leaves it unrecorded and Stripe's retry is applied."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(event_id=event_id, type=event_type)
    except IntegrityError:
        return False
    return True


def _send_receipt_after_commit(donation: Donation) -> None:
    from donations.tasks import send_donation_receipt

    transaction.on_commit(lambda: send_donation_receipt.enqueue(donation.pk))


def send_receipt(donation: Donation) -> bool:
    """Email the receipt for a paid gift, once."""
    claimed = Donation.objects.filter(
        pk=donation.pk, status=Donation.Status.PAID, receipt_sent_at__isnull=True
    ).update(receipt_sent_at=timezone.now())
    if not claimed:
        return False
    try:
        _send_templated_mail("donation_receipt", donation.donor_email, {"donation": donation})
    except Exception:
        Donation.objects.filter(pk=donation.pk).update(receipt_sent_at=None)
        raise
    return True


def send_manage_link(email: str) -> bool:
    """Email a signed link to manage gifts, if this address has any to manage. The caller
    answers the same either way. The gifts are found by the normalised address, and the
    link goes to the address the donor gave with them, never to the one typed here: a
    look-alike that happens to normalise the same still cannot redirect the mail."""
    key = email_key_or_blank(email)
    stored = (
        Donation.objects.manageable_by(key)
        .order_by("-created_at", "-id")
        .values_list("donor_email", flat=True)
        .first()
    )
    if stored is None:
        return False
    link = settings.SITE_URL + reverse("donations:manage-open") + "?token=" + manage_token(key)
    max_age_minutes = settings.DONATIONS_MAGIC_LINK_MAX_AGE // 60
    _send_templated_mail(
        "donation_manage_link", stored, {"link": link, "max_age_minutes": max_age_minutes}
    )
    return True


def _send_templated_mail(name: str, to: str, context: dict) -> None:
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = render_to_string(f"email/{name}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"email/{name}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"email/{name}.html", context), "text/html")
    message.send()
