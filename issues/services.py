"""Print-edition PDFs: which content a PDF is made of, asking for one, and making it.

A PDF is identified by the fingerprint of everything printed in it. Asking for a PDF
(`request_pdf`) costs a few queries and never renders: it finds or creates the
`PrintPdf` row for the current fingerprint and, when that row is new, queues the task.
The worker renders (`render_print_pdf`) and stores the file in the default storage.
"""

import hashlib
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from PIL import Image

from articles.html import sanitize_html
from articles.models import Article, Author
from issues.models import Issue, PrintPdf
from newsroom.storage import is_storage_full
from operations import metrics

logger = logging.getLogger(__name__)

# Part of every fingerprint: bump it when the print templates change, so that every
# PDF is made again with the new layout.
PDF_LAYOUT_VERSION = 1
# A failed render is tried again by the next reader after this long; editors need not wait.
RETRY_FAILED_AFTER = timedelta(minutes=10)
# A queued render that no worker has started after this long is queued again.
REQUEUE_PENDING_AFTER = timedelta(minutes=10)


@dataclass
class PdfJob:
    """Everything needed to ask for, name and render one PDF."""

    kind: str
    subject: Issue | Article
    template_name: str
    download_name: str
    context: dict = field(repr=False)
    fingerprint: str = ""

    @property
    def subject_fields(self):
        return {self.kind: self.subject}


def _articles_with_print_content(queryset):
    return queryset.select_related("section", "lead_photo", "issue").prefetch_related(
        Prefetch("authors", queryset=Author.objects.order_by("articleauthor__position")),
        "sidebars",
    )


def _photo_fields(photo):
    if photo is None:
        return None
    return [photo.pk, photo.image.name, photo.alt_text, photo.caption, photo.credit]


def _article_fields(article):
    return [
        article.pk,
        article.slug,
        article.updated_at,
        article.published_at,
        article.headline,
        article.standfirst,
        article.body,
        article.section.name,
        article.issue.number if article.issue else None,
        [author.name for author in article.authors.all()],
        _photo_fields(article.lead_photo),
        [[sidebar.pk, sidebar.heading, sidebar.body] for sidebar in article.sidebars.all()],
    ]


def _fingerprint(kind, content) -> str:
    payload = [PDF_LAYOUT_VERSION, settings.SITE_NAME, settings.SITE_URL, kind, content]
    encoded = json.dumps(payload, default=str, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def issue_pdf_job(issue: Issue) -> PdfJob:
    in_page_order = (
        Article.objects.published()
        .for_issue(issue)
        # Web extras filed under the issue without a page come after the printed ones.
        .order_by(F("print_page").asc(nulls_last=True), "id")
    )
    articles = list(_articles_with_print_content(in_page_order))
    content = [
        issue.number,
        issue.publication_date,
        _photo_fields(issue.cover_photo),
        [_article_fields(article) for article in articles],
    ]
    return PdfJob(
        kind=PrintPdf.Kind.ISSUE,
        subject=issue,
        template_name="issues/pdf/issue.html",
        download_name=f"issue-{issue.number}.pdf",
        context={"issue": issue, "articles": articles, "cover_photo": issue.cover_photo},
        fingerprint=_fingerprint(PrintPdf.Kind.ISSUE, content),
    )


def article_pdf_job(article: Article) -> PdfJob:
    (article,) = _articles_with_print_content(Article.objects.filter(pk=article.pk))
    return PdfJob(
        kind=PrintPdf.Kind.ARTICLE,
        subject=article,
        template_name="issues/pdf/article.html",
        download_name=f"{article.slug}.pdf",
        context={"article": article, "article_url": settings.SITE_URL + article.get_absolute_url()},
        fingerprint=_fingerprint(PrintPdf.Kind.ARTICLE, _article_fields(article)),
    )


def pdf_job_for(pdf: PrintPdf) -> PdfJob:
    if pdf.kind == PrintPdf.Kind.ISSUE:
        return issue_pdf_job(pdf.issue)
    return article_pdf_job(pdf.article)


def _enqueue_render(pdf: PrintPdf) -> None:
    from issues.tasks import render_pdf  # the task module imports this one

    transaction.on_commit(partial(render_pdf.enqueue, pdf.pk))


def _requeue(pdf: PrintPdf, **conditions) -> bool:
    """Move `pdf` back to PENDING if it still matches `conditions`; True if this call did
    it. The conditional UPDATE lets only one of many concurrent requests queue a render."""
    requeued = PrintPdf.objects.filter(pk=pdf.pk, **conditions).update(
        status=PrintPdf.Status.PENDING, queued_at=timezone.now(), error=""
    )
    if requeued:
        pdf.refresh_from_db()
        _enqueue_render(pdf)
    return bool(requeued)


def request_pdf(job: PdfJob) -> PrintPdf:
    """The PDF of the job's current content, queued for rendering if nobody has yet."""
    pdf, created = PrintPdf.objects.get_or_create(
        fingerprint=job.fingerprint, defaults={"kind": job.kind, **job.subject_fields}
    )
    if created:
        _enqueue_render(pdf)
        return pdf
    now = timezone.now()
    Status = PrintPdf.Status
    if pdf.status == Status.READY and not pdf.file.storage.exists(pdf.file.name):
        logger.warning("PDF file %s has gone from storage; rendering it again", pdf.file.name)
        _requeue(pdf, status=Status.READY)
    elif pdf.status == Status.FAILED:
        _requeue(pdf, status=Status.FAILED, finished_at__lt=now - RETRY_FAILED_AFTER)
    elif pdf.status == Status.PENDING:
        _requeue(pdf, status=Status.PENDING, queued_at__lt=now - REQUEUE_PENDING_AFTER)
    elif pdf.status == Status.RENDERING:
        # The worker that claimed it has died: a live render ends within the time limit.
        stalled_since = now - timedelta(seconds=settings.PDF_RENDER_TIME_LIMIT + 60)
        _requeue(pdf, status=Status.RENDERING, started_at__lt=stalled_since)
    return pdf


def rerender_pdf(job: PdfJob) -> PrintPdf:
    """Render the job's PDF again even though its content has not changed (an editor's
    request). A render already under way is left to finish."""
    pdf = request_pdf(job)
    if pdf.status in (PrintPdf.Status.READY, PrintPdf.Status.FAILED):
        _requeue(pdf, status=pdf.status)
    return pdf


def latest_pdf(subject: Issue | Article) -> PrintPdf | None:
    return subject.print_pdfs.order_by("-created_at", "-id").first()


def _printable_photo_ids(photos) -> set[int]:
    """The photos whose image can be read and decoded; the others are left out."""
    printable = set()
    for photo in {photo for photo in photos if photo is not None}:
        try:
            with photo.image.open("rb") as file, Image.open(file) as image:
                image.verify()
        except Exception:
            logger.warning(
                "Photo %s (%s) is missing or broken; left out of the PDF",
                photo.pk,
                photo.image.name,
                exc_info=True,
            )
        else:
            printable.add(photo.pk)
    return printable


def _render_html(job: PdfJob) -> str:
    articles = job.context.get("articles") or [job.context["article"]]
    for article in articles:
        # Stored bodies are sanitised on save; cleaning again costs little and means the
        # renderer never sees markup that was stored before the sanitiser existed.
        article.print_body = mark_safe(sanitize_html(article.body))  # noqa: S308
        for sidebar in article.sidebars.all():
            sidebar.print_body = mark_safe(sanitize_html(sidebar.body))  # noqa: S308
    photos = [article.lead_photo for article in articles] + [job.context.get("cover_photo")]
    printable = _printable_photo_ids(photos)
    cover = job.context.get("cover_photo")
    context = {
        **job.context,
        "cover_photo": cover if cover and cover.pk in printable else None,
        "printable_photo_ids": printable,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    return render_to_string(job.template_name, context)


def readable_roots() -> list[Path]:
    """The folders a PDF may read images from: media and static files."""
    roots = [Path(settings.MEDIA_ROOT), Path(settings.STATIC_ROOT)]
    return roots + [Path(folder) for folder in settings.STATICFILES_DIRS]


def render_print_pdf(pdf_id: int):
    """Render a queued PDF, if no other worker has claimed it, and store the file.
    Returns the renderer's result (pages, CPU time), or None when nothing was rendered."""
    Status = PrintPdf.Status
    claimed = PrintPdf.objects.filter(pk=pdf_id, status=Status.PENDING).update(
        status=Status.RENDERING, started_at=timezone.now()
    )
    if not claimed:
        return None
    pdf = PrintPdf.objects.select_related("issue", "article").get(pk=pdf_id)
    job = pdf_job_for(pdf)
    if job.fingerprint != pdf.fingerprint:
        # The content changed after this render was asked for: make the new version.
        pdf.delete()
        request_pdf(job)
        return None

    # Imported here so that web processes never load WeasyPrint (a second, tens of MB).
    from issues import pdf as pdf_renderer

    started = time.perf_counter()
    html = _render_html(job)
    base_url = Path(settings.MEDIA_ROOT).resolve().as_uri() + "/"
    with tempfile.TemporaryDirectory(prefix="print-pdf-") as scratch:
        target = Path(scratch) / job.download_name
        try:
            result = pdf_renderer.render_pdf(
                html,
                target,
                roots=readable_roots(),
                base_url=base_url,
                time_limit=settings.PDF_RENDER_TIME_LIMIT,
            )
        except pdf_renderer.RenderError as error:
            logger.error("Could not render %s: %s", pdf, error)
            PrintPdf.objects.filter(pk=pdf.pk).update(
                status=Status.FAILED, error=str(error), finished_at=timezone.now()
            )
            return None
        if pdf.file:
            pdf.file.delete(save=False)
        stem = job.download_name.removesuffix(".pdf")
        with target.open("rb") as file:
            # The row says READY only once the file is whole in storage, and only READY
            # rows are served, so an interrupted save is never sent to a reader.
            try:
                pdf.file.save(f"{stem}-{pdf.fingerprint[:12]}.pdf", File(file), save=False)
            except OSError as error:
                if not is_storage_full(error):
                    raise
                logger.error("No room in media storage for %s: %s", pdf, error)
                PrintPdf.objects.filter(pk=pdf.pk).update(
                    status=Status.FAILED,
                    file="",
                    error="The media storage is full: free some space, then render again.",
                    finished_at=timezone.now(),
                )
                return None
    pdf.status = Status.READY
    pdf.page_count = result.page_count
    pdf.render_seconds = round(time.perf_counter() - started, 3)
    pdf.error = "\n".join(result.warnings)
    pdf.finished_at = timezone.now()
    pdf.save(
        update_fields=["file", "status", "page_count", "render_seconds", "error", "finished_at"]
    )
    metrics.pdf_rendered()
    logger.info(
        "Rendered %s: %d pages in %.2f s (%.2f s CPU)",
        pdf,
        result.page_count,
        pdf.render_seconds,
        result.cpu_seconds,
    )
    _discard_older_pdfs(pdf)
    return result


def _discard_older_pdfs(pdf: PrintPdf) -> None:
    """Earlier versions are never served again once a newer one is ready."""
    older = PrintPdf.objects.filter(
        kind=pdf.kind,
        issue=pdf.issue,
        article=pdf.article,
        status__in=[PrintPdf.Status.READY, PrintPdf.Status.FAILED],
        created_at__lte=pdf.created_at,
    ).exclude(pk=pdf.pk)
    for old in older:
        if old.file:
            old.file.delete(save=False)
        old.delete()


# --- The issue builder: publishing an issue and its ready articles -----------------


@dataclass
class IssuePublication:
    at: datetime
    published: list = field(default_factory=list)
    not_ready: list = field(default_factory=list)  # (article, why) pairs


def issue_publication_time(issue: Issue):
    """When an issue's articles go live: the start of its publication day, local time."""
    return timezone.make_aware(datetime.combine(issue.publication_date, datetime.min.time()))


def publish_issue(issue: Issue, *, at=None, by=None) -> IssuePublication:
    """Publish the issue and every article in it that is ready to publish, all at the
    issue's publication time (a future one schedules them), in one transaction. Articles
    not ready are listed with the reason and left as they are; published ones stay put."""
    from articles import workflow

    result = IssuePublication(at=at or issue_publication_time(issue))
    with transaction.atomic():
        articles = (
            Article.objects.select_for_update()
            .filter(issue=issue)
            .exclude(status=Article.Status.PUBLISHED)
            .order_by(F("print_page").asc(nulls_last=True), "id")
        )
        for article in articles:
            if article.status != Article.Status.READY:
                result.not_ready.append((article, article.get_status_display()))
                continue
            try:
                workflow.move_article(article, "publish", by=by, at=result.at)
            except workflow.TransitionRefused as refusal:
                result.not_ready.append((article, str(refusal)))
            else:
                result.published.append(article)
        issue.status = Issue.Status.PUBLISHED
        issue.save(update_fields=["status"])
    return result
