from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

FEEDS = [
    ("articles:feed-latest", []),
    ("articles:feed-latest-atom", []),
    ("articles:feed-section", ["news"]),
    ("articles:feed-section-atom", ["news"]),
    ("articles:feed-tag", ["strikes"]),
    ("articles:feed-tag-atom", ["strikes"]),
    ("articles:feed-author", ["sadie-robinson"]),
    ("articles:feed-author-atom", ["sadie-robinson"]),
]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def articles():
    news = SectionFactory(name="News", slug="news")
    sadie = AuthorFactory(name="Sadie Robinson", slug="sadie-robinson")
    simon = AuthorFactory(name="Simon Basketter")
    public = ArticleFactory(
        headline="Bin workers win", standfirst="Victory after 12 weeks", section=news,
        authors=[sadie, simon], tags=["Strikes"], published_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip
    newer = ArticleFactory(
        headline="Nurses vote to strike", section=news, authors=[sadie], tags=["Strikes"],
        published_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    ArticleFactory(
        headline="Draft story", status=Article.Status.DRAFT, published_at=None, section=news,
        authors=[sadie], tags=["Strikes"],
    )  # fmt: skip
    ArticleFactory(
        headline="Scheduled story", published_at=timezone.now() + timedelta(days=1),
        section=news, authors=[sadie], tags=["Strikes"],
    )  # fmt: skip
    return newer, public


def parse(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return feedparser.parse(response.content)


@pytest.mark.parametrize(("name", "args"), FEEDS)
def test_feeds_list_published_articles_newest_first(client, articles, name, args, settings):
    newer, public = articles
    feed = parse(client, name, args)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if name.endswith("atom") else "rss20")
    assert [entry.title for entry in feed.entries] == [newer.headline, public.headline]
    entry = feed.entries[1]
    assert entry.link == f"{settings.SITE_URL}{public.get_absolute_url()}"
    assert entry.author == "Sadie Robinson and Simon Basketter"
    assert entry.summary == "Victory after 12 weeks"
    assert "Strikes" in [tag.term for tag in entry.tags]
    assert entry.published_parsed is not None
    assert feed.feed.link.startswith(f"{settings.SITE_URL}/")


def test_feed_content_types(client, articles):
    assert client.get(reverse("articles:feed-latest"))["Content-Type"].startswith(
        "application/rss+xml"
    )
    assert client.get(reverse("articles:feed-latest-atom"))["Content-Type"].startswith(
        "application/atom+xml"
    )


def test_feeds_for_unknown_or_unpublished_subjects_are_404(client, articles):
    AuthorFactory(slug="only-drafts")
    ArticleFactory(status=Article.Status.DRAFT, published_at=None, tags=["secret-tag"])
    assert client.get(reverse("articles:feed-section", args=["nope"])).status_code == 404
    assert client.get(reverse("articles:feed-tag", args=["secret-tag"])).status_code == 404
    assert client.get(reverse("articles:feed-author", args=["only-drafts"])).status_code == 404


def test_feed_queries_do_not_grow_with_items(client, articles, django_assert_max_num_queries):
    for _ in range(10):
        ArticleFactory(authors=[AuthorFactory(), AuthorFactory()], tags=["a", "b"])
    with django_assert_max_num_queries(4):
        client.get(reverse("articles:feed-latest"))
