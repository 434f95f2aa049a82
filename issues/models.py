from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


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
        return reverse("issues:detail", kwargs={"number": self.number})

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.publication_date <= timezone.localdate()
        )
