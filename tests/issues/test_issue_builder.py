from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleTransition, Photo
from issues.models import Issue
from issues.services import publish_issue
from tests.articles.roles import client_for, make_user
from tests.factories import ArticleFactory, IssueFactory, PhotoFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


def in_issue(issue, status, page, **kwargs):
    return ArticleFactory(issue=issue, print_page=page, status=status, published_at=None, **kwargs)


def test_publishing_an_issue_publishes_its_ready_articles_at_its_publication_time():
    editor = make_user("editor")
    issue = IssueFactory(status=Issue.Status.DRAFT, publication_date=timezone.localdate())
    ready = [in_issue(issue, Status.READY, page) for page in (1, 2)]
    draft = in_issue(issue, Status.DRAFT, 3, headline="Still being written")
    subbing = in_issue(issue, Status.SUBBING, 4)

    result = publish_issue(issue, by=editor)

    start_of_day = timezone.make_aware(
        datetime.combine(issue.publication_date, datetime.min.time())
    )
    assert result.at == start_of_day
    assert result.published == ready
    assert [(a, why) for a, why in result.not_ready] == [
        (draft, "Draft"),
        (subbing, "Ready for subbing"),
    ]
    assert set(Article.objects.published()) == set(ready)
    assert {a.published_at for a in Article.objects.published()} == {start_of_day}
    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED
    assert ArticleTransition.objects.filter(by=editor, to_status=Status.PUBLISHED).count() == 2


def test_an_issue_dated_in_the_future_schedules_its_articles():
    issue = IssueFactory(
        status=Issue.Status.DRAFT, publication_date=timezone.localdate() + timedelta(days=3)
    )
    article = in_issue(issue, Status.READY, 1)
    publish_issue(issue)
    article.refresh_from_db()
    assert article.is_scheduled
    assert not Article.objects.published().exists()


def test_a_ready_article_whose_photo_lacks_alt_text_is_listed_not_published():
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(alt_text="  ")
    issue = IssueFactory(status=Issue.Status.DRAFT)
    bad = in_issue(issue, Status.READY, 1, lead_photo=photo)
    good = in_issue(issue, Status.READY, 2)
    result = publish_issue(issue)
    assert result.published == [good]
    ((article, why),) = result.not_ready
    assert article == bad and "no alt text" in why


def test_publishing_an_issue_is_one_transaction(monkeypatch):
    issue = IssueFactory(status=Issue.Status.DRAFT)
    in_issue(issue, Status.READY, 1)
    in_issue(issue, Status.READY, 2)

    def fail(*args, **kwargs):
        raise IntegrityError("the database went away")

    monkeypatch.setattr(Issue, "save", fail)
    with pytest.raises(IntegrityError):
        publish_issue(issue)
    assert not Article.objects.filter(status=Status.PUBLISHED).exists()
    assert not ArticleTransition.objects.exists()


def test_editor_publishes_from_the_issue_page_and_sees_what_was_not_ready():
    editor = make_user("editor")
    issue = IssueFactory(status=Issue.Status.DRAFT, number=2790)
    in_issue(issue, Status.READY, 1)
    in_issue(issue, Status.DRAFT, 2, headline="Back page still in draft")
    client = client_for(editor)

    page = client.get(reverse("admin:issues_issue_change", args=[issue.pk]))
    assert "Publish issue" in page.text
    assert "Not ready" in page.text and "Back page still in draft (Draft)" in page.text

    response = client.post(reverse("admin:issues_issue_publish", args=[issue.pk]), follow=True)
    assert "published 1 ready article(s)" in response.text
    assert "Back page still in draft" in response.text
    assert Article.objects.published().count() == 1


@pytest.mark.parametrize("role", ["writer", "sub-editor"])
def test_others_cannot_publish_an_issue_by_posting_its_url(role):
    issue = IssueFactory(status=Issue.Status.DRAFT)
    in_issue(issue, Status.READY, 1)
    response = client_for(make_user(role)).post(
        reverse("admin:issues_issue_publish", args=[issue.pk])
    )
    assert response.status_code == 403
    assert not Article.objects.published().exists()


def test_editor_orders_the_issue_by_page():
    editor = make_user("editor")
    issue = IssueFactory(number=2791)
    first, second = in_issue(issue, Status.READY, 1), in_issue(issue, Status.READY, 2)
    data = {
        "number": "2791",
        "publication_date": issue.publication_date.isoformat(),
        "cover_photo": "",
        "status": issue.status,
        "articles-TOTAL_FORMS": "2",
        "articles-INITIAL_FORMS": "2",
        "articles-0-id": first.pk,
        "articles-0-issue": issue.pk,
        "articles-0-print_page": "5",
        "articles-1-id": second.pk,
        "articles-1-issue": issue.pk,
        "articles-1-print_page": "1",
    }
    response = client_for(editor).post(reverse("admin:issues_issue_change", args=[issue.pk]), data)
    assert response.status_code == 302, response.context["errors"]
    assert list(Article.objects.for_issue(issue)) == [second, first]


def test_a_writer_sees_only_published_articles_and_their_own_in_an_issue():
    writer = make_user("writer")
    colleague = make_user("writer", "colleague")
    issue = IssueFactory(status=Issue.Status.DRAFT)
    in_issue(issue, Status.DRAFT, 1, headline="My own draft", created_by=writer)
    in_issue(issue, Status.DRAFT, 2, headline="A colleague's scoop", created_by=colleague)
    in_issue(issue, Status.READY, 3, headline="Subbed and ready", created_by=colleague)
    ArticleFactory(issue=issue, print_page=4, headline="Already out", created_by=colleague)
    url = reverse("admin:issues_issue_change", args=[issue.pk])

    html = client_for(writer).get(url).content.decode()

    assert "My own draft" in html and "Already out" in html
    assert "A colleague&#x27;s scoop" not in html and "Subbed and ready" not in html
    assert "1 more by others (not shown to you)" in html
    html = client_for(make_user("sub-editor")).get(url).content.decode()
    assert "A colleague&#x27;s scoop" in html and "Subbed and ready" in html
