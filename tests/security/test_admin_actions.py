"""Admin actions run only for people with the permission each declares: someone who may
only look at donations or editions cannot mark a gift paid, export donors or send an
edition, and a writer cannot queue PDF renders."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from donations.models import Donation
from issues.models import PrintPdf
from newsletter.models import Delivery, Edition, Newsletter, Subscriber, Subscription
from tests.articles.roles import client_for, make_user
from tests.factories import ArticleFactory, IssueFactory

pytestmark = pytest.mark.django_db


def run_action(client, model, action, objects):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(url, {"action": action, "_selected_action": [o.pk for o in objects]})


def staff_with(*codenames, name="looker"):
    user = User.objects.create_user(name, f"{name}@example.org", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def looker():
    return client_for(staff_with("view_donation", "view_edition"))


def a_pledge(reference, **fields):
    return Donation.objects.create(
        donor_name="Ada Lovelace", donor_email="ada@example.org", amount_pence=2500,
        provider="offline", provider_reference=reference, home_address="1 Rose Lane",
        postcode="N1 1AA", **fields,
    )  # fmt: skip


@pytest.mark.parametrize("action", ["mark_as_paid", "record_standing_order_payment"])
def test_someone_who_may_only_view_donations_records_no_payment(
    looker, action, mailoutbox, django_capture_on_commit_callbacks
):
    pledge = a_pledge("OFF-1", status="pending")
    monthly = a_pledge("OFF-2", status="paid", frequency="monthly", paid_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        run_action(looker, Donation, action, [pledge, monthly])
    assert list(Donation.objects.order_by("pk").values_list("status", flat=True)) == [
        "pending",
        "paid",
    ]
    assert mailoutbox == []


@pytest.mark.parametrize("action", ["export_csv", "export_gift_aid_claim"])
def test_someone_who_may_only_view_donations_exports_nothing(looker, action):
    gift = a_pledge("OFF-1", status="paid", is_gift_aid=True, paid_at=timezone.now())
    response = run_action(looker, Donation, action, [gift])
    assert "Content-Disposition" not in response
    assert not response["Content-Type"].startswith("text/csv")

    handler = client_for(staff_with("view_donation", "change_donation", name="handler"))
    response = run_action(handler, Donation, action, [gift])
    assert response["Content-Type"].startswith("text/csv")
    assert "Lovelace" in response.content.decode()


@pytest.mark.parametrize("action", ["send_now", "schedule", "send_test_to_me"])
def test_someone_who_may_only_view_editions_sends_nothing(
    looker, action, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter, _ = Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    subscriber = Subscriber.objects.create(email="r@example.org", confirmed_at=timezone.now())
    Subscription.objects.create(subscriber=subscriber, newsletter=newsletter, status="active")
    edition = Edition.objects.create(
        newsletter=newsletter, subject="Today", send_at=timezone.now() + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_action(looker, Edition, action, [edition])
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT
    assert not Delivery.objects.exists()
    assert mailoutbox == []


def test_a_writer_queues_no_pdf_render(django_capture_on_commit_callbacks):
    issue = IssueFactory()
    ArticleFactory(issue=issue, print_page=1)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client_for(make_user("writer")), issue, "rerender_pdf", [issue])
    assert not PrintPdf.objects.exists()
