import pytest
from django.urls import reverse

from donations.models import Donation
from tests.donations.test_donate_page import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout_stub(stripe_http):
    stripe_http.answer("POST", "/v1/checkout/sessions", "checkout_session_payment.json")
    return stripe_http


def test_one_off_gift_redirects_to_a_checkout_session_built_from_the_record(
    client, stripe_settings, checkout_stub
):
    response = client.post(reverse("donations:donate"), VALID)

    donation = Donation.objects.get()
    assert response.status_code == 303
    assert response["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_a1")
    assert donation.provider == Donation.Provider.STRIPE
    assert donation.provider_reference == "cs_test_a1PaymentSession0001"
    assert donation.status == Donation.Status.PENDING
    [request] = checkout_stub.requests
    assert request.method == "POST"
    assert request.path == "/v1/checkout/sessions"
    assert request.headers["Authorization"] == "Bearer sk_test_stub"
    assert request.headers["Idempotency-Key"] == f"donation-{donation.pk}-checkout"
    assert request.params["mode"] == "payment"
    assert request.params["line_items[0][price_data][unit_amount]"] == "2500"
    assert request.params["line_items[0][price_data][currency]"] == "gbp"
    assert request.params["payment_method_types[0]"] == "card"
    assert request.params["metadata[donation_id]"] == str(donation.pk)
    assert request.params["success_url"].startswith("http://testserver/donate/thank-you/?gift=")


def test_client_cannot_set_the_amount_sent_to_stripe(client, stripe_settings, checkout_stub):
    forged = {
        **VALID,
        "amount": "5",
        "amount_pence": "1",
        "unit_amount": "1",
        "line_items[0][price_data][unit_amount]": "1",
    }

    client.post(reverse("donations:donate"), forged)

    donation = Donation.objects.get()
    assert donation.amount_pence == 500
    [request] = checkout_stub.requests
    assert request.params["line_items[0][price_data][unit_amount]"] == "500"


def test_monthly_gift_makes_a_subscription_session_with_card_and_direct_debit(
    client, stripe_settings, stripe_http
):
    stripe_http.answer("POST", "/v1/checkout/sessions", "checkout_session_subscription.json")

    client.post(reverse("donations:donate"), {**VALID, "frequency": "monthly", "amount": "10"})

    donation = Donation.objects.get()
    params = stripe_http.requests[0].params
    assert donation.frequency == Donation.Frequency.MONTHLY
    assert params["mode"] == "subscription"
    assert params["line_items[0][price_data][unit_amount]"] == "1000"
    assert params["line_items[0][price_data][recurring][interval]"] == "month"
    assert params["payment_method_types[0]"] == "card"
    assert params["payment_method_types[1]"] == "bacs_debit"
    assert params["subscription_data[metadata][donation_id]"] == str(donation.pk)


def test_return_from_checkout_alone_never_marks_a_gift_paid(
    client, stripe_settings, checkout_stub, mailoutbox
):
    redirect = client.post(reverse("donations:donate"), VALID)
    assert redirect.status_code == 303
    success_url = checkout_stub.requests[0].params["success_url"]

    response = client.get(success_url.removeprefix("http://testserver"))

    assert "is processing" in response.content.decode()
    assert Donation.objects.get().status == Donation.Status.PENDING
    assert mailoutbox == []


def test_stripe_refusal_shows_an_error_keeps_values_and_takes_nothing(
    client, stripe_settings, stripe_http
):
    response = client.post(reverse("donations:donate"), VALID)  # no stubbed answer: a 404

    html = response.content.decode()
    assert response.status_code == 502
    assert "We could not reach the payment service" in html
    assert 'value="Ada Lovelace"' in html
    assert Donation.objects.get().status == Donation.Status.FAILED
