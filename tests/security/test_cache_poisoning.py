"""Cache poisoning: a request with a Host the reader never typed (another port, another
name) or an X-Forwarded-Host must not put that host into a page that is then kept and
served to everyone. Feeds and the sitemap build their absolute links from SITE_URL, so
no cached page depends on the Host header. tests/security/test_cache_front.py runs the
same attacks through nginx's front cache."""

import pytest
from django.test import Client

from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, SectionFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://news.example.org"
HOST = "news.example.org"
# Every kind of page the page cache keeps (pagecache.middleware.PUBLIC_PAGES), with tags
# beyond ASCII.
CACHED_PAGES = [
    "/", "/latest/", "/articles/strike-at-the-cafe/", "/sections/news/", "/tags/caf%C3%A9/",
    "/tags/%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/", "/authors/ann-writer/", "/search/?q=strike",
    "/issues/", "/issues/2801/", "/sitemap.xml", "/robots.txt",
    "/feeds/latest/rss/", "/feeds/latest/atom/",
    "/feeds/sections/news/rss/", "/feeds/sections/news/atom/",
    "/feeds/tags/caf%C3%A9/rss/", "/feeds/tags/%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/atom/",
    "/feeds/authors/ann-writer/rss/", "/feeds/authors/ann-writer/atom/",
]  # fmt: skip
# What an attacker sends, and what must then never appear in a page.
ATTACKS = {
    "a port": ({"Host": f"{HOST}:6666"}, [b":6666"]),
    "X-Forwarded-Host": (
        {"Host": HOST, "X-Forwarded-Host": "evil.example:6666"},
        [b"evil.example", b":6666"],
    ),
    "an unknown host": ({"Host": "evil.example"}, [b"evil.example"]),
}


@pytest.fixture
def story():
    news = SectionFactory(name="News", slug="news")
    writer = AuthorFactory(name="Ann Writer", slug="ann-writer")
    return ArticleFactory(
        headline="Strike at the café", slug="strike-at-the-cafe", section=news,
        tags=["café", "Ελλάδα"], authors=[writer], issue=IssueFactory(number=2801),
    )  # fmt: skip


@pytest.fixture
def news_site(settings):
    settings.SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [HOST]


def test_the_forwarded_host_header_is_not_trusted(settings):
    assert not settings.USE_X_FORWARDED_HOST
    assert not settings.USE_X_FORWARDED_PORT


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_cached_page_never_carries_the_attackers_host(story, news_site, attack):
    headers, never = ATTACKS[attack]
    attacker, reader = Client(headers=headers), Client(headers={"Host": HOST})
    for url in CACHED_PAGES:
        poisoned = attacker.get(url)
        assert poisoned.status_code in (200, 400), url
        for body in (poisoned.content, reader.get(url).content, reader.get(url).content):
            for text in never:
                assert text not in body, (url, text)


@pytest.mark.parametrize(
    "url", [url for url in CACHED_PAGES if url.startswith("/feeds/")] + ["/sitemap.xml"]
)
def test_feeds_and_the_sitemap_link_to_site_url_whatever_the_host(story, news_site, url):
    body = Client(headers={"Host": f"{HOST}:6666"}).get(url).content.decode()
    assert f"{SITE_URL}/articles/strike-at-the-cafe/" in body
    assert "http://news.example.org" not in body
