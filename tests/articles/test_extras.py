"""ArticleExtras: the database view that gives the article page its byline, tags,
sidebars and corrections with the article, in one query, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from articles import extras_view
from articles.models import Article, ArticleExtras, Author, Correction
from articles.views import RELATED_ARTICLES_COUNT
from tests.factories import ArticleFactory, AuthorFactory, SidebarFactory

pytestmark = pytest.mark.django_db


def test_extras_are_the_articles_own_in_reading_order():
    second, first = AuthorFactory(name="Second Writer"), AuthorFactory(name="First Writer")
    article = ArticleFactory(authors=[first, second], tags=["Pay", "Docks"])
    SidebarFactory(article=article, heading="Later box", position=2)
    SidebarFactory(article=article, heading="Earlier box", position=1)
    older = Correction.objects.create(
        article=article, text="Older", created_at=datetime(2026, 6, 1, 9, 30, 15, tzinfo=UTC)
    )
    newer = Correction.objects.create(
        article=article, kind=Correction.Kind.UPDATE, text="Newer", created_at=timezone.now()
    )
    ArticleFactory(authors=[AuthorFactory()], tags=["Elsewhere"])  # another article's

    extras = Article.objects.for_detail().get(pk=article.pk).extras

    assert [a.name for a in extras.author_list()] == ["First Writer", "Second Writer"]
    assert [a.get_absolute_url() for a in extras.author_list()] == [
        first.get_absolute_url(),
        second.get_absolute_url(),
    ]
    assert [(t.name, t.slug) for t in extras.tag_list()] == [("Docks", "docks"), ("Pay", "pay")]
    assert [s.heading for s in extras.sidebar_list()] == ["Earlier box", "Later box"]
    notes = extras.correction_list()
    assert [(n.kind, n.text, n.created_at) for n in notes] == [
        (newer.kind, "Newer", newer.created_at),
        (older.kind, "Older", older.created_at),
    ]
    assert all(timezone.is_aware(note.created_at) for note in notes)


def test_an_article_without_extras_has_empty_lists():
    extras = ArticleExtras.objects.get(article=ArticleFactory())
    assert (extras.authors, extras.tags, extras.sidebars, extras.corrections) == ([], [], [], [])


def test_the_article_page_takes_two_queries(client, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    article = ArticleFactory(authors=[AuthorFactory()], tags=["Docks"])
    SidebarFactory(article=article)
    Correction.objects.create(article=article, text="A correction")
    for n in range(RELATED_ARTICLES_COUNT):  # enough that the section need not top them up
        ArticleFactory(tags=["Docks"], headline=f"Related story {n}")
    url = article.get_absolute_url()
    cache.clear()
    client.get(url)  # fills the site-wide caches: sections, Latest News, the appeal

    with django_assert_num_queries(2):  # the article with its extras; related articles
        response = client.get(url)

    page = response.content.decode()
    for shown in ("By ", "Friends in high places", "A correction", "Docks", "Related story 0"):
        assert shown in page


@pytest.mark.django_db(transaction=True)
def test_migrate_recreates_the_view_around_migrations_that_rebuild_its_tables():
    """A later migration may rebuild a table the view reads (SQLite remakes a table to
    alter a column; PostgreSQL refuses to retype a column a view uses). The migrate
    command drops the view first and makes it again after."""
    article = ArticleFactory(authors=[AuthorFactory(name="Kept Writer")])
    old_field = Author._meta.get_field("name")
    new_field = models.CharField(max_length=150)
    new_field.set_attributes_from_name("name")
    new_field.model = Author

    extras_view.drop_before_migrating(None, using=connection.alias, plan=["a migration"])
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(Author, old_field, new_field)
            editor.alter_field(Author, new_field, old_field)
    finally:
        call_command("migrate", verbosity=0)  # its post_migrate makes the view again

    extras = ArticleExtras.objects.get(article=article)
    assert [author["name"] for author in extras.authors] == ["Kept Writer"]


def test_the_article_page_shows_an_edit_to_its_extras_at_once(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    author = AuthorFactory(name="Old Name")
    article = ArticleFactory(authors=[author], published_at=timezone.now() - timedelta(days=1))
    assert "Old Name" in client.get(article.get_absolute_url()).content.decode()

    author.name = "New Name"
    author.save()
    page = client.get(reverse("articles:detail", args=[article.slug])).content.decode()
    assert "New Name" in page and "Old Name" not in page
