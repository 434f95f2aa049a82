"""A donor is found by the normalised form of their address, and the link goes only to
the address they gave: a look-alike typed into the form never reaches their gifts."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from donations.forms import ManageLinkForm
from donations.models import Donation
from tests.donations.conftest import link_from, make_donation, open_link, request_link
from tests.figures import LOOKALIKE_CASES
from tests.lookalikes import lookalikes

pytestmark = pytest.mark.django_db

DONOR = "kristin@gmail.com"
LOOKALIKES = lookalikes(DONOR)


def monthly_gift(email=DONOR, **overrides) -> Donation:
    return make_donation(
        donor_email=email,
        frequency=Donation.Frequency.MONTHLY,
        status=Donation.Status.PAID,
        provider=Donation.Provider.OFFLINE,
        provider_reference=f"SO-{email}",
        **overrides,
    )


@pytest.mark.parametrize("lookalike", LOOKALIKES, ids=[entry.why for entry in LOOKALIKES])
def test_a_lookalike_address_gets_a_link_only_if_it_is_the_same_mailbox(
    client, mailoutbox, lookalike, django_capture_on_commit_callbacks
):
    gift = monthly_gift()

    response = request_link(client, lookalike.address, django_capture_on_commit_callbacks)

    assert response.status_code in (200, 302)
    sent_to = [message.to for message in mailoutbox]
    if lookalike.same_mailbox:
        ok = sent_to == [[DONOR]]
        if ok:
            open_link(client, link_from(mailoutbox[0]))
            ok = f"/donate/manage/{gift.pk}/cancel/" in client.get(reverse("donations:manage")).text
    else:
        ok = sent_to == []
    assert LOOKALIKE_CASES.count(ok=ok), f"{lookalike.why}: mail sent to {sent_to}"


@pytest.mark.parametrize(
    "lookalike",
    [entry for entry in LOOKALIKES if not entry.same_mailbox],
    ids=[entry.why for entry in LOOKALIKES if not entry.same_mailbox],
)
def test_the_owner_of_a_lookalike_address_manages_only_their_own_gifts(
    client, mailoutbox, lookalike, django_capture_on_commit_callbacks
):
    """Someone who gave from the look-alike address (a domain anyone can register) gets a
    link to their own gifts, and it opens none of the donor's. (An address the forms
    refuse, such as one with a combining mark, gets no link at all.)"""
    theirs = monthly_gift(lookalike.address)
    gift = monthly_gift()
    is_an_address = ManageLinkForm({"email": lookalike.address}).is_valid()

    request_link(client, lookalike.address, django_capture_on_commit_callbacks)
    sent_to = [message.to for message in mailoutbox]
    if mailoutbox:
        open_link(client, link_from(mailoutbox[0]))
    page = client.get(reverse("donations:manage"), follow=True).text
    cancel = client.post(reverse("donations:manage-cancel", args=[gift.pk]))
    change = client.post(
        reverse("donations:manage-change-amount", args=[gift.pk]), {f"gift-{gift.pk}-amount": "1"}
    )

    gift.refresh_from_db()
    ok = (
        sent_to == ([[lookalike.address]] if is_an_address else [])
        and (f"/donate/manage/{theirs.pk}/cancel/" in page) == is_an_address
        and f"/donate/manage/{gift.pk}/" not in page
        and {cancel.status_code, change.status_code} <= {302, 404}
        and (gift.cancelled_at, gift.amount_pence) == (None, 1000)
    )
    assert LOOKALIKE_CASES.count(ok=ok), lookalike.why


def test_saving_a_gift_keeps_the_key_of_its_address_in_step():
    gift = monthly_gift("Kristin@GMAIL.com")
    assert gift.donor_email_key == DONOR

    gift.donor_email = "\uff52\uff4f\uff53\uff41@Example.org"
    gift.save(update_fields=["donor_email"])

    assert Donation.objects.get(pk=gift.pk).donor_email_key == "rosa@example.org"


def test_the_migration_keys_the_gifts_already_stored():
    migration = importlib.import_module("donations.migrations.0002_donation_donor_email_key")
    for email in (DONOR, "Ada@Example.org", "not-an-address"):
        monthly_gift(email)
    Donation.objects.update(donor_email_key="")

    migration.key_existing_donations(apps, None)

    keys = {gift.donor_email: gift.donor_email_key for gift in Donation.objects.all()}
    assert keys == {DONOR: DONOR, "Ada@Example.org": "ada@example.org", "not-an-address": ""}
