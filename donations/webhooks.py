"""Stripe's webhook: the only thing that marks a Stripe gift paid. The browser's return
from Checkout proves nothing."""

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from donations import services
from donations.models import Donation
from donations.providers import InvalidWebhook, parse_stripe_webhook

logger = logging.getLogger(__name__)
STRIPE_IDS = ["customer", "subscription", "payment_intent"]


def _stripe_gifts():
    return Donation.objects.select_for_update().filter(provider=Donation.Provider.STRIPE)


def _checkout_session(session, *, is_paid=None):
    # Found by the session id we stored when we made it, never by what the payload claims.
    donation = _stripe_gifts().filter(provider_reference=session["id"]).first()
    if donation is None:
        logger.warning("Checkout Session %s matches no donation", session["id"])
        return
    donation.stripe_customer_id = session.get("customer") or donation.stripe_customer_id
    donation.stripe_subscription_id = session.get("subscription") or donation.stripe_subscription_id
    donation.stripe_payment_intent_id = (
        session.get("payment_intent") or donation.stripe_payment_intent_id
    )
    donation.save(update_fields=[f"stripe_{name}_id" for name in STRIPE_IDS])
    if is_paid is None:
        is_paid = session.get("payment_status") in ("paid", "no_payment_required")
    if not is_paid:
        return
    if session.get("amount_total") not in (None, donation.amount_pence):
        logger.error("Session %s amount differs from donation %s", session["id"], donation.pk)
        return
    services.mark_paid(donation)


def checkout_completed(session):
    _checkout_session(session)


def checkout_async_payment_succeeded(session):
    _checkout_session(session, is_paid=True)


def checkout_async_payment_failed(session):
    _stripe_gifts().filter(provider_reference=session["id"], status=Donation.Status.PENDING).update(
        status=Donation.Status.FAILED
    )


def checkout_expired(session):
    _stripe_gifts().filter(provider_reference=session["id"], status=Donation.Status.PENDING).update(
        status=Donation.Status.CANCELLED
    )


def _invoice_subscription(invoice) -> tuple[str, dict]:
    """The subscription id and its metadata, from either shape of invoice Stripe sends
    (`parent.subscription_details` since API version 2025-03-31, top level before)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = details.get("subscription") or invoice.get("subscription") or ""
    metadata = details.get("metadata") or (invoice.get("subscription_details") or {}).get(
        "metadata"
    )
    if isinstance(subscription, dict):
        subscription = subscription["id"]
    return subscription, metadata or {}


def _invoice_payment_intent(invoice) -> str:
    if invoice.get("payment_intent"):
        return invoice["payment_intent"]
    for payment in (invoice.get("payments") or {}).get("data", []):
        intent = (payment.get("payment") or {}).get("payment_intent")
        if intent:
            return intent
    return ""


def invoice_paid(invoice):
    subscription_id, metadata = _invoice_subscription(invoice)
    if not subscription_id:
        return
    monthly = _stripe_gifts().filter(
        frequency=Donation.Frequency.MONTHLY, first_donation__isnull=True
    )
    first = monthly.filter(stripe_subscription_id=subscription_id).first()
    if first is None and str(metadata.get("donation_id", "")).isdigit():
        # invoice.paid can arrive before checkout.session.completed has told us the id.
        first = monthly.filter(pk=int(metadata["donation_id"]), stripe_subscription_id="").first()
    if first is None:
        logger.warning("Invoice %s matches no monthly gift", invoice["id"])
        return
    payment_intent = _invoice_payment_intent(invoice)
    if invoice.get("billing_reason") == "subscription_create":
        first.stripe_subscription_id = subscription_id
        first.stripe_customer_id = invoice.get("customer") or first.stripe_customer_id
        first.stripe_payment_intent_id = payment_intent or first.stripe_payment_intent_id
        first.save(update_fields=[f"stripe_{name}_id" for name in STRIPE_IDS])
        services.mark_paid(first)
        return
    amount = invoice.get("amount_paid") or 0
    if amount <= 0:
        return
    services.record_instalment(
        first, reference=invoice["id"], amount_pence=amount, stripe_payment_intent_id=payment_intent
    )


def charge_refunded(charge):
    if not charge.get("refunded") or not charge.get("payment_intent"):
        # Part refunds are left for an editor to note; the gift still stands.
        return
    for donation in _stripe_gifts().filter(stripe_payment_intent_id=charge["payment_intent"]):
        services.mark_refunded(donation)


def subscription_deleted(subscription):
    for donation in _stripe_gifts().filter(
        stripe_subscription_id=subscription["id"], first_donation__isnull=True
    ):
        services.end_monthly_gift(donation)


HANDLERS = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_async_payment_succeeded,
    "checkout.session.async_payment_failed": checkout_async_payment_failed,
    "checkout.session.expired": checkout_expired,
    "invoice.paid": invoice_paid,
    "charge.refunded": charge_refunded,
    "customer.subscription.deleted": subscription_deleted,
}


@csrf_exempt  # Stripe cannot send a CSRF token; the signature is the proof of origin.
@require_POST
def stripe_webhook(request):
    try:
        event = parse_stripe_webhook(
            request.body, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
        )
    except InvalidWebhook as error:
        logger.warning("Rejected Stripe webhook: %s", error)
        return HttpResponseBadRequest("Invalid signature")
    handler = HANDLERS.get(event.get("type"))
    with transaction.atomic():
        if not services.claim_webhook_event(event["id"], event["type"]):
            return HttpResponse("Already handled")
        if handler:
            handler(event["data"]["object"])
    return HttpResponse("OK")
