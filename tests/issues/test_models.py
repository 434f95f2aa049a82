from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from issues.models import Issue
from tests.factories import ArticleFactory, IssueFactory

pytestmark = pytest.mark.django_db


def test_issue_number_zero_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        IssueFactory(number=0)


def test_issue_numbers_are_unique():
    IssueFactory(number=2787)
    with pytest.raises(IntegrityError), transaction.atomic():
        IssueFactory(number=2787)


def test_published_issues_exclude_drafts_and_future_dates():
    today = timezone.localdate()
    out = IssueFactory(publication_date=today - timedelta(days=7))
    IssueFactory(status=Issue.Status.DRAFT, publication_date=today - timedelta(days=1))
    coming = IssueFactory(publication_date=today + timedelta(days=2))

    assert list(Issue.objects.published()) == [out]
    assert out.is_published and not coming.is_published
    assert coming in Issue.objects.published(on=today + timedelta(days=2))


def test_issue_articles_come_in_page_order():
    issue = IssueFactory()
    back = ArticleFactory(issue=issue, print_page=16)
    front = ArticleFactory(issue=issue, print_page=1)
    ArticleFactory()
    assert list(issue.articles.model.objects.for_issue(issue)) == [front, back]
    assert str(issue) == f"Issue {issue.number}"
