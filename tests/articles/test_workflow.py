from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, ArticleTransition, Photo
from tests.articles.roles import change_form_data, change_url, client_for, make_user
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


def ready_article(**kwargs):
    return ArticleFactory(status=Status.READY, published_at=None, **kwargs)


def test_article_goes_from_draft_to_published_recording_who_and_when():
    writer, sub, editor = make_user("writer"), make_user("sub-editor"), make_user("editor")
    article = ArticleFactory(status=Status.DRAFT, published_at=None, created_by=writer)

    workflow.move_article(article, "submit", by=writer)
    workflow.move_article(article, "mark_ready", by=sub)
    assert article not in Article.objects.published()
    workflow.move_article(article, "publish", by=editor)

    assert article in Article.objects.published()
    moves = list(
        ArticleTransition.objects.order_by("at", "id").values_list("by__username", "to_status")
    )
    assert moves == [
        ("writer", Status.SUBBING),
        ("sub-editor", Status.READY),
        ("editor", Status.PUBLISHED),
    ]
    assert ArticleTransition.objects.latest("at").published_at == article.published_at


def test_publishing_with_a_future_time_schedules_the_article():
    editor = make_user("editor")
    tomorrow = timezone.now() + timedelta(days=1)
    article = ArticleFactory(status=Status.READY, published_at=tomorrow)

    client_for(editor).post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.is_scheduled
    assert article.published_at == tomorrow
    assert article not in Article.objects.published()
    assert article in Article.objects.published(at=tomorrow + timedelta(seconds=1))
    listing = client_for(editor).get(reverse("admin:articles_article_changelist"))
    assert "Scheduled" in listing.text


def test_publishing_is_refused_with_the_reason_while_the_lead_photo_lacks_alt_text():
    editor = make_user("editor")
    photo = PhotoFactory()
    # The database refuses an empty alt text; blank spaces are just as useless to readers.
    Photo.objects.filter(pk=photo.pk).update(alt_text="   ")
    article = ready_article(lead_photo=photo)

    response = client_for(editor).post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
        follow=True,
    )

    article.refresh_from_db()
    assert article.status == Status.READY
    assert "The lead photo has no alt text" in response.text
    assert not ArticleTransition.objects.exists()


def test_publishing_is_refused_while_an_authors_photo_lacks_a_credit():
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(credit=" ")
    article = ready_article(authors=[AuthorFactory(name="Sam Ortiz", photo=photo)])
    with pytest.raises(workflow.TransitionRefused, match="photo of Sam Ortiz has no credit"):
        workflow.move_article(article, "publish", by=make_user("editor"))
    article.refresh_from_db()
    assert article.status == Status.READY


def test_publishing_in_the_form_is_refused_with_the_reason_keeping_the_text():
    editor = make_user("editor")
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(alt_text=" ")
    article = ready_article()
    response = client_for(editor).post(
        change_url(article),
        change_form_data(
            article, lead_photo=photo.pk, status="published", headline="Freshly typed headline"
        ),
    )
    assert response.status_code == 200
    assert "Cannot publish yet. The lead photo has no alt text" in response.text
    assert "Freshly typed headline" in response.text
    article.refresh_from_db()
    assert article.status == Status.READY


def test_editor_publishes_from_the_form_and_the_move_is_recorded():
    editor = make_user("editor")
    article = ready_article()
    response = client_for(editor).post(
        change_url(article), change_form_data(article, status="published")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published
    assert ArticleTransition.objects.get().by == editor


def test_buttons_on_the_change_page_are_the_moves_the_person_may_make():
    article = ArticleFactory(status=Status.SUBBING, published_at=None)
    sub_page = client_for(make_user("sub-editor")).get(change_url(article)).text
    assert "Mark ready to publish" in sub_page
    assert "Publish or schedule" not in sub_page
    editor_page = client_for(make_user("editor")).get(change_url(article)).text
    assert "Publish or schedule" in editor_page


def test_a_move_from_the_wrong_state_is_refused_with_the_reason():
    article = ArticleFactory(status=Status.DRAFT, published_at=None)
    with pytest.raises(workflow.TransitionRefused, match="is draft"):
        workflow.move_article(article, "unpublish", by=make_user("editor"))


def test_a_move_button_only_answers_post():
    article = ready_article()
    client = client_for(make_user("editor"))
    response = client.get(reverse("admin:articles_article_move", args=[article.pk, "publish"]))
    assert response.status_code == 405
    article.refresh_from_db()
    assert article.status == Status.READY


def test_writer_sends_their_draft_for_subbing_from_the_form_and_it_locks_for_them():
    writer = make_user("writer")
    article = ArticleFactory(status=Status.DRAFT, published_at=None, created_by=writer)
    client = client_for(writer)
    form = client.get(change_url(article)).context["adminform"].form
    assert [value for value, _ in form.fields["status"].choices] == ["draft", "subbing"]

    response = client.post(
        change_url(article), change_form_data(article, status="subbing", headline="Done")
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.headline) == (Status.SUBBING, "Done")
    assert ArticleTransition.objects.get().by == writer
    assert not client.get(change_url(article)).context["has_change_permission"]
