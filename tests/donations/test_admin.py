import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from donations.admin import house_name_or_number, split_name
from donations.models import Donation
from tests.donations.test_donate_page import VALID, make_appeal
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:donations_donation_changelist"
LONDON = ZoneInfo("Europe/London")


def run_action(admin_client, action, donations):
    return admin_client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [d.pk for d in donations]},
    )


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_offline_flow_end_to_end_pledge_admin_marks_paid_receipt(
    client, admin_client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.STRIPE_SECRET_KEY = ""
    client.post(reverse("donations:donate"), VALID)
    pledge = Donation.objects.get()
    assert pledge.status == Donation.Status.PENDING
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client, "mark_as_paid", [pledge])
        run_action(admin_client, "mark_as_paid", [pledge])  # a second click sends nothing more

    pledge.refresh_from_db()
    assert pledge.status == Donation.Status.PAID
    assert pledge.paid_at is not None
    [receipt] = mailoutbox
    assert receipt.to == ["ada@example.org"]
    assert receipt.subject == "Your donation receipt from The Red Weekly"
    assert "£25" in receipt.body
    assert pledge.provider_reference in receipt.body
    assert "£25" in receipt.alternatives[0].content


def test_changelist_totals_follow_the_filters(admin_client):
    make = Donation.objects.create
    base = {"donor_name": "A B", "donor_email": "a@example.org", "provider": "offline"}
    make(amount_pence=1000, status="paid", **base)
    make(amount_pence=2550, status="paid", frequency="monthly", **base)
    make(amount_pence=700, status="pending", **base)

    everything = admin_client.get(reverse(CHANGELIST)).content.decode()
    monthly = admin_client.get(reverse(CHANGELIST), {"frequency__exact": "monthly"})

    assert "<strong>3</strong> donations shown, totalling <strong>£42.50</strong>" in everything
    assert "paid: <strong>2</strong> totalling <strong>£35.50</strong>" in everything
    assert "<strong>1</strong> donation shown, totalling <strong>£25.50</strong>" in (
        monthly.content.decode()
    )


def test_changelist_filters_by_source_article_and_appeal(admin_client):
    article = ArticleFactory(headline="Kazakhstan revolt")
    appeal = make_appeal()
    Donation.objects.create(
        amount_pence=500,
        donor_name="Ada Lovelace",
        donor_email="a@example.org",
        provider="offline",
        source_article=article,
        appeal=appeal,
    )
    Donation.objects.create(
        amount_pence=900, donor_name="Grace Hopper", donor_email="g@example.org", provider="offline"
    )

    response = admin_client.get(
        reverse(CHANGELIST),
        {"source_article__id__exact": article.pk, "appeal__id__exact": appeal.pk},
    )

    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "Grace Hopper" not in html


def test_csv_export_has_every_selected_gift(admin_client):
    article = ArticleFactory(slug="whats-behind-the-revolt")
    gift = Donation.objects.create(
        amount_pence=1050,
        donor_name="=HYPERLINK(evil)",
        donor_email="ada@example.org",
        provider="stripe",
        provider_reference="cs_test_1",
        status="paid",
        source_article=article,
    )

    response = run_action(admin_client, "export_csv", [gift])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, row = rows(response)
    record = dict(zip(header, row, strict=True))
    assert record["Amount (GBP)"] == "10.50"
    assert record["Status"] == "paid"
    assert record["Source article"] == "whats-behind-the-revolt"
    assert record["Donor name"] == "'=HYPERLINK(evil)"  # no formula in a spreadsheet
    assert record["Provider reference"] == "cs_test_1"


def test_gift_aid_export_has_hmrc_schedule_columns_and_only_paid_gift_aid_gifts(admin_client):
    paid_at = datetime(2026, 3, 5, 23, 30, tzinfo=ZoneInfo("UTC"))  # 5 March in London
    base = {"donor_email": "d@example.org", "provider": "offline"}
    claim = Donation.objects.create(
        amount_pence=2500,
        donor_name="Dr Jane Ann Smith",
        is_gift_aid=True,
        home_address="12 Marx Street, London",
        postcode="N1 9GU",
        status="paid",
        paid_at=paid_at,
        **base,
    )
    unpaid = Donation.objects.create(
        amount_pence=900, donor_name="X Y", is_gift_aid=True, postcode="N1 9GU", **base
    )
    no_gift_aid = Donation.objects.create(
        amount_pence=900, donor_name="Z Y", status="paid", paid_at=paid_at, **base
    )

    response = run_action(admin_client, "export_gift_aid_claim", [claim, unpaid, no_gift_aid])

    assert rows(response) == [
        [
            "Title",
            "First name",
            "Last name",
            "House name or number",
            "Postcode",
            "Aggregated donations",
            "Sponsored event",
            "Donation date",
            "Amount",
        ],
        ["Dr", "Jane", "Smith", "12", "N1 9GU", "", "", "05/03/26", "25.00"],
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ada Lovelace", ("", "Ada", "Lovelace")),
        ("Mrs. Ada King Lovelace", ("Mrs", "Ada", "Lovelace")),
        ("Cher", ("", "Cher", "")),
        ("Ms Smith", ("", "Ms", "Smith")),
    ],
)
def test_split_name(name, expected):
    assert split_name(name) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("12 Marx Street", "12"),
        ("Flat 3, 12 Marx Street", "Flat 3"),
        ("Rose Cottage, Mill Lane", "Rose Cottage"),
        ("12a\nHigh Road", "12a"),
    ],
)
def test_house_name_or_number(address, expected):
    assert house_name_or_number(address) == expected


def test_appeal_list_shows_what_each_appeal_has_raised(admin_client):
    appeal = make_appeal()
    Donation.objects.create(
        appeal=appeal,
        amount_pence=123_456,
        status="paid",
        donor_name="A B",
        donor_email="a@example.org",
        provider="offline",
    )

    html = admin_client.get(reverse("admin:donations_appeal_changelist")).content.decode()

    assert "£1,234.56" in html
    assert "£5,000" in html


def test_standing_order_payment_is_recorded_once_a_month_with_a_receipt(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    gift = Donation.objects.create(
        amount_pence=1200,
        frequency="monthly",
        status="paid",
        donor_name="Ada Lovelace",
        donor_email="ada@example.org",
        provider="offline",
        provider_reference="GIFT-000001",
    )

    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client, "record_standing_order_payment", [gift])
        run_action(admin_client, "record_standing_order_payment", [gift])

    [instalment] = gift.instalments.all()
    assert instalment.status == Donation.Status.PAID
    assert instalment.amount_pence == 1200
    assert instalment.provider_reference.startswith("GIFT-000001-20")
    assert len(mailoutbox) == 1
