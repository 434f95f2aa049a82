"""Stripe's notices about one gift, against a live server on PostgreSQL: they arrive
before the donor is back from Checkout, five times over, two at the same moment, and out
of order. Exactly one paid donation and one receipt come of it."""

import json
import random
import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.urls import reverse

from donations.models import Donation
from tests.donations.conftest import event, stripe_http, stripe_settings, stripe_signature
from tests.donations.test_donate_page import VALID
from tests.figures import record

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="needs a server database for truly concurrent transactions",
    ),
]
__all__ = ["stripe_http", "stripe_settings"]


def deliver(url: str, notice: dict) -> int:
    payload = json.dumps(notice)
    request = urllib.request.Request(
        url,
        data=payload.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": stripe_signature(payload)},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def deliver_at_once(url: str, notices: list[dict]) -> list[int]:
    start = threading.Barrier(len(notices))
    statuses = [None] * len(notices)

    def send(position, notice):
        start.wait()
        statuses[position] = deliver(url, notice)

    threads = [threading.Thread(target=send, args=pair) for pair in enumerate(notices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_early_repeated_concurrent_out_of_order_notices_make_one_paid_donation(
    client, live_server, stripe_settings, stripe_http, mailoutbox
):
    assert connection.vendor == "postgresql"
    stripe_http.answer("POST", "/v1/checkout/sessions", "checkout_session_payment.json")
    checkout = client.post(reverse("donations:donate"), VALID)
    assert checkout.status_code == 303
    donation = Donation.objects.get()
    [checkout_request] = stripe_http.requests
    thank_you_url = checkout_request.params["success_url"]

    session = {"id": donation.provider_reference, "amount_total": donation.amount_pence}
    completed = event("event_checkout_session_completed.json", **session)
    succeeded = {
        **event("event_checkout_session_completed.json", **session),
        "id": "evt_1AsyncPaymentSucceeded0001",
        "type": "checkout.session.async_payment_succeeded",
    }
    expired_late = {
        **event("event_checkout_session_completed.json", **session),
        "id": "evt_1SessionExpired0001",
        "type": "checkout.session.expired",
    }
    webhook_url = live_server.url + reverse("donations:stripe-webhook")

    # Out of order and at the same moment: the later notice races the first.
    statuses = deliver_at_once(webhook_url, [succeeded, completed])
    # Stripe's retries: the completion five times in all, two of them at once, mixed with
    # repeats of the other notices and an expiry that arrives after the payment.
    statuses += deliver_at_once(webhook_url, [completed, completed])
    later = [completed, completed, succeeded, expired_late, expired_late]
    random.Random(9).shuffle(later)
    statuses += [deliver(webhook_url, notice) for notice in later]
    # Only now does the donor's browser come back from Checkout.
    thank_you = client.get(thank_you_url.removeprefix("http://testserver"))

    paid = Donation.objects.filter(status=Donation.Status.PAID)
    record(
        "webhook_deliveries",
        len(statuses),
        duplicate_donations=Donation.objects.count() - 1 + max(paid.count() - 1, 0),
    )
    assert statuses == [200] * 9
    assert thank_you.status_code == 200
    assert Donation.objects.count() == 1
    assert paid.count() == 1
    assert [message.to for message in mailoutbox] == [[VALID["donor_email"]]]
