"""Cache headers, conditional GET and the page cache with its precise purges."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import LazyNonce
from redis.backoff import NoBackoff
from redis.retry import Retry

from articles.models import Article, Correction
from issues.models import Issue
from pagecache.articles import seconds_until_next_scheduled_article
from pagecache.middleware import PUBLIC_PAGES, is_public_response
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, SectionFactory
from tests.support_nginx import fetch, running_nginx

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    news = SectionFactory(name="News", slug="news")
    culture = SectionFactory(name="Culture", slug="culture")
    writer = AuthorFactory(name="Ann Writer", slug="ann-writer")
    issue = IssueFactory(number=2800)
    story = ArticleFactory(
        headline="Dock strike", section=news, tags=["docks"], authors=[writer], issue=issue
    )
    review = ArticleFactory(headline="Film review", section=culture, tags=["cinema"])
    return {"story": story, "review": review, "news": news, "culture": culture}


def main_of(html: bytes) -> bytes:
    """The page's <main>, without the Latest News rail that every page has."""
    return html[html.index(b"<main") : html.index(b"</main>")]


def was_rendered(client, url) -> bool:
    """Whether the page was made afresh rather than served from the page cache."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries) > 0


def urls_listing(story):
    return [
        story.get_absolute_url(),
        reverse("articles:front"),
        reverse("articles:latest"),
        reverse("articles:section", args=["news"]),
        reverse("articles:tag", args=["docks"]),
        reverse("articles:author", args=["ann-writer"]),
        reverse("issues:detail", args=[2800]),
        reverse("articles:feed-latest"),
        reverse("articles:feed-section", args=["news"]),
        reverse("articles:feed-tag-atom", args=["docks"]),
        reverse("articles:feed-author", args=["ann-writer"]),
        reverse("sitemap"),
    ]


def test_public_pages_are_cacheable_without_cookies_or_nonces(client, site, settings):
    settings.CACHE_MAX_AGE, settings.CACHE_S_MAXAGE = 45, 900
    for url in [*urls_listing(site["story"]), reverse("articles:search") + "?q=dock"]:
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert cache_control == {"public", "max-age=45", "s-maxage=900"}, url
        assert response["ETag"].startswith('"') and response["Last-Modified"], url
        assert not response.cookies and "Vary" not in response, url
        assert "nonce-" not in response["Content-Security-Policy"], url


def test_conditional_get_answers_304_on_miss_and_on_hit(client, site):
    url = site["story"].get_absolute_url()
    first = client.get(url)
    for _ in range(2):  # the render that stored the page, then the stored page
        response = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert response.status_code == 304 and response.content == b""
        assert response["ETag"] == first["ETag"]
    since = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_the_front_cache_keeps_a_page_to_the_end_of_the_second_as_of_each_answer(
    client, site, settings
):
    """nginx counts whole seconds: an absolute expiry at the end of this second keeps a
    page under one second, where a relative "1" could keep it for two. A page from the
    page cache gets an expiry worked out as it is served, not the one it was stored with."""
    url = site["story"].get_absolute_url()
    for front_cache_seconds in (1, 5):  # a render, then the stored page
        settings.FRONT_CACHE_SECONDS = front_cache_seconds
        before = int(time.time())
        expires = client.get(url)["X-Accel-Expires"]
        after = int(time.time())
        assert expires.startswith("@")
        assert (
            before + front_cache_seconds - 1 <= int(expires[1:]) <= after + front_cache_seconds - 1
        )
    settings.FRONT_CACHE_SECONDS = 0
    assert client.get(url)["X-Accel-Expires"] == "0"


def test_a_cached_page_is_served_without_queries(client, site, django_assert_num_queries):
    url = reverse("articles:section", args=["news"])
    first = client.get(url)
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content and again["ETag"] == first["ETag"]


def test_editing_an_article_updates_every_page_listing_it_and_nothing_else(
    client, site, django_assert_num_queries
):
    story = site["story"]
    listing = urls_listing(story)
    unrelated = [
        site["review"].get_absolute_url(),
        reverse("articles:section", args=["culture"]),
        reverse("articles:tag", args=["cinema"]),
        reverse("articles:feed-section", args=["culture"]),
        reverse("issues:archive"),
    ]
    before = {url: client.get(url).content for url in listing + unrelated}

    story.headline = "Dock strike wins"
    story.save()

    for url in listing:
        assert was_rendered(client, url), url
    for url in listing[:-1]:  # the sitemap shows no headlines
        assert client.get(url).content != before[url], url
    assert b"Dock strike wins" in client.get(reverse("articles:front")).content
    with django_assert_num_queries(0):
        for url in unrelated:
            assert client.get(url).content == before[url], url


def test_publishing_a_draft_shows_it_on_its_lists(client, site):
    draft = ArticleFactory(
        headline="Embargoed scoop", status=Article.Status.DRAFT, published_at=None,
        section=site["news"], tags=["docks"],
    )  # fmt: skip
    section_url = reverse("articles:section", args=["news"])
    assert b"Embargoed scoop" not in client.get(section_url).content
    assert client.get(draft.get_absolute_url()).status_code == 404

    draft.status = Article.Status.PUBLISHED
    draft.save()

    for url in (section_url, reverse("articles:front"), reverse("articles:tag", args=["docks"])):
        assert b"Embargoed scoop" in client.get(url).content, url
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_unpublishing_removes_it_from_its_lists(client, site):
    story = site["story"]
    section_url = reverse("articles:section", args=["news"])
    assert b"Dock strike" in client.get(section_url).content
    story.status = Article.Status.DRAFT
    story.save()
    assert b"Dock strike" not in client.get(section_url).content  # nor in Latest News
    assert client.get(story.get_absolute_url()).status_code == 404


def test_moving_an_article_purges_its_old_and_new_section_and_tags(client, site):
    story = site["story"]
    news_url = reverse("articles:section", args=["news"])
    culture_url = reverse("articles:section", args=["culture"])
    docks_url = reverse("articles:tag", args=["docks"])
    assert b"Dock strike" in client.get(news_url).content
    client.get(culture_url)
    client.get(docks_url)

    story.section = site["culture"]
    story.save()
    story.tags.set(["ports"])

    assert b"Dock strike" not in main_of(client.get(news_url).content)
    assert b"Dock strike" in main_of(client.get(culture_url).content)
    assert client.get(docks_url).status_code == 404
    assert b"Dock strike" in client.get(reverse("articles:tag", args=["ports"])).content


def test_a_new_byline_purges_the_authors_page(client, site):
    story = site["story"]
    other = AuthorFactory(name="Bo Reporter", slug="bo-reporter")
    assert client.get(other.get_absolute_url()).status_code == 404
    story.articleauthor_set.create(author=other, position=1)
    assert b"Dock strike" in client.get(other.get_absolute_url()).content
    assert b"Bo Reporter" in client.get(story.get_absolute_url()).content


def test_saving_a_draft_purges_nothing(client, site, django_assert_num_queries):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, section=site["news"])
    url = reverse("articles:section", args=["news"])
    client.get(url)
    draft.headline = "Still a draft"
    draft.save()
    with django_assert_num_queries(0):
        client.get(url)


def test_signed_in_staff_bypass_the_page_cache(client, site):
    url = site["story"].get_absolute_url()
    client.get(url)
    staff = get_user_model().objects.create_user("ed", password="pw-editor-123", is_staff=True)
    client.force_login(staff)
    response = client.get(url)
    assert "Cache-Control" not in response


def test_pages_are_kept_no_longer_than_until_the_next_scheduled_article(settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert seconds_until_next_scheduled_article() == 600
    ArticleFactory(published_at=timezone.now() + timedelta(minutes=5))
    assert 290 <= seconds_until_next_scheduled_article() <= 300


def test_a_page_that_used_a_csp_nonce_is_never_stored(client, site):
    request = RequestFactory().get("/")
    request.resolver_match = client.get("/").resolver_match
    response = client.get(reverse("articles:front"))
    response.headers.pop("Cache-Control")
    request._csp_nonce = LazyNonce()
    assert is_public_response(request, response)
    str(request._csp_nonce)  # a template used it
    assert not is_public_response(request, response)


def test_publishing_an_issue_links_it_from_its_articles_pages(client, site):

    story = site["story"]
    issue = Issue.objects.get(number=2800)
    issue.status = Issue.Status.DRAFT
    issue.save()
    assert b"Issue 2800" not in client.get(story.get_absolute_url()).content
    assert client.get(reverse("issues:archive")).status_code == 200

    issue.status = Issue.Status.PUBLISHED
    issue.save()

    assert b"Issue 2800" in client.get(story.get_absolute_url()).content
    assert b"2800" in main_of(client.get(reverse("issues:archive")).content)


def test_renaming_a_section_refreshes_every_page(client, site):
    url = site["review"].get_absolute_url()
    client.get(url)
    site["news"].name = "Breaking"
    site["news"].save()
    assert b"Breaking" in client.get(url).content


def test_pages_are_still_served_when_the_cache_is_down(client, site, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
            "OPTIONS": {"retry": Retry(NoBackoff(), 0)},
        },
    }
    # Neither the page cache nor the header's, the rail's or the appeal's caches.
    for url in (reverse("articles:section", args=["news"]), site["story"].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert "Latest News" in response.content.decode()


def test_a_correction_refreshes_its_article_page_only(client, site, django_assert_num_queries):
    story, review = site["story"], site["review"]
    client.get(story.get_absolute_url())
    before = client.get(review.get_absolute_url()).content
    Correction.objects.create(article=story, text="We misspelt Felixstowe.")
    assert b"We misspelt Felixstowe." in client.get(story.get_absolute_url()).content
    with django_assert_num_queries(0):
        assert client.get(review.get_absolute_url()).content == before


# Every page the page cache keeps, and what shows an unpublished article has gone from
# it. robots.txt lists no content; nothing the CMS does changes it.
SHOWS_THE_ARTICLE = {
    "articles:front": ("articles:front", {}),
    "articles:latest": ("articles:latest", {}),
    "articles:detail": ("articles:detail", {"slug": "strike-at-the-cafe"}),
    "articles:section": ("articles:section", {"slug": "news"}),
    "articles:tag": ("articles:tag", {"slug": "café"}),
    "articles:author": ("articles:author", {"slug": "ann-writer"}),
    "articles:search": ("articles:search", {}),
    "articles:feed-latest": ("articles:feed-latest", {}),
    "articles:feed-latest-atom": ("articles:feed-latest-atom", {}),
    "articles:feed-section": ("articles:feed-section", {"slug": "news"}),
    "articles:feed-section-atom": ("articles:feed-section-atom", {"slug": "news"}),
    "articles:feed-tag": ("articles:feed-tag", {"slug": "ελλάδα"}),
    "articles:feed-tag-atom": ("articles:feed-tag-atom", {"slug": "café"}),
    "articles:feed-author": ("articles:feed-author", {"slug": "ann-writer"}),
    "articles:feed-author-atom": ("articles:feed-author-atom", {"slug": "ann-writer"}),
    "issues:detail": ("issues:detail", {"number": 2801}),
    "sitemap": ("sitemap", {}),
}
NOT_ABOUT_ARTICLES = {"issues:archive", "robots"}


@pytest.fixture
def abroad():
    """A story tagged with words beyond ASCII, beside another that keeps every list alive."""
    news = SectionFactory(name="News", slug="news")
    writer = AuthorFactory(name="Ann Writer", slug="ann-writer")
    issue = IssueFactory(number=2801)
    ArticleFactory(headline="Other news", section=news, tags=["café", "Ελλάδα"], authors=[writer])
    return ArticleFactory(
        headline="Strike at the café", slug="strike-at-the-cafe", section=news,
        tags=["café", "Ελλάδα"], authors=[writer], issue=issue,
    )  # fmt: skip


def test_every_cached_page_is_covered_by_the_purge_test():
    assert SHOWS_THE_ARTICLE.keys() | NOT_ABOUT_ARTICLES == PUBLIC_PAGES


@pytest.mark.parametrize("view_name", sorted(SHOWS_THE_ARTICLE))
def test_unpublishing_takes_an_article_off_every_cached_page_at_once(
    client, abroad, view_name, django_assert_num_queries
):
    name, kwargs = SHOWS_THE_ARTICLE[view_name]
    url = reverse(name, kwargs=kwargs) + ("?q=strike" if name == "articles:search" else "")
    shown = client.get(url).content
    assert b"strike-at-the-cafe" in shown, url
    with django_assert_num_queries(0):
        assert client.get(url).content == shown  # kept in the page cache

    abroad.status = Article.Status.DRAFT
    abroad.save()

    response = client.get(url)
    assert b"strike-at-the-cafe" not in response.content, url
    assert b"Strike at the caf" not in response.content, url


def test_a_takedown_is_gone_from_every_page_through_nginx_within_a_second(
    abroad, live_server, tmp_path
):
    """nginx with deploy/nginx.conf keeps a page to the end of the second it fetched it
    in, from the page cache that the unpublish purged."""
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in SHOWS_THE_ARTICLE.values()]
    urls = [url + ("?q=strike" if url == reverse("articles:search") else "") for url in urls]
    with running_nginx(live_server.url, tmp_path / "nginx") as front:
        for url in urls:
            answers = [fetch(front, url) for _ in range(2)]
            # Stored by nginx: a HIT, or EXPIRED when a second ended in between.
            assert answers[-1][1] in ("HIT", "EXPIRED"), url
            assert all(b"strike-at-the-cafe" in body for _, _, body in answers), url

        abroad.status = Article.Status.DRAFT
        abroad.save()
        taken_down = time.monotonic()

        # When each page was last asked for and still showed it.
        last_shown = {}
        while time.monotonic() - taken_down < 1.5:
            for url in urls:
                asked = time.monotonic() - taken_down
                if b"strike-at-the-cafe" in fetch(front, url)[2]:
                    last_shown[url] = round(asked, 3)
    assert all(after <= 1.0 for after in last_shown.values()), last_shown


def test_unpublishing_purges_the_pages_of_tags_beyond_ascii(client, abroad):
    """Stored under the path a request has (decoded), purged under the path reverse()
    gives (percent-encoded): both must be one key."""
    urls = [
        "/tags/caf%C3%A9/",
        "/tags/caf%c3%a9/",
        "/tags/café/",
        "/feeds/tags/caf%C3%A9/rss/",
        "/feeds/tags/%CE%B5%CE%BB%CE%BB%CE%AC%CE%B4%CE%B1/atom/",
        "/tags/ελλάδα/",
    ]
    for url in urls:
        assert b"Strike at the caf" in client.get(url).content, url
    abroad.status = Article.Status.DRAFT
    abroad.save()
    for url in urls:
        assert b"Strike at the caf" not in client.get(url).content, url


def test_unpublishing_an_issue_takes_it_off_the_cached_issue_list(client, site):
    archive = reverse("issues:archive")
    assert b"/issues/2800/" in client.get(archive).content
    issue = Issue.objects.get(number=2800)
    issue.status = Issue.Status.DRAFT
    issue.save()
    assert b"/issues/2800/" not in client.get(archive).content
    assert client.get(reverse("issues:detail", args=[2800])).status_code == 404
