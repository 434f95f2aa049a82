import threading

import pytest
from django.db import connection, connections
from django.test import Client

from donations.models import Donation, WebhookEvent
from tests.donations.conftest import event, make_donation, post_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="needs a server database for truly concurrent transactions",
    ),
]


def test_duplicate_deliveries_at_the_same_moment_count_once(stripe_settings, mailoutbox):
    assert connection.vendor == "postgresql"
    make_donation(
        frequency=Donation.Frequency.MONTHLY,
        status=Donation.Status.PAID,
        stripe_subscription_id="sub_1TestMonthly0001",
    )
    cycle = event("event_invoice_paid_cycle.json")
    # The same invoice twice more under another event id, as a second endpoint would get it.
    redelivery = {**cycle, "id": "evt_1InvoicePaidCycleRedelivered"}
    deliveries = [cycle, cycle, redelivery, redelivery]
    start = threading.Barrier(4)
    statuses = []

    def deliver(delivery):
        try:
            start.wait()
            statuses.append(post_event(Client(), delivery).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=[d]) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 4
    assert WebhookEvent.objects.count() == 2
    assert Donation.objects.filter(provider_reference="in_1TestInvoiceCycle0002").count() == 1
    assert len(mailoutbox) == 1
