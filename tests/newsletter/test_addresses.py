"""Addresses are compared by their normalised key (mailboxes.addresses): a look-alike of a
reader's address never blocks, finds or suppresses them unless it is their mailbox."""

import base64
import importlib
import json

import pytest
from django.urls import reverse

from newsletter.models import Subscriber
from tests.figures import LOOKALIKE_CASES
from tests.lookalikes import lookalikes

pytestmark = pytest.mark.django_db

REAL = "kristin@mail.example.org"
SIGNUP_URL = reverse("newsletter:subscribe")


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    def post(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGNUP_URL, {"email": email})

    return post


def test_a_lookalike_signup_neither_fails_nor_blocks_the_real_address(
    sign_up, smtp_server, settings
):
    settings.NEWSLETTER_SIGNUP_RATE_IP = settings.NEWSLETTER_SIGNUP_RATE_EMAIL = "1000/h"
    for lookalike in lookalikes(REAL):
        Subscriber.objects.all().delete()
        smtp_server.messages.clear()

        first = sign_up(lookalike.address).status_code
        second = sign_up(REAL).status_code
        subscribers = list(Subscriber.objects.order_by("created_at"))
        real = Subscriber.objects.for_email(REAL).get()
        if lookalike.same_mailbox or first == 400:
            # The same mailbox (or an address refused outright): one subscriber, one email.
            ok = len(subscribers) == 1 and len(smtp_server.messages) == 1
        else:
            ok = (
                len(subscribers) == 2
                and real.email == REAL
                and subscribers[0].email == lookalike.address
                and smtp_server.recipients.count(REAL) == 1
            )
        ok = ok and first in (302, 400) and second == 302 and real in subscribers
        assert LOOKALIKE_CASES.count(ok=ok), (lookalike, first, second, subscribers)


def test_mail_goes_to_the_stored_address_never_to_the_one_typed(sign_up, smtp_server):
    sign_up(REAL)
    Subscriber.objects.update(confirmation_sent_at=None)
    smtp_server.messages.clear()

    sign_up("KRISTIN@MAIL.EXAMPLE.ORG")

    assert smtp_server.recipients == [REAL]
    assert Subscriber.objects.get().email == REAL


def test_a_lookalike_finds_the_subscriber_only_when_it_is_their_mailbox(make_subscriber):
    reader = make_subscriber(REAL)
    for lookalike in lookalikes(REAL):
        found = list(Subscriber.objects.for_email(lookalike.address))
        expected = [reader] if lookalike.same_mailbox else []
        assert LOOKALIKE_CASES.count(ok=found == expected), lookalike


def test_a_bounce_for_a_lookalike_suppresses_only_the_same_mailbox(
    client, make_subscriber, settings
):
    secret = "anymail:s3cret-for-tests"
    settings.ANYMAIL = {"WEBHOOK_SECRET": secret}
    auth = "Basic " + base64.b64encode(secret.encode()).decode()
    reader = make_subscriber(REAL)
    for lookalike in lookalikes(REAL):
        Subscriber.objects.update(suppressed_at=None)
        bounce = {
            "RecordType": "Bounce",
            "Type": "HardBounce",
            "ID": 1,
            "Email": lookalike.address,
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "BouncedAt": "2026-01-05T16:33:54Z",
        }
        response = client.post(
            "/newsletters/webhooks/postmark/tracking/",
            json.dumps(bounce),
            content_type="application/json",
            headers={"authorization": auth},
        )
        reader.refresh_from_db()
        suppressed = reader.suppressed_at is not None
        ok = response.status_code == 200 and suppressed == lookalike.same_mailbox
        assert LOOKALIKE_CASES.count(ok=ok), lookalike


def test_bulk_created_subscribers_are_keyed():
    Subscriber.objects.bulk_create(Subscriber(email=f"Reader{n}@Example.org") for n in range(3))
    assert sorted(Subscriber.objects.values_list("email_key", flat=True)) == [
        "reader0@example.org",
        "reader1@example.org",
        "reader2@example.org",
    ]
    assert Subscriber.objects.for_email("READER1@example.org").get().email == "Reader1@Example.org"


def test_the_migration_merges_spellings_of_one_mailbox_into_the_oldest(daily):
    from datetime import timedelta

    from django.apps import apps
    from django.utils import timezone

    from newsletter.models import Newsletter, Subscription

    migration = importlib.import_module("newsletter.migrations.0004_key_existing_subscribers")
    weekly = Newsletter.objects.create(name="The Weekly", slug="weekly")
    now = timezone.now()

    def stored(email, age_days, **fields):
        subscriber = Subscriber.objects.create(email=email, **fields)
        # As the old schema left them: no key, so the spellings can sit side by side.
        Subscriber.objects.filter(pk=subscriber.pk).update(
            email_key="", created_at=now - timedelta(days=age_days)
        )
        return subscriber

    oldest = stored('"bomb"@example.org', 30)
    Subscription.objects.create(subscriber=oldest, newsletter=daily, status="pending")
    confirmed = stored("bomb@example.org", 20, confirmed_at=now - timedelta(days=20))
    Subscription.objects.create(subscriber=confirmed, newsletter=daily, status="active")
    Subscription.objects.create(subscriber=confirmed, newsletter=weekly, status="active")
    bounced = stored("BOMB@example.org", 10, suppressed_at=now, suppression_reason="bounced")
    other = stored("other@example.org", 5)

    migration.key_subscribers(apps, None)

    kept = Subscriber.objects.get(email_key="bomb@example.org")
    assert kept.pk == oldest.pk and kept.email == '"bomb"@example.org'
    assert kept.confirmed_at == confirmed.confirmed_at, "The confirmation proved the mailbox"
    assert kept.suppressed_at is not None, "A bounce on any spelling stops all mail"
    assert dict(kept.subscriptions.values_list("newsletter__slug", "status")) == {
        "breakfast-in-red": "active",
        "weekly": "active",
    }
    assert not Subscriber.objects.filter(pk__in=[confirmed.pk, bounced.pk]).exists()
    assert Subscriber.objects.get(pk=other.pk).email_key == "other@example.org"


def test_a_form_refuses_another_spelling_of_a_stored_mailbox(make_subscriber):
    from django.forms import modelform_factory

    make_subscriber(REAL)
    form_class = modelform_factory(Subscriber, fields=["email"])

    assert not form_class({"email": "KRISTIN@mail.example.org"}).is_valid()
    assert form_class({"email": "kr\u0131stin@mail.example.org"}).is_valid()
