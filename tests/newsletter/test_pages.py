"""The reader's newsletter pages: laid out as single pages, and saying what is true."""

import re

import pytest
from django.urls import reverse

from newsletter.tokens import make_preferences_token, make_unsubscribe_token

pytestmark = pytest.mark.django_db


def page_urls(reader, daily) -> dict:
    return {
        "list": reverse("newsletter:subscribe"),
        "check your inbox": reverse("newsletter:check-inbox"),
        "preferences": reverse(
            "newsletter:preferences", kwargs={"token": make_preferences_token(reader.pk)}
        ),
        "archive": reverse("newsletter:archive", kwargs={"slug": daily.slug}),
        "unsubscribe": reverse(
            "newsletter:unsubscribe",
            kwargs={"token": make_unsubscribe_token(reader.pk, daily.pk)},
        ),
    }


def test_newsletter_pages_sit_in_the_content_column_not_in_the_site_grid(
    client, make_subscriber, daily
):
    reader = make_subscriber("kristin@example.org")
    for name, url in page_urls(reader, daily).items():
        main = client.get(url).text.split('<main id="main"', 1)[1]
        # "page" is the site layout's two-column grid: a page inside it splits in two.
        assert not re.search(r'class="page[ "]', main), name


def test_an_empty_archive_says_so_without_numbering_it(client, daily):
    response = client.get(reverse("newsletter:archive", kwargs={"slug": daily.slug}))
    assert "No editions yet." in response.text
    assert "<li>No editions yet.</li>" not in response.text


def test_the_unsubscribe_link_says_it_is_done_after_a_one_click_unsubscribe(
    client, make_subscriber, daily
):
    reader = make_subscriber("kristin@example.org")
    url = page_urls(reader, daily)["unsubscribe"]
    assert "Unsubscribe from" in client.get(url).text
    client.post(url, {"List-Unsubscribe": "One-Click"})  # what the mail program sends
    page = client.get(url).text
    assert "You have unsubscribed" in page
    assert "Unsubscribe from" not in page
