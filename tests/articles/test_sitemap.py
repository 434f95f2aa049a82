from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from issues.models import Issue
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, SectionFactory

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def sitemap(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own output)


def sitemap_urls(client):
    root = sitemap(client)
    return [loc.text for loc in root.findall("sm:url/sm:loc", NS)]


def test_sitemap_lists_every_public_page(client, settings):
    author = AuthorFactory(slug="sadie")
    issue = IssueFactory(number=2787)
    article = ArticleFactory(authors=[author], tags=["Strikes"], issue=issue,
                             section=SectionFactory(name="News", slug="news"))  # fmt: skip
    urls = sitemap_urls(client)
    base = settings.SITE_URL
    for path in [
        "/",
        "/latest/",
        "/issues/",
        article.get_absolute_url(),
        "/sections/news/",
        "/tags/strikes/",
        "/authors/sadie/",
        "/issues/2787/",
    ]:
        assert base + path in urls, path


def test_sitemap_leaves_out_drafts_scheduled_and_unpublished(client):
    hidden_author = AuthorFactory(slug="hidden")
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None,
                           authors=[hidden_author], tags=["secret"])  # fmt: skip
    scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=3))
    IssueFactory(number=3001, status=Issue.Status.DRAFT)
    IssueFactory(number=3002, publication_date=timezone.localdate() + timedelta(days=2))
    urls = "\n".join(sitemap_urls(client))
    for path in [draft.get_absolute_url(), scheduled.get_absolute_url(), "/authors/hidden/",
                 "/tags/secret/", "/issues/3001/", "/issues/3002/"]:  # fmt: skip
        assert path not in urls


def test_sitemap_has_lastmod_for_articles(client):
    article = ArticleFactory()
    root = sitemap(client)
    for url in root.findall("sm:url", NS):
        if url.find("sm:loc", NS).text.endswith(article.get_absolute_url()):
            assert url.find("sm:lastmod", NS).text.startswith(str(article.updated_at.year))
            break
    else:
        pytest.fail("article not in sitemap")
