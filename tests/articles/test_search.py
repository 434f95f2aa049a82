from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.search import planned_for_its_words
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def search(client, **params):
    response = client.get(reverse("articles:search"), params)
    assert response.status_code == 200
    return response


def headlines(response):
    return [article.headline for article in response.context["results"]]


def test_search_finds_published_articles_by_words_in_any_field(client):
    ArticleFactory(headline="Dockers strike in Felixstowe", standfirst="", body="<p>Port.</p>")
    ArticleFactory(headline="Nurses vote", standfirst="Ballot result on strike pay")
    ArticleFactory(headline="Rent rises", body="<p>Tenants <b>strike</b> in Leeds.</p>")
    ArticleFactory(headline="Council budget", body="<p>Cuts again.</p>")
    ArticleFactory(headline="Draft strike", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(headline="Future strike", published_at=timezone.now() + timedelta(days=1))

    found = headlines(search(client, q="strike"))

    assert sorted(found) == ["Dockers strike in Felixstowe", "Nurses vote", "Rent rises"]


def test_search_page_is_linked_from_every_page_header(client):
    ArticleFactory()
    html = client.get(reverse("articles:front")).content.decode()
    assert f'action="{reverse("articles:search")}"' in html


def test_snippet_marks_matches_and_escapes_article_markup(client):
    ArticleFactory(
        headline="Housing",
        standfirst="",
        body="<p>Tenants &lt;&amp;&gt; unions <em>strike</em>.</p>",
    )
    results = search(client, q="strike").content.decode().split('class="search-results"')[1]
    assert "Tenants &lt;&amp;&gt; unions <mark>strike</mark>" in results
    assert "<em>" not in results


def test_filters_by_section_tag_and_dates(client):
    culture = SectionFactory(name="Culture", slug="culture")
    old = timezone.now() - timedelta(days=400)
    ArticleFactory(headline="Strike film reviewed", section=culture, tags=["cinema"])
    ArticleFactory(headline="Strike in the news section", tags=["unions"])
    ArticleFactory(headline="Old strike", published_at=old, tags=["cinema"])

    assert headlines(search(client, q="strike", section="culture")) == ["Strike film reviewed"]
    assert sorted(headlines(search(client, q="strike", tag="cinema"))) == [
        "Old strike",
        "Strike film reviewed",
    ]
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert "Old strike" not in headlines(search(client, q="strike", start=since))
    until = (timezone.localdate() - timedelta(days=300)).isoformat()
    assert headlines(search(client, q="strike", end=until)) == ["Old strike"]
    assert headlines(search(client, q="strike", tag="no-such-tag")) == []


def test_filters_by_a_tag_beyond_ascii(client):
    ArticleFactory(headline="Strike at the café", tags=["café"])
    ArticleFactory(headline="Strike in the square", tags=["unions"])
    assert headlines(search(client, q="strike", tag="café")) == ["Strike at the café"]


def test_bad_filters_get_a_clear_error_and_keep_the_typed_query(client):
    response = search(client, q="strike", start="2026-05-01", end="2026-01-01")
    html = response.content.decode()
    assert "The start date is after the end date." in html
    assert 'value="strike"' in html
    response = search(client, q="strike", start="not-a-date")
    assert "Enter a valid date." in response.content.decode()


def test_results_are_paginated_keeping_the_query(client, settings):
    settings.PAGE_SIZE = 2
    for n in range(5):
        ArticleFactory(headline=f"Strike day {n}")
    response = search(client, q="strike", page=2)
    assert len(response.context["results"]) == 2
    assert "?q=strike&amp;page=3" in response.content.decode()


def test_empty_search_shows_only_the_form(client, django_assert_max_num_queries):
    ArticleFactory()
    with django_assert_max_num_queries(4):
        response = search(client)
    assert list(response.context["results"]) == []


def test_search_page_query_count_does_not_grow_with_results(client, django_assert_max_num_queries):
    for _ in range(8):
        ArticleFactory(headline="Strike news")
    with django_assert_max_num_queries(9):  # with SET LOCAL plan_cache_mode on PostgreSQL
        search(client, q="strike")


@on_postgres
def test_headline_outranks_standfirst_outranks_body(client):
    when = timezone.now() - timedelta(hours=1)
    ArticleFactory(
        headline="Body match", standfirst="", body="<p>picket lines</p>", published_at=when
    )
    ArticleFactory(headline="Standfirst match", standfirst="picket lines", published_at=when)
    ArticleFactory(headline="Picket lines hold", standfirst="", published_at=when)

    assert headlines(search(client, q="picket")) == [
        "Picket lines hold",
        "Standfirst match",
        "Body match",
    ]


@on_postgres
def test_recent_articles_rank_above_equally_relevant_old_ones(client):
    ArticleFactory(headline="Picket report", published_at=timezone.now() - timedelta(days=900))
    ArticleFactory(headline="Picket news", published_at=timezone.now() - timedelta(hours=2))
    assert headlines(search(client, q="picket")) == ["Picket news", "Picket report"]


@on_postgres
def test_search_uses_stemming_and_web_search_syntax(client):
    ArticleFactory(headline="Workers striking at the depot", body="<p>Buses stopped.</p>")
    ArticleFactory(headline="Striking teachers", body="<p>Schools closed.</p>")
    assert sorted(headlines(search(client, q="strikes"))) == [
        "Striking teachers",
        "Workers striking at the depot",
    ]
    assert headlines(search(client, q="strike -teachers")) == ["Workers striking at the depot"]


@on_postgres
def test_editing_an_article_updates_its_search_vector(client):
    article = ArticleFactory(headline="Quiet day")
    assert headlines(search(client, q="walkout")) == []
    article.headline = "Sudden walkout"
    article.save()
    assert headlines(search(client, q="walkout")) == ["Sudden walkout"]


@on_postgres
@pytest.mark.django_db(transaction=True)  # SET LOCAL lasts until the outermost commit
def test_each_search_is_planned_for_its_own_words():
    """Prepared statements would otherwise settle on one generic plan for every search."""

    def plan_cache_mode():
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return cursor.fetchone()[0]

    with planned_for_its_words():
        assert plan_cache_mode() == "force_custom_plan"
    assert plan_cache_mode() == "auto"


def snippets(response):
    """Each result's snippet as HTML, by headline."""
    html = response.content.decode().split('class="search-results"')[1]
    parts = [part.split("</p>")[0].strip() for part in html.split('class="card-standfirst">')[1:]]
    return dict(zip(headlines(response), parts, strict=True))


def test_snippet_joins_standfirst_and_body_as_sentences(client):
    ArticleFactory(
        headline="Port shut",
        standfirst="The dockers walked out and the union is behind it",
        body="<p>Not a single container moved.</p>",
    )
    ArticleFactory(
        headline="Who runs the port?",
        standfirst="Who will stop them?",
        body="<p>Not one container owner.</p>",
    )

    found = snippets(search(client, q="container"))

    assert "behind it. Not a single <mark>container</mark>" in found["Port shut"]
    assert "stop them? Not one <mark>container</mark>" in found["Who runs the port?"]


def test_headline_only_match_shows_the_standfirst(client):
    ArticleFactory(
        headline="Felixstowe dockers walk out",
        standfirst="Two thousand workers stopped the port. The union backs them.",
        body="<p>" + "The employers refused to negotiate. " * 20 + "</p>",
    )
    long = " ".join(f"word{n}" for n in range(60))
    ArticleFactory(headline="Felixstowe again", standfirst=long, body="<p>Nothing here.</p>")

    found = snippets(search(client, q="Felixstowe"))

    whole = "Two thousand workers stopped the port. The union backs them."
    assert found["Felixstowe dockers walk out"] == whole
    cut = found["Felixstowe again"]
    assert cut.startswith("word0 word1 ") and cut.endswith(" …")
    assert f"{cut.removesuffix(' …')} " in long
