from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Photo
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def test_published_article_without_a_time_is_refused():
    article = ArticleFactory.build(status=Article.Status.PUBLISHED, published_at=None)
    article.section.save()
    article.section_id = article.section.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.bulk_create([article])  # bulk_create skips save()'s default


def test_saving_a_published_article_without_a_time_publishes_it_now():
    article = ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)
    assert article.published_at is not None
    assert article in Article.objects.published()


def test_print_page_without_an_issue_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(print_page=3, issue=None)


def test_print_page_zero_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(print_page=0, issue=IssueFactory())


def test_photo_without_alt_text_or_credit_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        PhotoFactory(alt_text="")
    with pytest.raises(IntegrityError), transaction.atomic():
        PhotoFactory(credit="")
    assert not Photo.objects.exists()


def test_slugs_are_unique_and_survive_a_headline_change():
    first = ArticleFactory(headline="Nurses strike again")
    second = ArticleFactory(headline="Nurses strike again")
    assert (first.slug, second.slug) == ("nurses-strike-again", "nurses-strike-again-2")

    first.headline = "Nurses strike again and win"
    first.save()
    first.refresh_from_db()
    assert first.slug == "nurses-strike-again"

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=second.pk).update(slug=first.slug)


def test_author_slugs_are_unique():
    assert AuthorFactory(name="Ana Lee").slug == "ana-lee"
    assert AuthorFactory(name="Ana Lee").slug == "ana-lee-2"


def test_published_scheduled_and_draft_articles():
    now = timezone.now()
    live = ArticleFactory(published_at=now - timedelta(minutes=1))
    scheduled = ArticleFactory(published_at=now + timedelta(hours=2))
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    assert list(Article.objects.published()) == [live]
    assert live.is_published and not live.is_scheduled
    assert scheduled.is_scheduled and not scheduled.is_published
    assert not draft.is_published and not draft.is_scheduled
    later = now + timedelta(hours=3)
    assert set(Article.objects.published(at=later)) == {live, scheduled}


def test_byline_keeps_the_order_authors_are_credited_in():
    second, first = AuthorFactory(name="Zed Second"), AuthorFactory(name="Amy First")
    article = ArticleFactory(authors=[first, second])
    listed = Article.objects.for_listing().get(pk=article.pk)
    assert [a.name for a in listed.authors.all()] == ["Amy First", "Zed Second"]
