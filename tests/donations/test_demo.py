import pytest

from donations.context_processors import current_appeal
from donations.demo import load_demo_donations
from donations.models import Donation
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_demo_donations_fill_an_appeal_once_and_credit_articles():
    ArticleFactory.create_batch(3)

    appeal = load_demo_donations()
    load_demo_donations()

    assert appeal.donations.count() == 5
    assert Donation.objects.filter(source_article__isnull=False).count() == 3
    assert current_appeal()["paid_total_pence"] == 1_090_00
    assert current_appeal()["title"] == "Help fund the resistance"
