from django.db import models
from django.db.models import Q
from django.utils import timezone

from newsroom.links import page_url


class IssueQuerySet(models.QuerySet):
    def published(self, *, on=None):
        """Issues readers may see: published, with a publication date that has come."""
        return self.filter(
            status=Issue.Status.PUBLISHED, publication_date__lte=on or timezone.localdate()
        )


class Issue(models.Model):
    """A numbered print edition of the paper."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    number = models.PositiveIntegerField(unique=True)
    publication_date = models.DateField()
    cover_photo = models.ForeignKey(
        "articles.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["status", "-publication_date"], name="issue_published_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="issue_number_positive"),
        ]

    def __str__(self):
        return f"Issue {self.number}"

    def get_absolute_url(self):
        return page_url("issues:detail", number=self.number)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED and self.publication_date <= timezone.localdate()
        )


def print_pdf_upload_to(instance, filename):
    return f"pdfs/{instance.kind}/{filename}"


class PrintPdf(models.Model):
    """One rendering of an issue's or an article's print-edition PDF, for one version of
    its content. The fingerprint of that content is unique, so however many readers ask
    at once, each version is claimed by one row and rendered once."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "Whole issue"
        ARTICLE = "article", "Single article"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the worker"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind)
    issue = models.ForeignKey(
        Issue, null=True, blank=True, on_delete=models.CASCADE, related_name="print_pdfs"
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="print_pdfs",
    )
    fingerprint = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    file = models.FileField(upload_to=print_pdf_upload_to, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "print PDF"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="issue", issue__isnull=False, article__isnull=True)
                    | Q(kind="article", article__isnull=False, issue__isnull=True)
                ),
                name="print_pdf_has_one_subject",
            ),
        ]

    def __str__(self):
        subject = self.issue if self.kind == self.Kind.ISSUE else self.article
        return f"PDF of {subject} ({self.get_status_display().lower()})"

    @property
    def is_ready(self):
        return self.status == self.Status.READY
