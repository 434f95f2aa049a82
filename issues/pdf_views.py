"""Print-edition PDF downloads. A request never renders: it serves the stored file for
the current content, or queues the render and answers with a page that waits for it."""

from django.http import FileResponse, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_safe

from articles.models import Article
from issues import services
from issues.models import Issue

# Seconds between reloads of the wait page when JavaScript is off.
WAIT_PAGE_REFRESH_SECONDS = 3


def _published_issue(number):
    return get_object_or_404(Issue.objects.published().select_related("cover_photo"), number=number)


def _published_article(slug):
    return get_object_or_404(Article.objects.published(), slug=slug)


def _etag_matches(request, etag) -> bool:
    header = request.headers.get("If-None-Match", "")
    if header.strip() == "*":
        return True
    return etag in {tag.removeprefix("W/") for tag in parse_etags(header)}


def _wait_page(request, pdf, *, pdf_url, status_url):
    failed = pdf.status == pdf.Status.FAILED
    response = render(
        request,
        "issues/pdf_wait.html",
        {
            "pdf": pdf,
            "failed": failed,
            "pdf_url": pdf_url,
            "status_url": status_url,
            "refresh_seconds": WAIT_PAGE_REFRESH_SECONDS,
        },
        status=503 if failed else 202,
    )
    if failed:
        response["Retry-After"] = int(services.RETRY_FAILED_AFTER.total_seconds())
    add_never_cache_headers(response)
    return response


def _serve_pdf(request, job, *, pdf_url, status_url) -> HttpResponse:
    pdf = services.request_pdf(job)
    if pdf.is_ready:
        etag = quote_etag(pdf.fingerprint)
        if _etag_matches(request, etag):
            response = HttpResponseNotModified()
        else:
            try:
                file = pdf.file.open("rb")
            except OSError:  # replaced by a newer render a moment ago
                return _wait_page(request, pdf, pdf_url=pdf_url, status_url=status_url)
            response = FileResponse(
                file, as_attachment=True, filename=job.download_name, content_type="application/pdf"
            )
        response["ETag"] = etag
        # Readers may keep the file but must ask whether it is still current.
        response["Cache-Control"] = "no-cache"
        return response
    return _wait_page(request, pdf, pdf_url=pdf_url, status_url=status_url)


def _status(job, *, pdf_url) -> JsonResponse:
    pdf = services.request_pdf(job)
    response = JsonResponse({"status": pdf.status, "ready": pdf.is_ready, "pdf_url": pdf_url})
    add_never_cache_headers(response)
    return response


@require_safe
def issue_pdf(request, number):
    job = services.issue_pdf_job(_published_issue(number))
    return _serve_pdf(
        request,
        job,
        pdf_url=request.path,
        status_url=reverse("issues:pdf-status", kwargs={"number": number}),
    )


@require_safe
def issue_pdf_status(request, number):
    job = services.issue_pdf_job(_published_issue(number))
    return _status(job, pdf_url=reverse("issues:pdf", kwargs={"number": number}))


@require_safe
def article_pdf(request, slug):
    job = services.article_pdf_job(_published_article(slug))
    return _serve_pdf(
        request,
        job,
        pdf_url=request.path,
        status_url=reverse("issues:article-pdf-status", kwargs={"slug": slug}),
    )


@require_safe
def article_pdf_status(request, slug):
    job = services.article_pdf_job(_published_article(slug))
    return _status(job, pdf_url=reverse("issues:article-pdf", kwargs={"slug": slug}))
