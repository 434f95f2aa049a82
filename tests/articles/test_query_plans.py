"""Every public list stays fast however long the archive grows: no deep OFFSET scans,
and on PostgreSQL each main query can be answered from an index."""

import pytest
from django.db import connection
from django.db.models.query import RawQuerySet
from django.urls import reverse

from articles import pagination
from articles.models import Article, Author, Section
from articles.search import search_articles
from articles.views import RELATED_ARTICLES_COUNT, TOP_STORIES_PER_SECTION
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_lists_offer_a_capped_number_of_pages(client, settings, monkeypatch):
    settings.PAGE_SIZE = 1
    monkeypatch.setattr(pagination, "MAX_PAGES", 2)
    for _ in range(4):
        ArticleFactory()
    html = client.get(reverse("articles:latest")).content.decode()
    assert "Page 1 of 2" in html
    assert client.get(reverse("articles:latest") + "?page=2").status_code == 200
    assert client.get(reverse("articles:latest") + "?page=3").status_code == 404


def plan(queryset) -> str:
    if isinstance(queryset, RawQuerySet):
        sql, params = queryset.raw_query, queryset.params
    else:
        sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny test tables are cheapest to scan; forbidding scans asks whether an index
        # *can* answer the query, which is what matters at 200,000 articles.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def forget_statistics(*tables):
    """Plan as for tables never analysed, as the question is what the indexes can do, not
    what suits the few rows an earlier test's ANALYZE saw (its row counts stay behind even
    when its transaction is rolled back). The test clusters run as a superuser."""
    oids = [list(tables)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", oids)
        cursor.execute(
            "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = ANY(%s::regclass[])",
            oids,
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans of PostgreSQL")
def test_main_public_queries_use_indexes():
    news = SectionFactory(name="News", slug="news")
    SectionFactory(name="Culture", slug="culture")
    author = AuthorFactory()
    issue = IssueFactory()
    article = ArticleFactory(section=news, authors=[author], tags=["docks", "pay"], issue=issue)
    for _ in range(5):
        ArticleFactory(section=news, authors=[author], tags=["docks"])
    forget_statistics("articles_article", "articles_taggedarticle", "articles_articleauthor")
    published = Article.objects.published()
    tag = article.tags.get(slug="docks")
    queries = {
        "front": published.top_per_section(TOP_STORIES_PER_SECTION).for_listing(),
        "latest": published.newest_first()[:20],
        "latest count": published.newest_first()[:1000],
        "section": published.in_section(news).newest_first()[:20],
        "tag": published.tagged(tag)[:20],
        "author": published.by_author(Author.objects.get())[:20],
        "issue": published.for_issue(issue)[:20],
        "article": published.for_detail().filter(slug=article.slug),
        "related": published.sharing_tags_with(
            article, article.tags.all(), limit=RELATED_ARTICLES_COUNT
        ),
        "search": search_articles(published, "docks pay")[:20],
        "section by slug": Section.objects.filter(slug="news"),
    }
    for name, queryset in queries.items():
        explained = plan(queryset)
        assert "Seq Scan on articles_article" not in explained, f"{name}:\n{explained}"
        assert "Seq Scan on articles_taggedarticle" not in explained, f"{name}:\n{explained}"
        assert "Seq Scan on articles_articleauthor" not in explained, f"{name}:\n{explained}"
    # Tag and author pages walk their newest-first link index rather than sorting every
    # article the tag or author ever had.
    assert "tag_article_newest_idx" in plan(queries["tag"])
    assert "tag_article_newest_idx" in plan(queries["related"])
    assert "author_article_newest_idx" in plan(queries["author"])
