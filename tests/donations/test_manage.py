import re

import pytest
from django.core import signing
from django.urls import reverse

from donations import services
from donations.models import Donation
from tests.donations.conftest import make_donation

pytestmark = pytest.mark.django_db


def request_link(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("donations:manage-request"), {"email": email})


def link_from(mail) -> str:
    return re.search(r"http://\S+", mail.body).group(0).removeprefix("http://127.0.0.1:8000")


def test_link_request_answers_the_same_whether_or_not_the_address_gives(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    make_donation(frequency=Donation.Frequency.MONTHLY, status=Donation.Status.PAID)

    known = request_link(client, "ada@example.org", django_capture_on_commit_callbacks)
    unknown = request_link(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert known.content == unknown.content
    page_known = client.get(known["Location"]).content
    page_unknown = client.get(unknown["Location"]).content
    assert page_known == page_unknown
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]


def test_magic_link_lets_the_donor_change_the_amount_of_an_offline_pledge(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = make_donation(provider=Donation.Provider.OFFLINE, provider_reference="GIFT-1")
    request_link(client, "ADA@example.org", django_capture_on_commit_callbacks)

    landing = client.get(link_from(mailoutbox[0]))
    assert landing.status_code == 302
    assert landing["Location"] == reverse("donations:manage")  # the token leaves the URL
    page = client.get(landing["Location"])
    assert "£10" in page.content.decode()

    response = client.post(
        reverse("donations:manage-change-amount", args=[pledge.pk]),
        {f"gift-{pledge.pk}-amount": "15.50"},
    )

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.amount_pence == 1550


def test_bad_new_amount_gets_a_clear_error_and_keeps_it(client):
    pledge = make_donation(provider=Donation.Provider.OFFLINE, provider_reference="GIFT-1")
    client.get(reverse("donations:manage"), {"token": services.manage_token("ada@example.org")})

    response = client.post(
        reverse("donations:manage-change-amount", args=[pledge.pk]),
        {f"gift-{pledge.pk}-amount": "0.50"},
    )

    assert response.status_code == 400
    assert "The smallest gift we can take is £1." in response.content.decode()
    assert 'value="0.50"' in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.amount_pence == 1000


def test_offline_monthly_gift_is_cancelled_locally(client):
    gift = make_donation(
        provider=Donation.Provider.OFFLINE,
        provider_reference="GIFT-1",
        frequency=Donation.Frequency.MONTHLY,
        status=Donation.Status.PAID,
    )
    client.get(reverse("donations:manage"), {"token": services.manage_token("ada@example.org")})

    client.post(reverse("donations:manage-cancel", args=[gift.pk]))

    gift.refresh_from_db()
    assert gift.cancelled_at is not None
    assert gift.status == Donation.Status.PAID


def test_stripe_monthly_gift_cancel_change_and_card_go_through_stripe(
    client, stripe_settings, stripe_http
):
    stripe_http.answer("GET", "/v1/subscriptions/sub_1TestMonthly0001", "subscription.json")
    stripe_http.answer("POST", "/v1/subscriptions/sub_1TestMonthly0001", "subscription.json")
    stripe_http.answer(
        "DELETE", "/v1/subscriptions/sub_1TestMonthly0001", "subscription_canceled.json"
    )
    stripe_http.answer("POST", "/v1/billing_portal/sessions", "billing_portal_session.json")
    gift = make_donation(
        frequency=Donation.Frequency.MONTHLY,
        status=Donation.Status.PAID,
        stripe_subscription_id="sub_1TestMonthly0001",
        stripe_customer_id="cus_TestDonor0001",
    )
    client.get(reverse("donations:manage"), {"token": services.manage_token("ada@example.org")})

    card = client.post(reverse("donations:manage-card", args=[gift.pk]))
    client.post(
        reverse("donations:manage-change-amount", args=[gift.pk]), {f"gift-{gift.pk}-amount": "20"}
    )
    client.post(reverse("donations:manage-cancel", args=[gift.pk]))

    assert card.status_code == 303
    assert card["Location"].startswith("https://billing.stripe.com/p/session/")
    portal, retrieve, update, cancel = stripe_http.requests
    assert portal.params["customer"] == "cus_TestDonor0001"
    assert (retrieve.method, update.method, cancel.method) == ("GET", "POST", "DELETE")
    assert update.params["items[0][id]"] == "si_TestItem0001"
    assert update.params["items[0][price_data][unit_amount]"] == "2000"
    assert update.params["items[0][price_data][product]"] == "prod_TestDonation0001"
    gift.refresh_from_db()
    assert gift.amount_pence == 1000  # the first payment stays what was received
    assert gift.cancelled_at is not None


def test_expired_or_forged_link_is_refused(client, settings):
    expired = signing.TimestampSigner(salt=services.MANAGE_SALT)
    forged = signing.dumps("ada@example.org", salt="another-purpose")
    settings.DONATIONS_MAGIC_LINK_MAX_AGE = -1

    for token in (services.manage_token("ada@example.org"), forged, "junk", expired.sign("x")):
        response = client.get(reverse("donations:manage"), {"token": token})
        assert response["Location"] == reverse("donations:manage-request")


def test_one_donor_cannot_touch_another_donors_gift(client):
    other = make_donation(
        donor_email="grace@example.org",
        provider=Donation.Provider.OFFLINE,
        provider_reference="GIFT-2",
    )
    client.get(reverse("donations:manage"), {"token": services.manage_token("ada@example.org")})

    response = client.post(reverse("donations:manage-cancel", args=[other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Donation.Status.PENDING


def test_manage_page_without_a_link_sends_the_donor_to_ask_for_one(client):
    response = client.get(reverse("donations:manage"))

    assert response["Location"] == reverse("donations:manage-request")


def test_abandoned_stripe_checkout_is_not_offered_for_management(client):
    make_donation(frequency=Donation.Frequency.MONTHLY, status=Donation.Status.PENDING)
    client.get(reverse("donations:manage"), {"token": services.manage_token("ada@example.org")})

    page = client.get(reverse("donations:manage")).content.decode()

    assert "You have no monthly gifts or unpaid pledges to manage." in page
