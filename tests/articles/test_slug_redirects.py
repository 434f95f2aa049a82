import pytest
from django.urls import reverse

from articles.models import Article, Correction, SlugRedirect
from tests.articles.roles import change_form_data, change_url, client_for, make_user
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def rename(client, article, slug):
    article.refresh_from_db()
    response = client.post(change_url(article), change_form_data(article, slug=slug))
    assert response.status_code == 302
    article.refresh_from_db()


def test_changing_a_published_slug_keeps_every_old_address_with_a_301(client):
    editor = client_for(make_user("editor"))
    article = ArticleFactory(slug="first-address")
    rename(editor, article, "second-address")
    rename(editor, article, "third-address")

    for old in ("first-address", "second-address"):
        response = client.get(f"/articles/{old}/")
        assert response.status_code == 301
        assert response.headers["Location"] == "/articles/third-address/"
    assert client.get("/articles/third-address/").status_code == 200


def test_going_back_to_an_old_slug_drops_its_redirect(client):
    editor = client_for(make_user("editor"))
    article = ArticleFactory(slug="original")
    rename(editor, article, "renamed")
    rename(editor, article, "original")
    assert client.get("/articles/original/").status_code == 200
    assert client.get("/articles/renamed/").headers["Location"] == "/articles/original/"
    assert not SlugRedirect.objects.filter(old_slug="original").exists()


def test_renaming_a_draft_that_was_never_published_leaves_no_redirect():
    editor = client_for(make_user("editor"))
    article = ArticleFactory(slug="draft-one", status=Article.Status.DRAFT, published_at=None)
    rename(editor, article, "draft-two")
    assert not SlugRedirect.objects.exists()


def test_an_unpublished_article_answers_410_gone(client):
    article = ArticleFactory(slug="withdrawn-story")
    client_for(make_user("editor")).post(
        reverse("admin:articles_article_move", args=[article.pk, "unpublish"])
    )

    response = client.get("/articles/withdrawn-story/")

    assert response.status_code == 410
    assert "This article has been withdrawn" in response.text


def test_old_address_of_an_unpublished_article_is_gone_too(client):
    editor = client_for(make_user("editor"))
    article = ArticleFactory(slug="old-name")
    rename(editor, article, "new-name")
    editor.post(reverse("admin:articles_article_move", args=[article.pk, "unpublish"]))
    assert client.get("/articles/old-name/").status_code == 410
    assert client.get("/articles/new-name/").status_code == 410


def test_drafts_and_unknown_addresses_stay_404(client):
    ArticleFactory(slug="never-published", status=Article.Status.DRAFT, published_at=None)
    assert client.get("/articles/never-published/").status_code == 404
    assert client.get("/articles/no-such-story/").status_code == 404


def test_corrections_show_on_the_article_and_the_corrections_page(client):
    article = ArticleFactory(headline="Council cuts libraries")
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    Correction.objects.create(
        article=article, kind="correction", text="We misnamed the council leader."
    )
    Correction.objects.create(article=article, kind="update", text="The council backed down.")
    Correction.objects.create(article=draft, text="Not for readers yet.")

    page = client.get(article.get_absolute_url()).text
    assert "Correction</strong>" in page and "We misnamed the council leader." in page
    assert "Updated</strong>" in page and "The council backed down." in page
    assert page.index("story-meta") < page.index("We misnamed") < page.index("story-body")

    listing = client.get(reverse("articles:corrections"))
    assert listing.status_code == 200
    assert "We misnamed the council leader." in listing.text
    assert "Council cuts libraries" in listing.text
    assert "Not for readers yet." not in listing.text
    assert f'href="{reverse("articles:corrections")}"' in page  # linked from the footer


def test_correction_text_is_shown_as_typed_not_as_html(client):
    article = ArticleFactory()
    Correction.objects.create(article=article, text="<script>alert(1)</script>")
    assert "<script>alert(1)" not in client.get(article.get_absolute_url()).text
    assert "<script>alert(1)" not in client.get(reverse("articles:corrections")).text


def test_corrections_page_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for n in range(10):
        Correction.objects.create(article=ArticleFactory(), text=f"Correction {n}")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("articles:corrections")).status_code == 200
