"""Downloading the PDFs: the wait page, the status URL, the file, and what is public."""

import json
from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from issues import services
from issues.models import PrintPdf
from tests.factories import ArticleFactory, IssueFactory, SidebarFactory
from tests.issues.pdf_helpers import page_texts, response_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_only(settings):
    """Tasks are queued but not run, so the PDF stays pending as in production."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def issue():
    issue = IssueFactory(number=2787)
    article = ArticleFactory(issue=issue, print_page=1, headline="Revolt in Kazakhstan")
    SidebarFactory(article=article)
    return issue


def issue_pdf_url(issue):
    return reverse("issues:pdf", kwargs={"number": issue.number})


def test_the_wait_page_refreshes_itself_and_polls_the_status_url(
    client, issue, queue_only, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(issue_pdf_url(issue))

    assert response.status_code == 202
    html = response.content.decode()
    assert "Preparing PDF, please wait…" in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    status_url = reverse("issues:pdf-status", kwargs={"number": issue.number})
    assert f'data-status-url="{status_url}"' in html
    assert "js/pdf-download.js" in html
    assert "no-cache" in response["Cache-Control"]
    assert len(default_task_backend.results) == 1

    with django_capture_on_commit_callbacks(execute=True):
        status = client.get(status_url)
    assert status.json() == {"status": "pending", "ready": False, "pdf_url": issue_pdf_url(issue)}
    assert len(default_task_backend.results) == 1, "asking again queues nothing more"

    services.render_print_pdf(PrintPdf.objects.get().pk)  # what the worker does

    assert client.get(status_url).json()["ready"] is True
    response = client.get(issue_pdf_url(issue))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_ready_pdf_is_served_from_storage_with_its_filename_and_etag(
    client, issue, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        client.get(issue_pdf_url(issue))

    with django_assert_max_num_queries(8):
        response = client.get(issue_pdf_url(issue))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="issue-2787.pdf"'
    pdf = PrintPdf.objects.get()
    assert response["ETag"] == f'"{pdf.fingerprint}"'
    assert "Revolt in Kazakhstan" in " ".join(page_texts(response_bytes(response)))

    not_modified = client.get(issue_pdf_url(issue), headers={"if-none-match": response["ETag"]})
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == response["ETag"]
    assert not_modified.content == b""

    stale = client.get(issue_pdf_url(issue), headers={"if-none-match": '"something-else"'})
    assert stale.status_code == 200


def test_article_pdf_is_named_after_its_slug(client, django_capture_on_commit_callbacks):
    article = ArticleFactory(headline="Revolt in Kazakhstan")
    url = reverse("issues:article-pdf", kwargs={"slug": article.slug})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="revolt-in-kazakhstan.pdf"'
    status = client.get(reverse("issues:article-pdf-status", kwargs={"slug": article.slug}))
    assert status.json() == {"status": "ready", "ready": True, "pdf_url": url}


def test_the_pdf_follows_the_content(client, issue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.get(issue_pdf_url(issue))
    first = client.get(issue_pdf_url(issue))
    article = issue.articles.get()
    article.headline = "Revolt spreads across Kazakhstan"
    article.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(issue_pdf_url(issue)).status_code == 202
    second = client.get(issue_pdf_url(issue))

    assert second["ETag"] != first["ETag"]
    assert "Revolt spreads across Kazakhstan" in " ".join(page_texts(response_bytes(second)))
    assert (
        client.get(issue_pdf_url(issue), headers={"if-none-match": first["ETag"]}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "make_issue",
    [
        pytest.param(lambda: IssueFactory(status="draft"), id="draft"),
        pytest.param(
            lambda: IssueFactory(publication_date=timezone.localdate() + timedelta(days=3)),
            id="future",
        ),
    ],
)
def test_unpublished_issues_have_no_pdf(client, make_issue):
    issue = make_issue()
    assert client.get(issue_pdf_url(issue)).status_code == 404
    assert (
        client.get(reverse("issues:pdf-status", kwargs={"number": issue.number})).status_code == 404
    )
    assert not PrintPdf.objects.exists()


@pytest.mark.parametrize(
    "make_article",
    [
        pytest.param(lambda: ArticleFactory(status="draft", published_at=None), id="draft"),
        pytest.param(
            lambda: ArticleFactory(published_at=timezone.now() + timedelta(hours=2)), id="scheduled"
        ),
    ],
)
def test_unpublished_articles_have_no_pdf(client, make_article):
    article = make_article()
    for name in ["issues:article-pdf", "issues:article-pdf-status"]:
        assert client.get(reverse(name, kwargs={"slug": article.slug})).status_code == 404
    assert not PrintPdf.objects.exists()


def test_drafts_are_left_out_of_a_published_issue(
    client, issue, django_capture_on_commit_callbacks
):
    ArticleFactory(issue=issue, print_page=2, headline="Unfinished draft", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(issue_pdf_url(issue))

    text = " ".join(page_texts(response_bytes(client.get(issue_pdf_url(issue)))))

    assert "Revolt in Kazakhstan" in text
    assert "Unfinished draft" not in text


def test_a_failed_render_says_so(client, issue, settings, django_capture_on_commit_callbacks):
    settings.PDF_RENDER_TIME_LIMIT = 0.001
    with django_capture_on_commit_callbacks(execute=True):
        client.get(issue_pdf_url(issue))

    response = client.get(issue_pdf_url(issue))

    assert response.status_code == 503
    assert "could not be made" in response.content.decode()
    assert "Retry-After" in response
    status = json.loads(client.get(reverse("issues:pdf-status", kwargs={"number": 2787})).content)
    assert status["status"] == "failed"


def test_only_get_and_head(client, issue):
    assert client.post(issue_pdf_url(issue)).status_code == 405


def test_article_page_partial_links_to_both_pdfs(rf):
    from django.template.loader import render_to_string

    article = ArticleFactory(issue=IssueFactory(number=2787), print_page=3)

    html = render_to_string("_partials/pdf-download.html", {"article": article})

    assert reverse("issues:article-pdf", kwargs={"slug": article.slug}) in html
    assert reverse("issues:pdf", kwargs={"number": 2787}) in html
    assert 'data-status-url="/issues/2787/pdf/status/"' in html
    assert "js/pdf-download.js" in html
