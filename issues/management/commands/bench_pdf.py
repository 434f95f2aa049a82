"""`make bench-pdf`: render a 24-article issue with a photo in each, then serve it.

Everything happens in a throwaway test database and a temporary media folder, so the
command can run anywhere without touching real content."""

import io
import os
import statistics
import tempfile
import time
import warnings
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import setup_test_environment, teardown_test_environment
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleAuthor, Author, Photo, Section, Sidebar
from articles.progress import progress
from issues import services
from issues.models import Issue, PrintPdf

PARAGRAPH = (
    "Workers at the depot walked out on Monday morning after managers imposed a pay offer "
    "that falls far behind the rising cost of living. Pickets said the mood was angry but "
    "determined, and that other sites across the region were watching closely."
)


def jpeg(seed: int) -> bytes:
    image = Image.new("RGB", (1600, 1000), (40 + seed * 8 % 200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Benchmark the print-edition PDF: pages, seconds to render, seconds to serve cached."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=24)
        parser.add_argument("--renders", type=int, default=3)
        parser.add_argument("--requests", type=int, default=50)

    def handle(self, *args, articles, renders, requests, **options):
        # WhiteNoise warns that collectstatic has not run; the benchmark needs no static files.
        warnings.filterwarnings("ignore", message="No directory at")
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with (
                tempfile.TemporaryDirectory() as media,
                override_settings(
                    MEDIA_ROOT=media,
                    TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}},
                    SECURE_SSL_REDIRECT=False,
                ),
            ):
                self.run_benchmark(articles, renders, requests)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()

    def build_issue(self, count: int) -> Issue:
        section = Section.objects.create(name="News", slug="news")
        author = Author.objects.create(name="Bench Reporter")
        issue = Issue.objects.create(
            number=2787,
            publication_date=timezone.localdate() - timedelta(days=1),
            status=Issue.Status.PUBLISHED,
        )
        for n in progress(range(1, count + 1), desc="articles", stdout=self.stdout):
            photo = Photo.objects.create(
                image=ContentFile(jpeg(n), name=f"bench-{n}.jpg"),
                alt_text=f"Pickets at depot {n}",
                caption=f"Pickets at depot {n}",
                credit="Bench Photographer",
            )
            article = Article.objects.create(
                headline=f"Strike wave reaches depot number {n}",
                standfirst="Workers walk out as the cost of living bites",
                body="".join(f"<p>{PARAGRAPH}</p>" for _ in range(8)),
                section=section,
                issue=issue,
                print_page=n,
                lead_photo=photo,
                status=Article.Status.PUBLISHED,
                published_at=timezone.now() - timedelta(hours=1),
            )
            ArticleAuthor.objects.create(article=article, author=author)
            if n % 3 == 0:
                Sidebar.objects.create(
                    article=article, heading=f"Background {n}", body=f"<p>{PARAGRAPH}</p>"
                )
        issue.cover_photo = Photo.objects.order_by("pk").first()
        issue.save()
        return issue

    def render_once(self, issue, *, again=False) -> tuple[PrintPdf, float, float]:
        job = services.issue_pdf_job(issue)
        pdf = services.rerender_pdf(job) if again else services.request_pdf(job)
        started = time.perf_counter()
        result = services.render_print_pdf(pdf.pk)
        elapsed = time.perf_counter() - started
        pdf.refresh_from_db()
        if not pdf.is_ready:
            raise RuntimeError(f"Render failed: {pdf.error}")
        return pdf, elapsed, result.cpu_seconds

    def run_benchmark(self, count: int, renders: int, requests: int):
        issue = self.build_issue(count)
        pdf, cold, cold_cpu = self.render_once(issue)
        renders_bar = progress(range(renders), desc="renders", stdout=self.stdout)
        warm = [self.render_once(issue, again=True)[1:] for _ in renders_bar]
        warm_wall = statistics.median(wall for wall, _ in warm)
        warm_cpu = statistics.median(cpu for _, cpu in warm)

        client = Client()
        url = reverse("issues:pdf", kwargs={"number": issue.number})
        timings, cpu_timings = [], []
        for _ in progress(range(requests), desc="requests", stdout=self.stdout):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            body = b"".join(response.streaming_content)
            timings.append(time.perf_counter() - started)
            cpu_timings.append(time.process_time() - started_cpu)
            if response.status_code != 200 or not body.startswith(b"%PDF"):
                raise RuntimeError(f"Cached PDF not served: {response.status_code}")
        timings.sort()

        write = self.stdout.write
        write(f"articles:                   {count} (a photo in each)")
        write(f"pages:                      {pdf.page_count}")
        write(f"PDF size:                   {len(body) / 1024:.0f} KiB")
        write(
            f"render, first in a worker:  {cold:.2f} s wall, {cold_cpu:.2f} s CPU "
            "(wall includes starting the render process)"
        )
        write(
            f"render, warm worker:        {warm_wall:.2f} s wall, {warm_cpu:.2f} s CPU "
            f"(median of {renders})"
        )
        write(
            f"serve from cache:           median {statistics.median(timings) * 1000:.1f} ms wall "
            f"({statistics.median(cpu_timings) * 1000:.1f} ms CPU), "
            f"slowest {timings[-1] * 1000:.1f} ms, over {requests} requests"
        )
        write(f"load average at the end:    {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
