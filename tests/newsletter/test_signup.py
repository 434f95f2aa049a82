import re
import statistics
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Subscriber, Subscription
from newsletter.services import purge_unconfirmed
from tests.newsletter.conftest import links_in
from tests.timing import interleaved_times, mann_whitney_z

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("newsletter:subscribe")


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    def post(email, headers=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGNUP_URL, {"email": email, **fields}, headers=headers)

    return post


def path_of(url):
    return urlsplit(url).path


def test_signup_sends_a_confirmation_whose_link_confirms_on_post_only(
    sign_up, smtp_server, client, daily
):
    response = sign_up("Reader@Example.org", source="/2022/01/kazakhstan-revolt/")

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check-inbox")
    [message] = smtp_server.to("Reader@Example.org")
    assert "Breakfast in Red" in message["Subject"]
    [confirm_url] = links_in(message, "confirm")

    page = client.get(path_of(confirm_url))
    assert page.status_code == 200
    assert b"Yes, subscribe me" in page.content
    subscriber = Subscriber.objects.get(email__iexact="reader@example.org")
    assert subscriber.confirmed_at is None, "Opening the link (a GET) must not confirm"

    response = client.post(path_of(confirm_url))
    assert response.status_code == 200
    assert b"You\xe2\x80\x99re subscribed" in response.content
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
    assert subscriber.subscriptions.get().status == Subscription.Status.ACTIVE
    assert subscriber.source_url == "https://news.example.org/2022/01/kazakhstan-revolt/"
    assert "Breakfast in Red" in subscriber.consent_text

    again = client.post(path_of(confirm_url))
    assert again.status_code == 400, "A confirmation link works once"


def test_the_answer_is_byte_for_byte_the_same_for_known_and_unknown_addresses(
    sign_up, smtp_server, make_subscriber
):
    make_subscriber("known@example.org")
    make_subscriber("pending@example.org", confirmed=False, status=Subscription.Status.PENDING)

    answers = [
        # But for the request's own id, which every response carries.
        re.sub(rb"X-Request-ID: \S+", b"", sign_up(address).serialize())
        for address in ("known@example.org", "pending@example.org", "nobody@example.org")
    ]

    assert answers[0] == answers[1] == answers[2]
    assert b"Set-Cookie" not in answers[0]


def test_an_address_gets_at_most_one_confirmation_email_a_day(sign_up, smtp_server):
    for address in ("victim@example.org", "VICTIM@example.org", " victim@example.org "):
        assert sign_up(address).status_code == 302
    assert len(smtp_server.messages) == 1
    assert Subscriber.objects.count() == 1

    Subscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=25))
    sign_up("victim@example.org")
    assert len(smtp_server.messages) == 2


def test_only_the_latest_confirmation_link_works(sign_up, smtp_server, client):
    sign_up("reader@example.org")
    [old_url] = links_in(smtp_server.messages[0][1], "confirm")
    Subscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=25))
    sign_up("reader@example.org")
    [new_url] = links_in(smtp_server.messages[1][1], "confirm")

    assert client.post(path_of(old_url)).status_code == 400
    assert client.post(path_of(new_url)).status_code == 200


def test_an_expired_confirmation_link_is_refused(sign_up, smtp_server, client, settings):
    sign_up("reader@example.org")
    [url] = links_in(smtp_server.messages[0][1], "confirm")
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1

    response = client.post(path_of(url))

    assert response.status_code == 400
    assert b"no longer works" in response.content
    assert Subscriber.objects.get().confirmed_at is None


def test_a_wrong_address_gets_a_clear_error_and_keeps_what_was_typed(sign_up, smtp_server):
    response = sign_up("reader at example.org")

    assert response.status_code == 400
    assert b"Enter an email address in the form name@example.org." in response.content
    assert b'value="reader at example.org"' in response.content
    assert not Subscriber.objects.exists()
    assert not smtp_server.messages


def test_the_honeypot_gets_the_same_answer_and_sends_nothing(sign_up, smtp_server):
    response = sign_up("bot@example.org", website="http://spam.example")

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:check-inbox")
    assert not Subscriber.objects.exists()
    assert not smtp_server.messages


def test_signups_are_rate_limited_per_address(sign_up, settings, smtp_server):
    settings.NEWSLETTER_SIGNUP_RATE_EMAIL = "3/h"
    answers = [sign_up("target@example.org").status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert sign_up("other@example.org").status_code == 302


def test_signups_are_rate_limited_per_ip(sign_up, settings, smtp_server):
    settings.NEWSLETTER_SIGNUP_RATE_IP = "2/h"
    answers = [sign_up(f"reader{n}@example.org").status_code for n in range(3)]
    assert answers == [302, 302, 429]
    assert Subscriber.objects.count() == 2


def test_the_signup_page_lists_public_newsletters_and_sets_no_cookie(client, daily):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    assert b"Breakfast in Red" in response.content
    assert b"csrfmiddlewaretoken" not in response.content
    assert not response.cookies


def test_the_article_page_form_posts_without_a_csrf_token(client, daily):
    request = RequestFactory().get("/2022/01/some-article/")
    html = render_to_string(
        "_partials/newsletter-signup.html", {"NEWSLETTER_NAME": "Breakfast in Red"}, request
    )
    assert f'action="{SIGNUP_URL}"' in html
    assert "csrfmiddlewaretoken" not in html
    assert 'value="/2022/01/some-article/"' in html

    csrf_client = client.__class__(enforce_csrf_checks=True)
    response = csrf_client.post(SIGNUP_URL, {"email": "reader@example.org"})
    assert response.status_code == 302


def test_the_source_page_comes_from_the_referer_when_the_form_has_none(sign_up, smtp_server):
    sign_up("reader@example.org", headers={"referer": "https://news.example.org/2022/01/article/"})
    assert Subscriber.objects.get().source_url == "https://news.example.org/2022/01/article/"

    sign_up("other@example.org", source="https://evil.example/phish/")
    assert Subscriber.objects.get(email="other@example.org").source_url == ""


def test_unconfirmed_signups_older_than_the_limit_are_deleted(make_subscriber, settings):
    settings.NEWSLETTER_UNCONFIRMED_DAYS = 7
    old = make_subscriber("old@example.org", confirmed=False, status=Subscription.Status.PENDING)
    Subscriber.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    make_subscriber("new@example.org", confirmed=False, status=Subscription.Status.PENDING)
    confirmed = make_subscriber("confirmed@example.org")
    Subscriber.objects.filter(pk=confirmed.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )

    purge_unconfirmed()

    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "confirmed@example.org",
        "new@example.org",
    ]


def test_every_article_page_carries_the_signup_form_without_a_csrf_token(client, daily):
    from tests.factories import ArticleFactory

    article = ArticleFactory()
    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<form method="post" action="{SIGNUP_URL}"' in html
    assert f'name="source" value="{article.get_absolute_url()}"' in html
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in response.cookies


def test_a_confirmation_the_mail_server_refused_can_be_asked_for_again(
    sign_up, smtp_server, settings
):
    smtp_server.replies = {"reader@example.org": "451 4.3.0 Try again later"}
    assert sign_up("reader@example.org").status_code == 302
    assert Subscriber.objects.get().confirmation_sent_at is None
    assert not smtp_server.messages

    sign_up("reader@example.org")
    assert len(smtp_server.to("reader@example.org")) == 1


def test_spellings_of_one_mailbox_share_its_one_confirmation_a_day(sign_up, smtp_server, settings):
    # Past the per-address rate limit too, which would otherwise stop this sooner.
    settings.NEWSLETTER_SIGNUP_RATE_EMAIL = "1000/h"
    spellings = ("bomb@example.org", '"bomb"@example.org', '"b\\omb"@example.org')
    for address in spellings * 3:
        assert sign_up(address).status_code == 302

    assert len(smtp_server.messages) == 1
    assert Subscriber.objects.get().email == "bomb@example.org"


def test_the_rate_limit_per_address_counts_every_spelling_of_a_mailbox(sign_up, settings):
    settings.NEWSLETTER_SIGNUP_RATE_EMAIL = "2/h"
    answers = [
        sign_up(address).status_code
        for address in ("bomb@example.org", '"bomb"@example.org', '"b\\omb"@EXAMPLE.org')
    ]
    assert answers == [302, 302, 429]


def test_confirmations_to_one_domain_are_capped_each_hour_and_the_rest_sent_later(
    sign_up, smtp_server, settings, django_capture_on_commit_callbacks
):
    from django.db.models import F

    from newsletter.models import ConfirmationCount
    from newsletter.tasks import resume_sending_now

    settings.NEWSLETTER_CONFIRMATIONS_PER_DOMAIN_HOUR = 3
    for n in range(5):
        assert sign_up(f"reader{n}@small.example").status_code == 302
    sign_up("reader@other.example")

    assert sorted(smtp_server.recipients) == [
        "reader0@small.example",
        "reader1@small.example",
        "reader2@small.example",
        "reader@other.example",
    ]
    assert Subscriber.objects.count() == 6, "Every signup is recorded"
    held = Subscriber.objects.filter(confirmation_held_at__isnull=False)
    assert sorted(held.values_list("email", flat=True)) == [
        "reader3@small.example",
        "reader4@small.example",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_sending_now()["confirmations"] == 0, "Still the same hour"

    # An hour later the periodic resume sends what was held.
    ConfirmationCount.objects.update(hour=F("hour") - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_sending_now()["confirmations"] == 2
    assert len(smtp_server.to("reader4@small.example")) == 1
    assert not held.exists()
    assert len(smtp_server.messages) == 6


def test_the_signup_request_only_queues_the_signup(client, settings, daily):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    response = client.post(SIGNUP_URL, {"email": "reader@example.org"})

    assert response.status_code == 302
    assert not Subscriber.objects.exists(), "The task queue does the lookup and the writes"
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "newsletter.tasks.sign_up"
    assert queued.args_kwargs["kwargs"]["email"] == "reader@example.org"


# Transactional, so that each request commits as it does in production.
@pytest.mark.django_db(transaction=True)
def test_a_signup_takes_as_long_for_a_known_address_as_for_a_new_one(
    client, settings, make_subscriber
):
    # A queue that really queues, as in production: enqueueing is all the request does.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSLETTER_SIGNUP_RATE_IP = "1000/h"
    for n in range(-1, 30):
        make_subscriber(f"known{n}@example.org")

    def sign_up(address):
        assert client.post(SIGNUP_URL, {"email": address}).status_code == 302

    for n in range(5):
        sign_up(f"warm-up{n}@example.org")
    known, unknown = interleaved_times(
        lambda n: sign_up(f"known{n}@example.org"), lambda n: sign_up(f"new{n}@example.org")
    )
    medians = statistics.median(known), statistics.median(unknown)
    assert abs(mann_whitney_z(known, unknown)) < 3, medians
