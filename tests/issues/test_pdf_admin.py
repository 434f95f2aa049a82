"""Editors see each issue's PDF status and can have it rendered again."""

import pytest
from django.urls import reverse

from issues.models import PrintPdf
from tests.factories import ArticleFactory, IssueFactory

pytestmark = pytest.mark.django_db


def test_issue_admin_shows_pdf_status_and_re_renders_on_demand(
    admin_client, django_capture_on_commit_callbacks
):
    issue = IssueFactory(number=2787)
    ArticleFactory(issue=issue, print_page=1)
    changelist = reverse("admin:issues_issue_changelist")

    assert "Not rendered yet" in admin_client.get(changelist).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist,
            {"action": "rerender_pdf", "_selected_action": [issue.pk]},
            follow=True,
        )

    assert "Queued 1 PDF render" in response.content.decode()
    pdf = PrintPdf.objects.get(issue=issue)
    assert pdf.status == PrintPdf.Status.READY
    assert "Ready · " in admin_client.get(changelist).content.decode()
    change_page = admin_client.get(reverse("admin:issues_issue_change", args=[issue.pk]))
    assert "Print-edition PDF" in change_page.content.decode()
    assert pdf.file.url in change_page.content.decode()
    finished_at = pdf.finished_at

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(changelist, {"action": "rerender_pdf", "_selected_action": [issue.pk]})

    pdf.refresh_from_db()
    assert pdf.finished_at > finished_at


def test_change_page_says_when_the_pdf_is_out_of_date(
    admin_client, django_capture_on_commit_callbacks
):
    issue = IssueFactory()
    article = ArticleFactory(issue=issue, print_page=1)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:issues_issue_changelist"),
            {"action": "rerender_pdf", "_selected_action": [issue.pk]},
        )
    article.headline = "Changed after the render"
    article.save()

    page = admin_client.get(reverse("admin:issues_issue_change", args=[issue.pk]))

    assert "the content has changed since" in page.content.decode()
