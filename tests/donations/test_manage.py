import pytest
from django.core import signing
from django.urls import reverse

from donations import services
from donations.models import Donation
from tests.donations.conftest import link_from, make_donation, open_link, request_link, sign_in

pytestmark = pytest.mark.django_db


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

    landing = open_link(client, link_from(mailoutbox[0]))
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
    sign_in(client)

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
    sign_in(client)

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
    sign_in(client)

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


def test_expired_forged_or_unknown_link_is_refused(client, settings):
    sign = signing.TimestampSigner(salt=services.MANAGE_SALT)
    forged = signing.dumps({"key": "ada@example.org"}, salt="another-purpose")
    unknown = signing.dumps({"key": "ada@example.org", "link": "made-up"}, salt=sign.salt)
    old_style = signing.dumps("ada@example.org", salt=services.MANAGE_SALT)
    made = services.manage_token("ada@example.org")

    def refused(token):
        answers = [
            method(reverse("donations:manage-open"), {"token": token})
            for method in (client.get, client.post)
        ]
        return all(a["Location"] == reverse("donations:manage-request") for a in answers)

    assert all(refused(token) for token in (forged, unknown, old_style, "junk", sign.sign("x")))
    settings.DONATIONS_MAGIC_LINK_MAX_AGE = -1
    assert refused(made)


def test_one_donor_cannot_touch_another_donors_gift(client):
    other = make_donation(
        donor_email="grace@example.org",
        provider=Donation.Provider.OFFLINE,
        provider_reference="GIFT-2",
    )
    sign_in(client)

    response = client.post(reverse("donations:manage-cancel", args=[other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Donation.Status.PENDING


def test_manage_page_without_a_link_sends_the_donor_to_ask_for_one(client):
    response = client.get(reverse("donations:manage"))

    assert response["Location"] == reverse("donations:manage-request")


def test_abandoned_stripe_checkout_is_not_offered_for_management(client):
    make_donation(frequency=Donation.Frequency.MONTHLY, status=Donation.Status.PENDING)
    sign_in(client)

    page = client.get(reverse("donations:manage")).content.decode()

    assert "You have no monthly gifts or unpaid pledges to manage." in page
