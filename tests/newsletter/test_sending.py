from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from newsletter import sending
from newsletter.models import Delivery, Edition, Newsletter, Subscriber, Subscription
from newsletter.services import draft_edition, send_edition
from newsletter.tasks import resume_sending_now
from tests.factories import ArticleFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition(daily):
    ArticleFactory(headline="Strikers win pay rise", lead_photo=PhotoFactory())
    ArticleFactory(headline="Tenants beat eviction")
    return draft_edition(daily)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(edition):
        with django_capture_on_commit_callbacks(execute=True):
            return send_edition(edition)

    return run


def test_an_edition_reaches_every_confirmed_subscriber_and_nobody_else(
    smtp_server, make_subscriber, edition, send
):
    weekly = Newsletter.objects.create(name="Weekly", slug="weekly", cadence="weekly")
    for n in range(3):
        make_subscriber(f"reader{n}@example.org")
    make_subscriber("unconfirmed@example.org", confirmed=False, status="pending")
    make_subscriber("left@example.org", status=Subscription.Status.UNSUBSCRIBED)
    make_subscriber("left-all@example.org", unsubscribed_at=timezone.now())
    make_subscriber("bounced@example.org", suppressed_at=timezone.now())
    make_subscriber("weekly-only@example.org", newsletter=weekly)

    assert send(edition) == 3

    assert sorted(smtp_server.recipients) == [f"reader{n}@example.org" for n in range(3)]
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT
    assert set(edition.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_an_edition_is_multipart_with_one_click_unsubscribe_headers(
    smtp_server, make_subscriber, edition, send
):
    subscriber = make_subscriber("reader@example.org")
    send(edition)

    [message] = smtp_server.to("reader@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["Subject"] == edition.subject
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://news.example.org/newsletters/unsubscribe/")
    assert unsubscribe.endswith(">")
    delivery = Delivery.objects.get(subscriber=subscriber)
    assert message["Message-ID"] == delivery.message_id
    assert message["Message-ID"].endswith("@news.example.org>")

    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<style" not in html, "CSS is inlined for mail clients that drop <style>"
    assert 'style="' in html
    assert 'href="https://news.example.org/' in html
    assert 'src="https://news.example.org/media/' in html
    assert 'href="/' not in html, "Every link in an email is absolute"
    assert "Strikers win pay rise" in html and "Strikers win pay rise" in text
    assert unsubscribe[1:-1] in html and unsubscribe[1:-1] in text


def test_a_one_click_post_unsubscribes_and_the_next_edition_skips_the_address(
    smtp_server, make_subscriber, edition, send, daily
):
    leaving = make_subscriber("leaving@example.org")
    make_subscriber("staying@example.org")
    send(edition)
    [message] = smtp_server.to("leaving@example.org")
    path = urlsplit(message["List-Unsubscribe"][1:-1]).path

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert b"<button" in page.content
    assert Subscription.objects.get(subscriber=leaving).status == Subscription.Status.ACTIVE

    # What Gmail and friends send (RFC 8058): no cookie, no CSRF token.
    response = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscription.objects.get(subscriber=leaving).status == "unsubscribed"

    smtp_server.messages.clear()
    ArticleFactory(headline="Tomorrow's news", published_at=timezone.now())
    send(draft_edition(daily))
    assert smtp_server.recipients == ["staying@example.org"]


def test_a_tampered_unsubscribe_link_does_nothing(client, make_subscriber, daily):
    make_subscriber("reader@example.org")
    response = client.post("/newsletters/unsubscribe/1.1:forged/")
    assert response.status_code == 400
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE


def test_the_preferences_page_changes_newsletters_and_can_leave_all(
    smtp_server, make_subscriber, edition, send, client, daily
):
    weekly = Newsletter.objects.create(name="The Weekly", slug="weekly", cadence="weekly")
    subscriber = make_subscriber("reader@example.org")
    send(edition)
    [message] = smtp_server.to("reader@example.org")
    body = message.get_body(preferencelist=("plain",)).get_content()
    [url] = [word for word in body.split() if "/newsletters/preferences/" in word]
    path = urlsplit(url).path

    assert client.get(path).status_code == 200
    client.post(path, {"newsletters": [weekly.pk], "save": ""})
    statuses = dict(subscriber.subscriptions.values_list("newsletter__slug", "status"))
    assert statuses == {"breakfast-in-red": "unsubscribed", "weekly": "active"}

    client.post(path, {"leave_all": ""})
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    assert not subscriber.subscriptions.filter(status="active").exists()


def test_temporary_errors_are_retried_later_and_permanent_ones_fail(
    smtp_server, make_subscriber, edition, send, settings
):
    for name in ("ok", "busy", "gone"):
        make_subscriber(f"{name}@example.org")
    smtp_server.replies = {
        "busy@example.org": "451 4.3.0 Mailbox busy, try later",
        "gone@example.org": "550 5.1.1 No such user",
    }
    send(edition)

    statuses = dict(edition.deliveries.values_list("subscriber__email", "status"))
    assert statuses == {
        "ok@example.org": "sent",
        "busy@example.org": "queued",
        "gone@example.org": "failed",
    }
    busy = edition.deliveries.get(subscriber__email="busy@example.org")
    assert busy.next_attempt_at > timezone.now()
    assert busy.attempts == 1

    # Once the back-off has passed, only the remainder is sent.
    Delivery.objects.filter(pk=busy.pk).update(next_attempt_at=timezone.now())
    sending.deliver_batch(edition.pk)
    assert sending.next_batch_time(edition.pk) is None
    assert sorted(smtp_server.recipients) == ["busy@example.org", "ok@example.org"]
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_a_refused_connection_sends_nothing_and_retries_everyone(
    make_subscriber, edition, send, settings, smtp_server
):
    for n in range(3):
        make_subscriber(f"reader{n}@example.org")
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    send(edition)

    assert set(edition.deliveries.values_list("status", flat=True)) == {"queued"}
    assert all(d.next_attempt_at > timezone.now() for d in edition.deliveries.all())


def test_a_delivery_left_sending_by_a_dead_worker_becomes_ambiguous_and_is_not_resent(
    smtp_server, make_subscriber, edition, daily
):
    in_flight = make_subscriber("in-flight@example.org")
    make_subscriber("waiting@example.org")
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.SENDING)
    Delivery.objects.create(
        edition=edition,
        subscriber=in_flight,
        status=Delivery.Status.SENDING,
        attempts=1,
        claimed_by="dead-worker",
        claim_expires_at=timezone.now() - timedelta(seconds=1),
    )
    Delivery.objects.create(
        edition=edition, subscriber=Subscriber.objects.get(email="waiting@example.org")
    )

    result = resume_sending_now()

    assert result["ambiguous"] == 1
    assert smtp_server.recipients == ["waiting@example.org"]
    assert Delivery.objects.get(subscriber=in_flight).status == Delivery.Status.AMBIGUOUS
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_an_edition_cannot_be_sent_twice(smtp_server, make_subscriber, edition, send):
    from newsletter.services import EditionNotSendable

    make_subscriber("reader@example.org")
    send(edition)
    with pytest.raises(EditionNotSendable):
        send(edition)
    assert smtp_server.recipients == ["reader@example.org"]


def test_the_prebuilt_message_matches_the_one_django_builds(daily, monkeypatch):
    import email
    import email.policy

    from django.core import signing

    from newsletter.mail import render_edition

    # Preferences links are dated to the second: build both copies in the same one.
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: "1xYn1C")

    ArticleFactory(
        headline="Workers\u2019 victory: \u201cwe won\u201d \u2014 " + "a long headline " * 8,
        standfirst="Line with trailing space \nand a tab\tand = signs and .dots\n.leading dot",
    )
    rendered = render_edition(draft_edition(daily))
    ids = {"subscriber_pk": 7, "email": "reader@example.org", "message_id": "<x@news.example.org>"}

    fast = email.message_from_bytes(rendered.raw_message_for(**ids), policy=email.policy.default)
    built = rendered.message_for(**ids).message(policy=email.policy.SMTP).as_bytes()
    django = email.message_from_bytes(built, policy=email.policy.default)

    for header in ("Subject", "From", "To", "Message-ID", "List-Unsubscribe", "List-Id"):
        assert str(fast[header]) == str(django[header]), header
    for kind in ("plain", "html"):
        assert (
            fast.get_body(preferencelist=(kind,)).get_content()
            == django.get_body(preferencelist=(kind,)).get_content()
        )
    assert "reader@example.org" not in rendered.text


def test_a_non_smtp_mailer_gets_ordinary_django_messages(make_subscriber, edition, send, settings):
    from django.core import mail

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    make_subscriber("reader@example.org")

    send(edition)

    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.message_id) == ("sent", message.extra_headers["Message-ID"])
