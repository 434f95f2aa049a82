"""Cache poisoning: a request with a Host the reader never typed (another port, another
name) or an X-Forwarded-Host must not put that host into a page that is then kept and
served to everyone. Feeds and the sitemap build their absolute links from SITE_URL, so
no cached page depends on the Host header. The same attacks run through nginx with
deploy/nginx.conf in front of a live server, whose front cache keys pages on the host it
forwards to Django."""

from urllib.parse import unquote, urlsplit

import pytest
from django.core.signals import request_started
from django.test import Client
from django.urls import resolve

from pagecache.middleware import PUBLIC_PAGES
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, SectionFactory
from tests.support_nginx import fetch, require_nginx, running_nginx

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


def test_every_kind_of_cached_page_is_attacked():
    paths = (unquote(urlsplit(url).path) for url in CACHED_PAGES)
    assert {resolve(path).view_name for path in paths} == PUBLIC_PAGES


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


@pytest.fixture
def front_cache(live_server, news_site, settings, tmp_path):
    """nginx in front of the live server; its URL."""
    require_nginx()
    # A page stays in nginx for the whole of each attack, whatever second it starts in.
    settings.FRONT_CACHE_SECONDS = 5
    with running_nginx(live_server.url, tmp_path / "nginx") as url:
        yield url


@pytest.fixture
def seen_by_django():
    """The Host and X-Forwarded-Host of every request that reached Django."""
    seen = []

    def record(sender, environ, **kwargs):
        seen.append((environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST")))

    request_started.connect(record, dispatch_uid="seen_by_django")
    yield seen
    request_started.disconnect(dispatch_uid="seen_by_django")


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_nginx_never_serves_readers_a_page_made_for_the_attackers_host(
    story, front_cache, seen_by_django, attack
):
    headers, never = ATTACKS[attack]
    for url in CACHED_PAGES:
        fetch(front_cache, url, headers)  # first: what nginx stores comes from this request
        answers = [fetch(front_cache, url, {"Host": HOST}) for _ in range(2)]
        assert [status for status, _, _ in answers] == [200, 200], url
        assert answers[-1][1] == "HIT", url  # served from the front cache
        for _, _, body in answers:
            for text in never:
                assert text not in body, (url, text)
    # nginx forwards the host it keys its cache on, without a port, and never the
    # client's X-Forwarded-Host.
    assert seen_by_django
    for host, forwarded_host in seen_by_django:
        assert ":" not in host and forwarded_host is None, (host, forwarded_host)
