"""The PDF download in a real browser: "please wait", then the file."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from issues import services
from issues.models import PrintPdf
from tests.browser.support import axe_violations
from tests.factories import ArticleFactory, IssueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue_only(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_article_pdf_link_says_please_wait_then_downloads(page, queue_only):
    article = ArticleFactory(headline="Revolt in Kazakhstan", issue=IssueFactory(), print_page=2)
    page.goto(article.get_absolute_url())
    status = page.locator(".pdf-download-status")

    status_url = reverse("issues:article-pdf-status", kwargs={"slug": article.slug})
    with page.expect_response(lambda response: status_url in response.url):
        page.get_by_role("link", name="Download PDF").click()
    expect(status).to_have_text("Downloading PDF. Please wait...")

    with page.expect_download() as download:
        services.render_print_pdf(PrintPdf.objects.get().pk)  # the worker's turn

    assert download.value.suggested_filename == "revolt-in-kazakhstan.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF-")


def test_wait_page_is_accessible_and_keeps_polling(page, queue_only):
    issue = IssueFactory(number=2787)
    ArticleFactory(issue=issue, print_page=1)
    status_url = reverse("issues:pdf-status", kwargs={"number": 2787})

    with page.expect_response(lambda response: status_url in response.url) as polled:
        page.goto(reverse("issues:pdf", kwargs={"number": 2787}))

    assert polled.value.json()["status"] == "pending"
    assert page.get_by_role("heading", level=1).text_content() == "Preparing PDF, please wait…"
    assert axe_violations(page) == []
