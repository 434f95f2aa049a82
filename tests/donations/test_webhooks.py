import json
import time

import pytest

from donations import webhooks
from donations.models import Donation, WebhookEvent
from tests.donations.conftest import event, make_donation, post_event, stripe_signature

pytestmark = pytest.mark.django_db


def test_checkout_completed_marks_the_gift_paid_and_sends_one_receipt(
    client, stripe_settings, mailoutbox, django_capture_on_commit_callbacks
):
    donation = make_donation()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event("event_checkout_session_completed.json"))

    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == Donation.Status.PAID
    assert donation.paid_at is not None
    assert donation.stripe_payment_intent_id == "pi_3TestPayment0001"
    assert donation.receipt_sent_at is not None
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]
    assert "£10" in mailoutbox[0].body


def test_replayed_event_changes_nothing(
    client, stripe_settings, mailoutbox, django_capture_on_commit_callbacks
):
    make_donation(
        frequency=Donation.Frequency.MONTHLY,
        provider_reference="cs_test_b1SubscriptionSession0001",
        stripe_subscription_id="sub_1TestMonthly0001",
        status=Donation.Status.PAID,
    )
    cycle = event("event_invoice_paid_cycle.json")

    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(client, cycle)
        replay = post_event(client, cycle)

    assert first.status_code == replay.status_code == 200
    assert Donation.objects.filter(provider_reference="in_1TestInvoiceCycle0002").count() == 1
    assert WebhookEvent.objects.filter(event_id=cycle["id"]).count() == 1
    assert len(mailoutbox) == 1


def test_same_invoice_in_a_new_event_is_not_counted_twice(client, stripe_settings):
    make_donation(
        frequency=Donation.Frequency.MONTHLY,
        stripe_subscription_id="sub_1TestMonthly0001",
        status=Donation.Status.PAID,
    )
    post_event(client, event("event_invoice_paid_cycle.json"))
    duplicate = event("event_invoice_paid_cycle.json")
    duplicate["id"] = "evt_1AnotherDeliveryOfSameInvoice"

    assert post_event(client, duplicate).status_code == 200
    assert Donation.objects.paid().total_pence() == 2000


@pytest.mark.parametrize(
    "signature_options",
    [
        {"secret": "whsec_not_the_right_secret"},
        {"timestamp": int(time.time()) - 10 * 60},
    ],
    ids=["bad-signature", "stale-timestamp"],
)
def test_bad_or_stale_signature_answers_400_and_changes_nothing(
    client, stripe_settings, signature_options, mailoutbox
):
    donation = make_donation()

    response = post_event(
        client, event("event_checkout_session_completed.json"), **signature_options
    )

    assert response.status_code == 400
    donation.refresh_from_db()
    assert donation.status == Donation.Status.PENDING
    assert not WebhookEvent.objects.exists()
    assert mailoutbox == []


def test_missing_signature_answers_400(client, stripe_settings):
    make_donation()
    response = client.post(
        "/donate/webhooks/stripe/",
        data=event("event_checkout_session_completed.json"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Donation.objects.paid().exists()


def test_tampered_body_answers_400(client, stripe_settings):
    make_donation()
    original = json.dumps(event("event_checkout_session_completed.json"))
    tampered = original.replace('"amount_total": 1000', '"amount_total": 1')
    response = client.post(
        "/donate/webhooks/stripe/",
        data=tampered,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(original)},
    )
    assert response.status_code == 400
    assert not Donation.objects.paid().exists()


def test_session_amount_that_differs_from_the_record_is_not_marked_paid(client, stripe_settings):
    donation = make_donation(amount_pence=5000)

    post_event(client, event("event_checkout_session_completed.json"))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.PENDING


def test_unpaid_completed_session_waits_for_async_payment(client, stripe_settings):
    donation = make_donation()

    post_event(client, event("event_checkout_session_completed.json", payment_status="unpaid"))
    donation.refresh_from_db()
    assert donation.status == Donation.Status.PENDING

    succeeded = event("event_checkout_session_completed.json", payment_status="paid")
    succeeded.update(id="evt_async_ok", type="checkout.session.async_payment_succeeded")
    post_event(client, succeeded)
    donation.refresh_from_db()
    assert donation.status == Donation.Status.PAID


def test_monthly_gift_records_each_invoice_paid_as_its_own_row(
    client, stripe_settings, mailoutbox, django_capture_on_commit_callbacks
):
    first = make_donation(
        frequency=Donation.Frequency.MONTHLY,
        provider_reference="cs_test_b1SubscriptionSession0001",
        source_article=None,
    )

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event("event_checkout_session_completed_subscription.json"))
        post_event(client, event("event_invoice_paid_first.json"))
        post_event(client, event("event_invoice_paid_cycle.json"))
        third = event(
            "event_invoice_paid_cycle.json", id="in_1TestInvoiceCycle0003", amount_paid=1500
        )
        third["id"] = "evt_1InvoicePaidCycle0003"
        post_event(client, third)

    first.refresh_from_db()
    assert first.status == Donation.Status.PAID
    assert first.stripe_subscription_id == "sub_1TestMonthly0001"
    assert first.stripe_customer_id == "cus_TestDonor0001"
    instalments = list(first.instalments.order_by("id"))
    assert [(i.provider_reference, i.amount_pence, i.status) for i in instalments] == [
        ("in_1TestInvoiceCycle0002", 1000, "paid"),
        ("in_1TestInvoiceCycle0003", 1500, "paid"),
    ]
    assert instalments[0].stripe_payment_intent_id == "pi_3TestCycle0002"
    assert Donation.objects.paid().total_pence() == 3500
    assert len(mailoutbox) == 3


def test_first_invoice_before_checkout_event_marks_the_first_gift_paid(client, stripe_settings):
    first = make_donation(
        frequency=Donation.Frequency.MONTHLY,
        provider_reference="cs_test_b1SubscriptionSession0001",
    )
    invoice = event("event_invoice_paid_first.json")
    invoice["data"]["object"]["parent"]["subscription_details"]["metadata"] = {
        "donation_id": str(first.pk)
    }

    post_event(client, invoice)
    post_event(client, event("event_checkout_session_completed_subscription.json"))

    first.refresh_from_db()
    assert first.status == Donation.Status.PAID
    assert first.stripe_subscription_id == "sub_1TestMonthly0001"
    assert Donation.objects.count() == 1


def test_charge_refunded_marks_the_gift_refunded(client, stripe_settings):
    donation = make_donation(
        status=Donation.Status.PAID, stripe_payment_intent_id="pi_3TestPayment0001"
    )

    post_event(client, event("event_charge_refunded.json"))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.REFUNDED
    assert Donation.objects.paid().total_pence() == 0


def test_part_refund_leaves_the_gift_paid(client, stripe_settings):
    donation = make_donation(
        status=Donation.Status.PAID, stripe_payment_intent_id="pi_3TestPayment0001"
    )

    post_event(client, event("event_charge_refunded.json", refunded=False, amount_refunded=500))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.PAID


def test_subscription_deleted_ends_the_monthly_gift_but_keeps_payments(client, stripe_settings):
    first = make_donation(
        frequency=Donation.Frequency.MONTHLY,
        status=Donation.Status.PAID,
        stripe_subscription_id="sub_1TestMonthly0001",
    )

    post_event(client, event("event_customer_subscription_deleted.json"))

    first.refresh_from_db()
    assert first.cancelled_at is not None
    assert first.status == Donation.Status.PAID
    assert not Donation.objects.manageable_by("ada@example.org").exists()


def test_failed_handler_leaves_event_unrecorded_so_stripe_retries(
    client, stripe_settings, monkeypatch
):
    make_donation()

    def broken(session):
        raise RuntimeError("database went away")

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", broken)
    client.raise_request_exception = False
    response = post_event(client, event("event_checkout_session_completed.json"))

    assert response.status_code == 500
    assert not WebhookEvent.objects.exists()


def test_late_completion_notice_never_revives_a_refunded_gift(client, stripe_settings, mailoutbox):
    donation = make_donation(status=Donation.Status.REFUNDED)

    post_event(client, event("event_checkout_session_completed.json"))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.REFUNDED
    assert mailoutbox == []
