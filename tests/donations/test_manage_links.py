"""An emailed link opens the donor's gifts once. The browser that used it stays signed in
for DONATIONS_MAGIC_LINK_MAX_AGE; a second use, from any browser, opens nothing."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from donations.models import Donation
from tests.donations.conftest import link_from, make_donation, open_link, request_link, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge():
    return make_donation(provider=Donation.Provider.OFFLINE, provider_reference="GIFT-1")


@pytest.fixture
def link(pledge, mailoutbox, django_capture_on_commit_callbacks):
    request_link(Client(), "ada@example.org", django_capture_on_commit_callbacks)
    return link_from(mailoutbox[0])


def cancel_url(gift) -> str:
    return reverse("donations:manage-cancel", args=[gift.pk])


def test_a_link_opens_the_gifts_once_and_a_second_browser_is_offered_a_new_link(
    client, link, pledge
):
    opened = open_link(client, link)
    again = open_link(Client(), link)

    assert opened["Location"] == reverse("donations:manage")
    assert cancel_url(pledge) in client.get(reverse("donations:manage")).text
    assert again.status_code == 410
    assert "This link has already been used" in again.text
    assert f'action="{reverse("donations:manage-request")}"' in again.text
    assert cancel_url(pledge) not in again.text


def test_a_used_link_opens_nothing_for_the_second_browser(client, link, pledge):
    open_link(client, link)
    second = Client()
    open_link(second, link)

    page = second.get(reverse("donations:manage"))
    cancel = second.post(cancel_url(pledge))

    assert page["Location"] == cancel["Location"] == reverse("donations:manage-request")
    pledge.refresh_from_db()
    assert pledge.status == Donation.Status.PENDING


def test_the_browser_that_used_the_link_stays_signed_in_until_it_expires(
    client, link, pledge, settings, monkeypatch
):
    open_link(client, link)
    opened_at = time.time()

    monkeypatch.setattr("donations.views.time.time", lambda: opened_at + 59 * 60)
    still_open = client.get(reverse("donations:manage"))
    reopened = open_link(client, link)
    monkeypatch.setattr("donations.views.time.time", lambda: opened_at + 61 * 60)
    expired = client.get(reverse("donations:manage"))

    assert settings.DONATIONS_MAGIC_LINK_MAX_AGE == 60 * 60
    assert cancel_url(pledge) in still_open.text
    # The same browser clicking the emailed link again just goes back to its gifts.
    assert reopened["Location"] == reverse("donations:manage")
    assert expired["Location"] == reverse("donations:manage-request")


def test_opening_the_link_page_alone_does_not_use_it_up(client, link):
    """Mail scanners fetch every link in a message before the donor reads it: only the
    button on the page, a POST, uses the link."""
    for _ in range(3):
        assert Client().get(link).status_code == 200

    opened = open_link(client, link)

    assert opened["Location"] == reverse("donations:manage")


def test_the_link_page_keeps_the_token_out_of_caches(link):
    page = Client().get(link)

    assert "no-store" in page["Cache-Control"]


def test_a_signed_in_donor_can_touch_no_other_donors_gift(client, stripe_http, stripe_settings):
    own = make_donation(provider=Donation.Provider.OFFLINE, provider_reference="GIFT-1")
    others = [
        make_donation(
            donor_email="grace@example.org",
            frequency=Donation.Frequency.MONTHLY,
            status=Donation.Status.PAID,
            stripe_subscription_id="sub_1TestMonthly0001",
            stripe_customer_id="cus_TestDonor0001",
        ),
        make_donation(
            donor_email="grace@example.org",
            provider=Donation.Provider.OFFLINE,
            provider_reference="GIFT-2",
        ),
        # A later payment of Ada's own gift is not managed on its own either.
        make_donation(first_donation=own, status=Donation.Status.PAID, provider_reference="in_1"),
    ]
    before = list(Donation.objects.order_by("pk").values())
    sign_in(client)

    answers = [
        client.post(reverse(f"donations:manage-{action}", args=[gift.pk]), data)
        for gift in others
        for action, data in [
            ("change-amount", {f"gift-{gift.pk}-amount": "99"}),
            ("cancel", {}),
            ("card", {}),
        ]
    ]

    assert {answer.status_code for answer in answers} == {404}
    assert list(Donation.objects.order_by("pk").values()) == before
    assert stripe_http.requests == []
