from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, Author, Photo, Section, Sidebar
from issues.models import Issue

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_content_has_the_shape_of_a_real_paper():
    output = load_demo()

    assert "Loaded demo content" in output
    assert Issue.objects.published().count() >= 3
    assert Article.objects.published().count() >= 30
    assert Section.objects.filter(articles__isnull=False).distinct().count() >= 4
    assert Author.objects.exclude(bio="").count() >= 4
    assert Sidebar.objects.exists()
    for photo in Photo.objects.all():
        assert photo.alt_text and photo.caption and photo.credit
        assert photo.rendition_widths
    for issue in Issue.objects.all():
        assert issue.publication_date < timezone.localdate()
        assert issue.articles.filter(print_page__isnull=False).count() >= 5


def test_one_demo_article_carries_every_part_of_the_page():
    load_demo()
    complete = [
        article
        for article in Article.objects.published().for_detail()
        if article.authors.all()
        and article.issue
        and article.print_page
        and article.standfirst
        and article.lead_photo
        and article.lead_photo.alt_text
        and article.lead_photo.caption
        and article.lead_photo.credit
        and article.body.count("<p>") >= 5
        and "<blockquote>" in article.body
        and "<em>" in article.body
        and any(s.body.count("<p>") >= 3 for s in article.sidebars.all())
        and article.tags.all()
    ]
    assert complete


def test_loading_again_keeps_what_is_there_and_says_it_skipped():
    load_demo()
    article = Article.objects.published().first()
    article.headline = "Edited by an editor"
    article.save()
    counts = (Article.objects.count(), Photo.objects.count(), Issue.objects.count())

    output = load_demo()

    assert "Skipped demo content" in output
    assert (Article.objects.count(), Photo.objects.count(), Issue.objects.count()) == counts
    assert Article.objects.filter(headline="Edited by an editor").exists()


def test_admin_user_is_created_only_on_a_site_without_users():
    output = load_demo()
    admin = get_user_model().objects.get()
    assert admin.username == "admin" and admin.is_superuser
    assert admin.check_password("changeme")
    assert "Created superuser 'admin'" in output

    assert "superuser" not in load_demo()
    assert get_user_model().objects.count() == 1


def test_no_admin_user_when_someone_already_has_an_account(django_user_model):
    django_user_model.objects.create_user("editor", password="a-long-passphrase")
    output = load_demo()
    assert "superuser" not in output
    assert not django_user_model.objects.filter(username="admin").exists()


def test_the_complete_demo_article_leads_the_site():
    load_demo()
    newest = Article.objects.published().newest_first().first()
    assert newest.sidebars.exists() and newest.lead_photo and newest.issue
