import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from donations.context_processors import current_appeal
from donations.models import Donation
from tests.donations.conftest import make_donation
from tests.donations.test_donate_page import make_appeal
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_article_page_call_to_action_shows_slogan_progress_and_attribution_link(client):
    appeal = make_appeal(target_pence=100_000)
    make_donation(appeal=appeal, amount_pence=25_000, status=Donation.Status.PAID)
    article = ArticleFactory(slug="whats-behind-the-revolt-in-kazakhstan")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Make a donation to The Red Weekly" in html
    assert "Help fund the resistance" in html
    assert '<progress max="100000" value="25000"' in html
    assert 'href="/donate/fund-the-resistance/?from=whats-behind-the-revolt-in-kazakhstan"' in html


def test_following_the_call_to_action_records_the_article(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    make_appeal()
    article = ArticleFactory()
    page = client.get(
        reverse("donations:appeal", args=["fund-the-resistance"]), {"from": article.slug}
    )
    assert f'value="{article.slug}"' in page.content.decode()

    client.post(
        reverse("donations:appeal", args=["fund-the-resistance"]),
        {
            "frequency": "one-off",
            "amount": "5",
            "donor_name": "Ada Lovelace",
            "donor_email": "ada@example.org",
            "source": article.slug,
        },
    )

    assert Donation.objects.get().source_article == article


def test_call_to_action_without_an_appeal_still_links_to_the_donation_page():
    html = render_to_string(
        "_partials/donation-cta.html", {"SITE_NAME": "The Red Weekly", "donation_appeal": None}
    )

    assert "Help fund the resistance" in html
    assert 'href="/donate/"' in html
    assert "<progress" not in html


def test_current_appeal_is_cached_so_steady_state_costs_no_query(django_assert_num_queries):
    appeal = make_appeal(target_pence=1000)
    make_donation(appeal=appeal, amount_pence=2500, status=Donation.Status.PAID)

    with django_assert_num_queries(1):
        first = current_appeal()
    with django_assert_num_queries(0):
        again = current_appeal()

    assert first == again
    assert first["paid_total_pence"] == 2500
    assert first["percent"] == 100  # over target, the bar is full


def test_no_running_appeal_is_cached_too(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert current_appeal() is None
    with django_assert_num_queries(0):
        assert current_appeal() is None
