from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from donations.models import Appeal, Donation
from tests.donations.conftest import make_donation
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

VALID = {
    "frequency": "one-off",
    "amount": "25",
    "other_amount": "",
    "donor_name": "Ada Lovelace",
    "donor_email": "ada@example.org",
    "message": "",
}


def make_appeal(**overrides) -> Appeal:
    values = {
        "title": "Help fund the resistance",
        "slug": "fund-the-resistance",
        "target_pence": 500_000,
        "starts_at": timezone.now() - timedelta(days=1),
    }
    values.update(overrides)
    return Appeal.objects.create(**values)


def test_donate_page_shows_presets_frequency_and_progress(client, django_assert_max_num_queries):
    appeal = make_appeal()
    make_donation(appeal=appeal, amount_pence=125_000, status=Donation.Status.PAID)
    make_donation(appeal=appeal, amount_pence=99_900, provider_reference="cs_pending")

    client.get(reverse("donations:donate"))  # warms the cached appeal the site chrome shows

    # One query for the appeal and its total; the rest is the shared header and footer.
    with django_assert_max_num_queries(4):
        response = client.get(reverse("donations:donate"))

    html = response.content.decode()
    assert response.status_code == 200
    for label in ("£5", "£10", "£25", "£50", "Other", "One-off", "Monthly"):
        assert label in html
    assert '<progress max="500000" value="125000"' in html
    assert "£1,250</strong> raised of our <strong>£5,000" in html
    assert "I want to Gift Aid my donation" in html
    assert "csrfmiddlewaretoken" in html


def test_appeal_page_by_slug_and_unknown_or_ended_appeal_is_404(client):
    make_appeal()
    make_appeal(slug="old", ends_at=timezone.now() - timedelta(hours=1))

    assert client.get("/donate/fund-the-resistance/").status_code == 200
    assert client.get("/donate/old/").status_code == 404
    assert client.get("/donate/nope/").status_code == 404


@pytest.mark.parametrize(
    ("other_amount", "message"),
    [
        ("0.99", "The smallest gift we can take is £1."),
        ("10000.01", "The largest gift we can take online is £10,000"),
        ("12.345", "Use at most two decimal places (pence)."),
        ("ten", "Enter the amount in pounds, like 12 or 12.50."),
        ("NaN", "Enter the amount in pounds, like 12 or 12.50."),
        ("", "Enter an amount."),
    ],
)
def test_bad_other_amount_gets_a_clear_error_and_keeps_values(client, other_amount, message):
    data = {**VALID, "amount": "other", "other_amount": other_amount, "message": "Solidarity"}

    response = client.post(reverse("donations:donate"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'value="{other_amount}"' in html or other_amount == ""
    assert 'value="Ada Lovelace"' in html
    assert 'value="ada@example.org"' in html
    assert "Solidarity" in html
    assert not Donation.objects.exists()


@pytest.mark.parametrize(
    ("typed", "pence"), [("1", 100), ("12.5", 1250), ("£1,000.05", 100_005), ("10000", 1_000_000)]
)
def test_other_amount_is_parsed_to_exact_pence(client, typed, pence):
    client.post(reverse("donations:donate"), {**VALID, "amount": "other", "other_amount": typed})

    assert Donation.objects.get().amount_pence == pence


def test_gift_aid_needs_address_and_valid_uk_postcode_only_when_ticked(client):
    ticked = {**VALID, "is_gift_aid": "on", "home_address": "", "postcode": "12345"}

    response = client.post(reverse("donations:donate"), ticked)

    html = response.content.decode()
    assert "Gift Aid needs your home address" in html
    assert "Enter a valid UK postcode, like SW1A 1AA" in html
    assert 'value="12345"' in html
    assert not Donation.objects.exists()

    response = client.post(reverse("donations:donate"), {**VALID, "postcode": "12345"})
    assert response.status_code == 302
    assert Donation.objects.get().postcode == ""


def test_gift_aid_declaration_is_recorded_with_its_version(client):
    data = {**VALID, "is_gift_aid": "on", "home_address": "12 Marx Street", "postcode": "n19gu"}

    client.post(reverse("donations:donate"), data)

    donation = Donation.objects.get()
    assert donation.is_gift_aid
    assert donation.postcode == "N1 9GU"
    assert donation.gift_aid_declaration_version == "2024-1"
    assert donation.gift_aid_declared_at is not None


def test_offline_pledge_is_pending_with_bank_details_and_source_article(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.DONATIONS_BANK_SORT_CODE = "08-92-99"
    appeal = make_appeal()
    article = ArticleFactory()

    response = client.post(
        reverse("donations:donate"), {**VALID, "source": article.slug}, follow=True
    )

    donation = Donation.objects.get()
    assert donation.status == Donation.Status.PENDING
    assert donation.provider == Donation.Provider.OFFLINE
    assert donation.appeal == appeal
    assert donation.source_article == article
    assert donation.provider_reference == f"GIFT-{donation.pk:06d}"
    html = response.content.decode()
    assert "08-92-99" in html
    assert donation.provider_reference in html
    assert "make a bank transfer" in html


def test_unknown_source_article_is_ignored(client):
    client.post(reverse("donations:donate"), {**VALID, "source": "no-such-article"})

    assert Donation.objects.get().source_article is None


def test_donation_form_is_rate_limited_and_keeps_values(client, settings):
    settings.DONATIONS_RATELIMIT = "2/m"
    for _ in range(2):
        client.post(reverse("donations:donate"), VALID)

    response = client.post(reverse("donations:donate"), VALID)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert 'value="Ada Lovelace"' in response.content.decode()
    assert Donation.objects.count() == 2


def test_donate_form_requires_csrf():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("donations:donate"), VALID)

    assert response.status_code == 403
    assert not Donation.objects.exists()


def test_thank_you_rejects_a_forged_token(client):
    donation = make_donation()

    response = client.get(reverse("donations:thank-you"), {"gift": str(donation.pk)})

    assert response.status_code == 404


def test_donate_page_lets_its_form_redirect_to_stripe_checkout(client):
    policy = client.get(reverse("donations:donate"))["Content-Security-Policy"]

    form_action = next(p for p in policy.split(";") if p.strip().startswith("form-action"))
    assert "'self'" in form_action
    assert "https://checkout.stripe.com" in form_action
