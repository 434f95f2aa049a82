from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from issues.models import Issue
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_issue_page_lists_contents_in_page_order_with_page_numbers(client):
    issue = IssueFactory(number=2787, cover_photo=PhotoFactory(alt_text="Front cover photo"))
    ArticleFactory(headline="Back page story", issue=issue, print_page=24)
    ArticleFactory(headline="Front page story", issue=issue, print_page=1,
                   authors=[AuthorFactory(name="Simon Basketter")])  # fmt: skip
    ArticleFactory(headline="Web extra", issue=issue)
    ArticleFactory(headline="Centre spread", issue=issue, print_page=12)
    ArticleFactory(headline="Not yet online", issue=issue, print_page=5,
                   status=Article.Status.DRAFT, published_at=None)  # fmt: skip
    ArticleFactory(headline="Another issue's story", issue=IssueFactory(), print_page=3)

    main = main_of(client.get(issue.get_absolute_url()).content.decode())
    assert "<h1>Issue 2787</h1>" in main and 'alt="Front cover photo"' in main
    order = ["Page 1", "Front page story", "Simon Basketter", "Page 12", "Centre spread",
             "Page 24", "Back page story", "Online", "Web extra"]  # fmt: skip
    positions = [main.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Not yet online" not in main and "Another issue" not in main


def test_unpublished_and_future_issues_are_404_and_absent_from_the_archive(client):
    IssueFactory(number=2790)
    draft = IssueFactory(number=2791, status=Issue.Status.DRAFT)
    future = IssueFactory(number=2792, publication_date=timezone.localdate() + timedelta(days=1))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(future.get_absolute_url()).status_code == 404
    main = main_of(client.get(reverse("issues:archive")).content.decode())
    assert "Issue 2790" in main
    assert "Issue 2791" not in main and "Issue 2792" not in main


def test_issue_archive_is_newest_first_and_paginated(client, settings):
    settings.PAGE_SIZE = 2
    for number in range(2800, 2805):
        IssueFactory(
            number=number, publication_date=timezone.localdate() - timedelta(days=2805 - number)
        )
    first = main_of(client.get(reverse("issues:archive")).content.decode())
    assert first.index("Issue 2804") < first.index("Issue 2803")
    assert "Issue 2802" not in first and 'rel="next" href="?page=2"' in first
    last = main_of(client.get(reverse("issues:archive") + "?page=3").content.decode())
    assert "Issue 2800" in last and 'rel="next"' not in last


def test_issue_pages_render_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    issue = IssueFactory(cover_photo=PhotoFactory())
    for page in range(1, 16):
        ArticleFactory(issue=issue, print_page=page, authors=[AuthorFactory(), AuthorFactory()])
        IssueFactory(cover_photo=PhotoFactory())
    with django_assert_max_num_queries(8):
        assert client.get(issue.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("issues:archive")).status_code == 200
