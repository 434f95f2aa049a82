import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from donations import services
from donations.models import Donation, ManageLink, WebhookEvent
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


def test_a_link_used_twice_at_the_same_moment_opens_one_browser():
    make_donation(provider=Donation.Provider.OFFLINE, provider_reference="GIFT-1")
    token = services.manage_token("ada@example.org")
    start = threading.Barrier(4)
    answers = []

    def use_link():
        try:
            start.wait()
            browser = Client()
            answer = browser.post(reverse("donations:manage-open"), {"token": token})
            answers.append(
                (answer.status_code, browser.get(reverse("donations:manage")).status_code)
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use_link) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One browser opens the gifts page; the three others are told the link is used.
    assert sorted(answers) == [(302, 200), (410, 302), (410, 302), (410, 302)]
    assert ManageLink.objects.filter(used_at__isnull=False).count() == 1
