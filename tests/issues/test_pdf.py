"""What the print-edition PDFs contain, and when they are made again."""

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from issues import services
from issues.models import PrintPdf
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    PhotoFactory,
    SectionFactory,
    SidebarFactory,
)
from tests.issues.pdf_helpers import page_texts, pdf_reader, squeeze

pytestmark = pytest.mark.django_db


def make_pdf(job, capture) -> PrintPdf:
    """Ask for a PDF and let the (immediate) task backend render it."""
    with capture(execute=True):
        pdf = services.request_pdf(job)
    pdf.refresh_from_db()
    return pdf


def pdf_bytes(pdf: PrintPdf) -> bytes:
    with pdf.file.open("rb") as file:
        return file.read()


def reference_article(**overrides):
    article = ArticleFactory(
        headline="What is behind the revolt in Kazakhstan?",
        standfirst="Russian troops are arriving by the planeload to prop up the regime",
        body="<p>The president has ordered troops to fire without warning.</p>",
        authors=[AuthorFactory(name="Simon Basketter")],
        lead_photo=PhotoFactory(
            caption="Protesters on the streets of Almaty", credit="REUTERS/Pavel Mikheyev"
        ),
        issue=IssueFactory(number=2787),
        print_page=3,
        **overrides,
    )
    SidebarFactory(article=article, heading="Friends of Tony Blair and Prince Andrew")
    return article


def test_article_pdf_prints_each_part_of_the_article_in_reading_order(
    django_capture_on_commit_callbacks,
):
    article = reference_article()

    pdf = make_pdf(services.article_pdf_job(article), django_capture_on_commit_callbacks)

    assert pdf.status == PrintPdf.Status.READY
    data = pdf_bytes(pdf)
    text = squeeze(" ".join(page_texts(data)))
    parts = [
        "What is behind the revolt in Kazakhstan?",
        "By Simon Basketter",
        "Russian troops are arriving by the planeload",
        "Protesters on the streets of Almaty",
        "(Picture: REUTERS/Pavel Mikheyev)",
        "The president has ordered troops",
        "Friends of Tony Blair and Prince Andrew",
    ]
    positions = [text.find(squeeze(part)) for part in parts]
    assert -1 not in positions, dict(zip(parts, positions, strict=True))
    assert positions == sorted(positions)
    assert squeeze("Issue 2787") in text
    assert (
        squeeze(f"http://127.0.0.1:8000/{article.slug}") in text
        or squeeze(article.get_absolute_url()) in text
    )
    assert pdf.page_count == len(pdf_reader(data).pages)
    assert pdf_reader(data).pages[0].images, "the lead photo is in the PDF"


def test_issue_pdf_contents_page_numbers_match_where_the_articles_start(
    django_capture_on_commit_callbacks,
):
    issue = IssueFactory(number=2787)
    long_body = "".join(f"<p>{'Paragraph of a long feature article. ' * 12}</p>" for _ in range(40))
    headlines = ["Alpha strike spreads", "Bravo campaign wins", "Charlie protest grows"]
    for page, (headline, body) in enumerate(
        zip(headlines, [long_body, "<p>Short.</p>", "<p>Short too.</p>"], strict=True), start=2
    ):
        ArticleFactory(
            issue=issue, print_page=page, headline=headline, body=body, lead_photo=PhotoFactory()
        )
    draft = ArticleFactory(
        issue=issue, print_page=9, headline="Draft never printed", status="draft"
    )

    pdf = make_pdf(services.issue_pdf_job(issue), django_capture_on_commit_callbacks)

    pages = [" ".join(text.split()) for text in page_texts(pdf_bytes(pdf))]
    cover, contents = pages[0], pages[1]
    assert "Issue 2787" in cover and "The Red Weekly" in cover
    assert "Alpha strike spreads" in cover, "the lead headline is on the cover"
    assert "In this issue" in contents
    assert draft.headline not in " ".join(pages)
    starts = []
    for headline in headlines:
        listed = re.search(re.escape(headline) + r"[ .]*(\d+)", contents)
        assert listed, f"{headline} not in contents: {contents}"
        first_page = next(n for n, text in enumerate(pages[2:], start=3) if headline in text)
        assert int(listed[1]) == first_page, headline
        starts.append(first_page)
    assert starts[1] - starts[0] > 1, "the long article runs over several pages"
    assert f"of {len(pages)}" in pages[-1], "running footer with page numbers"
    assert "The Red Weekly" in pages[3] and "Issue 2787" in pages[3], "running header"


def test_pdf_is_reused_while_nothing_changes(django_capture_on_commit_callbacks):
    article = reference_article()
    first = make_pdf(services.issue_pdf_job(article.issue), django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.request_pdf(services.issue_pdf_job(article.issue))

    assert callbacks == [], "nothing queued"
    assert again.pk == first.pk
    assert again.file.name == first.file.name
    assert again.finished_at == first.finished_at


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a: setattr(a, "headline", "A new headline") or a.save(), id="article"),
        pytest.param(lambda a: a.sidebars.update(heading="A new sidebar heading"), id="sidebar"),
        pytest.param(
            lambda a: (
                type(a.lead_photo)
                .objects.filter(pk=a.lead_photo_id)
                .update(credit="AP/New Photographer")
            ),
            id="photo",
        ),
    ],
)
def test_pdf_is_rendered_again_when_its_content_changes(change, django_capture_on_commit_callbacks):
    article = reference_article()
    issue = article.issue
    old = make_pdf(services.issue_pdf_job(issue), django_capture_on_commit_callbacks)
    old_file = old.file.name

    change(article)
    new = make_pdf(services.issue_pdf_job(issue), django_capture_on_commit_callbacks)

    assert new.pk != old.pk
    assert new.fingerprint != old.fingerprint
    assert new.status == PrintPdf.Status.READY
    assert not PrintPdf.objects.filter(pk=old.pk).exists(), "the old version is discarded"
    assert not new.file.storage.exists(old_file)


def test_a_missing_or_broken_photo_is_left_out_and_logged(
    django_capture_on_commit_callbacks, caplog
):
    article = reference_article()
    broken = PhotoFactory(caption="Broken picture")
    with broken.image.open("wb") as file:
        file.write(b"not a jpeg at all")
    ArticleFactory(issue=article.issue, print_page=4, headline="Second story", lead_photo=broken)
    article.lead_photo.image.storage.delete(article.lead_photo.image.name)

    with caplog.at_level(logging.WARNING, logger="issues.services"):
        pdf = make_pdf(services.issue_pdf_job(article.issue), django_capture_on_commit_callbacks)

    assert pdf.status == PrintPdf.Status.READY
    text = " ".join(page_texts(pdf_bytes(pdf)))
    assert "Second story" in text and "Kazakhstan" in text
    assert "Broken picture" not in text
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "missing or broken" in logged
    assert article.lead_photo.image.name in logged and broken.image.name in logged


def test_a_render_over_the_time_limit_fails_and_leaves_no_file(
    settings, django_capture_on_commit_callbacks, tmp_path
):
    settings.PDF_RENDER_TIME_LIMIT = 0.001
    article = reference_article()

    pdf = make_pdf(services.issue_pdf_job(article.issue), django_capture_on_commit_callbacks)

    assert pdf.status == PrintPdf.Status.FAILED
    assert "longer than" in pdf.error
    assert not pdf.file
    media = settings.MEDIA_ROOT
    assert not list(media.glob("pdfs/**/*.pdf"))


def test_only_one_render_is_queued_for_many_requests(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    article = reference_article()
    with django_capture_on_commit_callbacks(execute=True):
        pdfs = [services.request_pdf(services.issue_pdf_job(article.issue)) for _ in range(3)]

    assert len({pdf.pk for pdf in pdfs}) == 1
    assert len(default_task_backend.results) == 1
    # Two workers picking up the same job: the second finds it claimed and does nothing.
    services.render_print_pdf(pdfs[0].pk)
    pdf = PrintPdf.objects.get()
    finished_at = pdf.finished_at
    services.render_print_pdf(pdfs[0].pk)
    pdf.refresh_from_db()
    assert pdf.status == PrintPdf.Status.READY
    assert pdf.finished_at == finished_at


def test_editors_can_render_a_ready_pdf_again(settings, django_capture_on_commit_callbacks):
    article = reference_article()
    job = services.issue_pdf_job(article.issue)
    first = make_pdf(job, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.rerender_pdf(services.issue_pdf_job(article.issue))

    again = PrintPdf.objects.get()
    assert again.pk == first.pk
    assert again.status == PrintPdf.Status.READY
    assert again.finished_at > first.finished_at
    assert again.file.storage.exists(again.file.name)


def test_web_only_articles_print_their_date_instead_of_an_issue(
    django_capture_on_commit_callbacks,
):
    article = ArticleFactory(headline="Web only story", section=SectionFactory(name="Online"))

    pdf = make_pdf(services.article_pdf_job(article), django_capture_on_commit_callbacks)

    text = " ".join(page_texts(pdf_bytes(pdf)))
    assert "Web only story" in text
    assert "Issue" not in text


def test_a_render_under_way_is_waited_for_and_a_stalled_one_taken_over(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    article = reference_article()
    with django_capture_on_commit_callbacks(execute=True):
        pdf = services.request_pdf(services.issue_pdf_job(article.issue))
    now = timezone.now()
    PrintPdf.objects.filter(pk=pdf.pk).update(status=PrintPdf.Status.RENDERING, started_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_pdf(services.issue_pdf_job(article.issue))
    assert len(default_task_backend.results) == 1, "a live render is waited for"

    stalled = now - timedelta(seconds=settings.PDF_RENDER_TIME_LIMIT + 120)
    PrintPdf.objects.filter(pk=pdf.pk).update(started_at=stalled)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.request_pdf(services.issue_pdf_job(article.issue))
    assert again.status == PrintPdf.Status.PENDING
    assert len(default_task_backend.results) == 2, "a dead worker's render is queued again"

    PrintPdf.objects.filter(pk=pdf.pk).update(status=PrintPdf.Status.FAILED, finished_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_pdf(services.issue_pdf_job(article.issue))
    assert len(default_task_backend.results) == 2, "a fresh failure is not retried at once"
