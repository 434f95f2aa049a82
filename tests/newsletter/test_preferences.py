"""The "change your newsletters" link: it expires, an expired one offers a fresh link
and still lets the reader leave, and it never restarts a newsletter without a fresh
confirmation email."""

from urllib.parse import urlsplit

import pytest
from django.core import signing

from newsletter.mail import preferences_url
from newsletter.models import Newsletter, Subscription
from newsletter.services import leave_all
from newsletter.tokens import PREFERENCES_SALT, make_unsubscribe_token
from tests.newsletter.conftest import links_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired(settings):
    settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE = -1


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def post(path, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data)

    return post


def path_for(subscriber):
    return urlsplit(preferences_url(subscriber.pk)).path


def statuses(subscriber):
    return dict(subscriber.subscriptions.values_list("newsletter__slug", "status"))


def test_a_preferences_link_stops_working_after_its_time(
    client, make_subscriber, daily, expired, post
):
    weekly = Newsletter.objects.create(name="The Weekly", slug="weekly")
    reader = make_subscriber("reader@example.org")
    path = path_for(reader)

    page = client.get(path)
    assert page.status_code == 200
    assert b"This link has expired" in page.content
    assert b"reader@example.org" not in page.content
    post(path, {"newsletters": [weekly.pk], "save": ""})
    assert statuses(reader) == {"breakfast-in-red": "active"}


def test_links_from_before_they_were_dated_have_expired(client, make_subscriber):
    reader = make_subscriber("reader@example.org")
    undated = signing.Signer(salt=PREFERENCES_SALT).sign(str(reader.pk))

    page = client.get(f"/newsletters/preferences/{undated}/")

    assert b"This link has expired" in page.content


def test_an_expired_link_sends_a_fresh_one_to_the_stored_address(
    client, make_subscriber, smtp_server, settings, post
):
    reader = make_subscriber("Reader@Example.org")
    settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE = -1
    page = post(path_for(reader), {"fresh_link": ""})
    assert b"Check your inbox" in page.content

    [message] = smtp_server.to("Reader@Example.org")
    [fresh] = links_in(message, "preferences")
    settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE = 3600
    page = client.get(urlsplit(fresh).path)
    assert b"For Reader@Example.org" in page.content

    settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE = -1
    for _ in range(3):
        post(path_for(reader), {"fresh_link": ""})
    assert len(smtp_server.messages) == 3, "A few fresh links an hour, no more"


def test_an_expired_link_still_lets_the_reader_leave(make_subscriber, expired, post):
    reader = make_subscriber("reader@example.org")

    page = post(path_for(reader), {"leave_all": ""})

    assert b"You have unsubscribed" in page.content
    reader.refresh_from_db()
    assert reader.unsubscribed_at is not None
    assert statuses(reader) == {"breakfast-in-red": "unsubscribed"}


def test_the_one_click_unsubscribe_link_never_expires(client, make_subscriber, daily, settings):
    settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE = settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
    reader = make_subscriber("reader@example.org")
    token = make_unsubscribe_token(reader.pk, daily.pk)

    response = client.post(f"/newsletters/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert statuses(reader) == {"breakfast-in-red": "unsubscribed"}


def test_coming_back_from_the_preferences_page_waits_for_a_fresh_confirmation(
    client, make_subscriber, daily, smtp_server, post
):
    reader = make_subscriber("reader@example.org")
    leave_all(reader)

    page = post(path_for(reader), {"newsletters": [daily.pk], "save": ""})

    assert b"press the button in the email" in page.content
    assert statuses(reader) == {"breakfast-in-red": "pending"}
    assert not Subscription.objects.receiving(daily).exists()
    [message] = smtp_server.to("reader@example.org")
    [confirm_url] = links_in(message, "confirm")
    client.post(urlsplit(confirm_url).path)
    assert Subscription.objects.receiving(daily).get().subscriber == reader


def test_restarting_one_newsletter_left_waits_for_a_fresh_confirmation(
    make_subscriber, daily, smtp_server, post
):
    weekly = Newsletter.objects.create(name="The Weekly", slug="weekly")
    reader = make_subscriber("reader@example.org")
    Subscription.objects.create(subscriber=reader, newsletter=weekly, status="unsubscribed")

    post(path_for(reader), {"newsletters": [daily.pk, weekly.pk], "save": ""})

    assert statuses(reader) == {"breakfast-in-red": "active", "weekly": "pending"}
    assert len(smtp_server.to("reader@example.org")) == 1
