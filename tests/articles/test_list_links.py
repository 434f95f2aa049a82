"""Tag and author pages read their articles in order from the links' own copy of the
publication time (Article.listed_at). These tests keep that copy in step with every way
an article, its tags and its byline change."""

import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.models import Article, ArticleAuthor, TaggedArticle
from articles.services import merge_tags
from articles.views import related_articles
from tests.articles.roles import make_user
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db


def link_times(article):
    return set(
        TaggedArticle.objects.filter(content_object=article).values_list("published_at", flat=True)
    ) | set(ArticleAuthor.objects.filter(article=article).values_list("published_at", flat=True))


def test_links_copy_the_publication_time_through_the_workflow():
    author = AuthorFactory()
    article = ArticleFactory(status="draft", published_at=None, authors=[author], tags=["Pay"])
    assert link_times(article) == {None}

    article.status = Article.Status.PUBLISHED
    article.save()
    assert link_times(article) == {article.published_at}

    article.published_at = timezone.now() + timedelta(days=1)  # rescheduled
    article.save()
    assert link_times(article) == {article.published_at}

    article.status = Article.Status.DRAFT  # unpublished
    article.save()
    assert link_times(article) == {None}


def test_links_added_to_a_published_article_copy_its_time():
    article = ArticleFactory()
    article.tags.add("Docks")
    article.tags.set(["Docks", "Strikes"])
    ArticleAuthor.objects.create(article=article, author=AuthorFactory(), position=1)
    assert TaggedArticle.objects.filter(content_object=article).count() == 2
    assert link_times(article) == {article.published_at}


def test_tag_and_author_pages_list_only_what_is_out_newest_first(client):
    author = AuthorFactory(name="Sadie Robinson")
    now = timezone.now()
    for headline, published_at, status in [
        ("Older story", now - timedelta(days=2), "published"),
        ("Newer story", now - timedelta(hours=1), "published"),
        ("Scheduled story", now + timedelta(hours=1), "published"),
        ("Draft story", None, "draft"),
    ]:
        ArticleFactory(
            headline=headline,
            published_at=published_at,
            status=status,
            tags=["Docks"],
            authors=[author],
        )
    for url in (reverse("articles:tag", args=["docks"]), author.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "Scheduled story" not in html and "Draft story" not in html, url
        assert html.index("Newer story") < html.index("Older story"), url

    Article.objects.get(headline="Newer story").delete()
    unpublished = Article.objects.get(headline="Older story")
    unpublished.status = Article.Status.DRAFT
    unpublished.save()
    assert client.get(reverse("articles:tag", args=["docks"])).status_code == 404


def test_related_articles_are_the_coverage_around_the_story():
    news = SectionFactory(name="News", slug="news")
    when = timezone.now() - timedelta(days=400)
    article = ArticleFactory(section=news, published_at=when, tags=["Docks", "Pay"])
    both = ArticleFactory(
        headline="Both tags", published_at=when - timedelta(days=30), tags=["Docks", "Pay"]
    )
    one = ArticleFactory(headline="One tag", published_at=when + timedelta(days=1), tags=["Pay"])
    culture = SectionFactory()
    ArticleFactory(
        headline="Years away",
        section=culture,
        published_at=when - timedelta(days=1000),
        tags=["Docks", "Pay"],
    )
    ArticleFactory(headline="Elsewhere", section=culture, tags=["Other"])
    newest_news = ArticleFactory(headline="Newest news", section=news, tags=["Other"])

    assert related_articles(article, article.tags.all()) == [both, one, newest_news]


def test_merging_tags_moves_articles_and_photos_and_deletes_the_old_tags():
    docks = ArticleFactory(tags=["Docks"])
    both = ArticleFactory(tags=["Docks", "Dockers"])
    already = ArticleFactory(tags=["Dockers", "Port"])
    photo = PhotoFactory()
    photo.tags.add("Docks", "Port")

    merge_tags(Tag.objects.filter(name__in=["Docks", "Dockers"]), into=Tag.objects.get(name="Port"))

    assert not Tag.objects.filter(name__in=["Docks", "Dockers"]).exists()
    for article in (docks, both, already):
        assert [tag.name for tag in Article.objects.get(pk=article.pk).tags.all()] == ["Port"]
        assert link_times(article) == {article.published_at}
    assert [tag.name for tag in photo.tags.all()] == ["Port"]


def merge_every_tag_in_the_admin(client, *, role, into):
    """What the tag list's "Merge selected tags" action leads to, with every tag chosen."""
    client.force_login(make_user(role))
    session = client.session
    session["selected_tag_ids"] = ",".join(str(t.pk) for t in Tag.objects.all())
    session.save()
    return client.post("/admin/taggit/tag/merge-tags/", {"new_tag_name": into})


def test_the_admin_merges_through_the_service(client):
    article = ArticleFactory(tags=["Docks", "Dockers"])
    response = merge_every_tag_in_the_admin(client, role="superuser", into="Waterfront")
    assert response.status_code == 302
    assert [tag.name for tag in article.tags.all()] == ["Waterfront"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Waterfront"]
    page = client.get(reverse("articles:tag", args=["waterfront"])).content.decode()
    assert article.headline in page


def test_merging_tags_needs_the_permission_to_delete_them(client):
    ArticleFactory(tags=["Docks", "Dockers"])
    response = merge_every_tag_in_the_admin(client, role="sub-editor", into="Waterfront")
    assert response.status_code == 403
    assert Tag.objects.count() == 2


@pytest.mark.django_db(transaction=True)  # seed_bench runs VACUUM on PostgreSQL
def test_seed_bench_gives_its_bulk_inserted_links_their_publication_times():
    call_command("seed_bench", articles=60, stdout=io.StringIO())
    assert Article.objects.count() == 60
    assert TaggedArticle.objects.count() >= 60 and ArticleAuthor.objects.count() >= 60
    assert not TaggedArticle.objects.exclude(published_at=F("content_object__published_at"))
    assert not ArticleAuthor.objects.exclude(published_at=F("article__published_at"))


@pytest.fixture
def migrations_undone_then_redone():
    """Leaves the database at the latest migrations again for the tests after."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrations_undone_then_redone")
def test_the_migration_moves_article_tags_out_of_taggits_table():
    before = [("articles", "0006_tag_links_recent_index")]
    after = [("articles", "0007_tagged_article_and_list_times")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    section = old.get_model("articles", "Section").objects.create(name="News", slug="news")
    make = old.get_model("articles", "Article").objects.create
    published = make(
        headline="Out", slug="out", section=section, status="published", published_at=timezone.now()
    )
    draft = make(headline="Draft", slug="draft", section=section, status="draft")
    tag = old.get_model("taggit", "Tag").objects.create(name="Docks", slug="docks")
    article_type = ContentType.objects.get_for_model(Article)
    photo_type = ContentType.objects.get_for_model(PhotoFactory._meta.model)
    links = old.get_model("taggit", "TaggedItem").objects
    for article_id in (published.pk, draft.pk, 999_999):  # the last names a deleted article
        links.create(content_type_id=article_type.pk, object_id=article_id, tag=tag)
    links.create(content_type_id=photo_type.pk, object_id=1, tag=tag)

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    moved = dict(TaggedArticle.objects.values_list("content_object_id", "published_at"))
    assert moved == {published.pk: published.published_at, draft.pk: None}
    assert list(TaggedItem.objects.values_list("content_type", flat=True)) == [photo_type.pk]
