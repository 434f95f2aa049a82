import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from tests.articles.roles import change_form_data, change_url, client_for, make_user
from tests.factories import ArticleFactory, SidebarFactory

pytestmark = pytest.mark.django_db


def save_in_admin(client, article, **changes):
    article.refresh_from_db()
    response = client.post(change_url(article), change_form_data(article, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()


def versions_of(article):
    return list(Version.objects.get_for_object(article).select_related("revision__user"))


def test_every_admin_save_keeps_a_revision_with_its_author_and_sidebars():
    editor = make_user("editor")
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    SidebarFactory(article=article, heading="Who owns the buses")
    client = client_for(editor)

    save_in_admin(client, article, headline="First headline")
    save_in_admin(client, article, headline="Second headline")

    newest, older = versions_of(article)
    assert newest.revision.user == editor and newest.revision.date_created
    assert newest.field_dict["headline"] == "Second headline"
    assert older.field_dict["headline"] == "First headline"
    sidebars = [v for v in newest.revision.version_set.all() if v.content_type.model == "sidebar"]
    assert [v.field_dict["heading"] for v in sidebars] == ["Who owns the buses"]


def test_workflow_moves_keep_a_revision_too():
    editor = make_user("editor")
    article = ArticleFactory(status=Article.Status.READY, published_at=None)
    client_for(editor).post(reverse("admin:articles_article_move", args=[article.pk, "publish"]))
    (version,) = versions_of(article)
    assert version.revision.comment == "Published"
    assert version.field_dict["status"] == "published"


def test_editor_compares_two_revisions_as_a_readable_diff():
    editor = make_user("editor")
    article = ArticleFactory(body="<p>Drivers walked out.</p><p>The depot closed.</p>")
    client = client_for(editor)
    save_in_admin(client, article)
    save_in_admin(
        client,
        article,
        body="<p>Drivers walked out.</p><p>The depot <em>stayed open</em> &amp; quiet.</p>",
    )
    newest, older = versions_of(article)

    history = client.get(reverse("admin:articles_article_revisions", args=[article.pk]))
    assert history.status_code == 200
    assert "editor" in history.text

    response = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"from": older.pk, "to": newest.pk},
    )
    assert response.status_code == 200
    (change,) = response.context["changes"]
    assert change["label"] == "Body"  # the tags, unchanged, are not listed
    assert ("removed", "The depot closed.") in change["lines"]
    assert ("added", "The depot stayed open & quiet.") in change["lines"]
    assert ("same", "Drivers walked out.") in change["lines"]
    assert "The depot stayed open &amp; quiet." in response.text


def test_editor_restores_a_revision_keeping_status_and_address():
    editor = make_user("editor")
    article = ArticleFactory(headline="Original headline", tags=["Buses", "Pay"])
    SidebarFactory(article=article, heading="Original boxout")
    client = client_for(editor)
    save_in_admin(client, article)
    old_version = versions_of(article)[0]
    article.sidebars.all().delete()
    save_in_admin(client, article, headline="Worse headline", slug="new-address", tags="Trams")
    reader = Client()  # no session: served from the page cache
    assert article.slug in reader.get(reverse("articles:tag", args=["trams"])).text

    response = client.post(
        reverse("admin:articles_article_restore", args=[article.pk, old_version.pk])
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Original headline"
    assert [s.heading for s in article.sidebars.all()] == ["Original boxout"]
    assert sorted(tag.name for tag in article.tags.all()) == ["Buses", "Pay"]
    # The page of the tag it lost was purged, and the restored tags' pages list it.
    assert reader.get(reverse("articles:tag", args=["trams"])).status_code == 404
    assert article.slug in reader.get(reverse("articles:tag", args=["buses"])).text
    assert article.slug == "new-address"
    assert article.status == Article.Status.PUBLISHED
    assert versions_of(article)[0].revision.comment.startswith("Restored the version of")


@pytest.mark.parametrize("role", ["writer", "sub-editor"])
def test_only_editors_restore(role):
    user = make_user(role)
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=user)
    client = client_for(user)
    save_in_admin(client, article, headline="Before")
    version = versions_of(article)[0]
    save_in_admin(client, article, headline="After")
    response = client.post(reverse("admin:articles_article_restore", args=[article.pk, version.pk]))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "After"


def test_writers_cannot_read_the_history_of_others_articles():
    article = ArticleFactory()
    response = client_for(make_user("writer")).get(
        reverse("admin:articles_article_revisions", args=[article.pk])
    )
    assert response.status_code == 404


def test_the_comparison_lists_tags_put_on_and_taken_off():
    editor = make_user("editor")
    article = ArticleFactory(tags=["Buses"])
    client = client_for(editor)
    save_in_admin(client, article)
    save_in_admin(client, article, tags="Buses, Trams")
    newest, older = versions_of(article)
    response = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"from": older.pk, "to": newest.pk},
    )
    (change,) = response.context["changes"]
    assert change["label"] == "Tags"
    assert ("added", "Trams") in change["lines"] and ("same", "Buses") in change["lines"]
