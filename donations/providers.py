"""The payment providers: Stripe Checkout, and the offline pledge used when no Stripe keys
are set. This is the only module that imports `stripe`."""

import json
from dataclasses import dataclass

import stripe
from django.conf import settings

from donations.models import Donation


class ProviderError(Exception):
    """The provider refused or could not be reached; nothing was changed."""


class InvalidWebhook(Exception):
    """A webhook whose signature is missing, wrong or too old."""


@dataclass(frozen=True)
class Checkout:
    reference: str
    # Where to send the donor next: the provider's payment page, or None to stay with us.
    redirect_url: str | None


class OfflineProvider:
    """Records a pledge; the donor pays by bank transfer or standing order and an editor
    marks the gift paid in the admin."""

    name = Donation.Provider.OFFLINE

    def start_checkout(self, donation, *, success_url, cancel_url) -> Checkout:
        return Checkout(reference=f"GIFT-{donation.pk:06d}", redirect_url=None)

    def change_monthly_amount(self, donation, amount_pence: int) -> None:
        """The donor changes their standing order with their bank; we only note the new sum."""

    def cancel_monthly(self, donation) -> None:
        """Nothing to call: the donor cancels the standing order with their bank."""

    def billing_portal_url(self, donation, *, return_url) -> str | None:
        return None


class StripeProvider:
    name = Donation.Provider.STRIPE

    def __init__(self, *, api_key: str, http_client=None):
        # `stripe.default_http_client` is None in production (the library picks one) and a
        # recording stub in tests, so no test can reach Stripe.
        self.client = stripe.StripeClient(
            api_key, http_client=http_client or stripe.default_http_client
        )

    def start_checkout(self, donation, *, success_url, cancel_url) -> Checkout:
        """A Checkout Session built only from the saved donation, never from the request."""
        product = {"name": f"Donation to {settings.SITE_NAME}"}
        price_data = {
            "currency": donation.currency.lower(),
            "unit_amount": donation.amount_pence,
            "product_data": product,
        }
        params = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": price_data}],
            "customer_email": donation.donor_email,
            "client_reference_id": str(donation.pk),
            "metadata": {"donation_id": str(donation.pk)},
            "payment_method_types": ["card"],
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if donation.is_monthly:
            price_data["recurring"] = {"interval": "month"}
            params["mode"] = "subscription"
            params["subscription_data"] = {"metadata": {"donation_id": str(donation.pk)}}
            if donation.currency == "GBP":
                params["payment_method_types"] = ["card", "bacs_debit"]
        else:
            params["payment_intent_data"] = {"metadata": {"donation_id": str(donation.pk)}}
        try:
            session = self.client.v1.checkout.sessions.create(
                params, {"idempotency_key": f"donation-{donation.pk}-checkout"}
            )
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return Checkout(reference=session.id, redirect_url=session.url)

    def change_monthly_amount(self, donation, amount_pence: int) -> None:
        """Swap the subscription's price for one at the new amount, from the next payment."""
        try:
            subscription = self.client.v1.subscriptions.retrieve(donation.stripe_subscription_id)
            item = subscription["items"]["data"][0]
            product = item["price"]["product"]
            self.client.v1.subscriptions.update(
                donation.stripe_subscription_id,
                {
                    "items": [
                        {
                            "id": item["id"],
                            "price_data": {
                                "currency": donation.currency.lower(),
                                "product": product if isinstance(product, str) else product["id"],
                                "unit_amount": amount_pence,
                                "recurring": {"interval": "month"},
                            },
                        }
                    ],
                    "proration_behavior": "none",
                },
            )
        except (stripe.StripeError, KeyError, IndexError) as error:
            raise ProviderError(str(error)) from error

    def cancel_monthly(self, donation) -> None:
        try:
            self.client.v1.subscriptions.cancel(donation.stripe_subscription_id)
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error

    def billing_portal_url(self, donation, *, return_url) -> str | None:
        """Stripe's customer portal, where the donor updates their card."""
        if not donation.stripe_customer_id:
            return None
        try:
            session = self.client.v1.billing_portal.sessions.create(
                {"customer": donation.stripe_customer_id, "return_url": return_url}
            )
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return session.url


def get_provider() -> OfflineProvider | StripeProvider:
    """The provider new gifts use: Stripe when its secret key is set, otherwise offline."""
    if settings.STRIPE_SECRET_KEY:
        return get_stripe_provider()
    return OfflineProvider()


def get_stripe_provider() -> StripeProvider:
    return StripeProvider(api_key=settings.STRIPE_SECRET_KEY)


def provider_for(donation) -> OfflineProvider | StripeProvider:
    """The provider an existing gift was made with, whatever new gifts use today."""
    if donation.provider == Donation.Provider.STRIPE:
        return get_stripe_provider()
    return OfflineProvider()


def parse_stripe_webhook(payload: bytes, signature_header: str | None, secret: str) -> dict:
    """The event, as plain data, once its signature and timestamp check out."""
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from error
    return json.loads(payload)
