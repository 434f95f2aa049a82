import operator
from functools import reduce

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connections, models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from articles.html import sanitize_html


def unique_slug(instance, value: str, *, max_length: int = 200) -> str:
    """A slug for `value` that no other row of the instance's model uses yet."""
    base = slugify(value)[:max_length].strip("-") or "item"
    slug, n = base, 2
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    while others.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug, n = f"{base[: max_length - len(suffix)]}{suffix}", n + 1
    return slug


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation and on the front page."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Photo(models.Model):
    image = models.ImageField(upload_to="photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt_text = models.CharField(
        max_length=300,
        help_text="What a screen reader says: describe what the picture shows.",
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(
        max_length=150, help_text="Agency and/or photographer, e.g. REUTERS/Pavel Mikheyev."
    )
    # Widths (in pixels) and file formats of the renditions made from the original.
    rendition_widths = models.JSONField(default=list, blank=True, editable=False)
    rendition_formats = models.JSONField(default=list, blank=True, editable=False)
    tags = TaggableManager(blank=True, help_text="Words to find the photo by in the library.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="photo_has_alt_text"),
            models.CheckConstraint(condition=~Q(credit=""), name="photo_has_credit"),
        ]

    def __str__(self):
        return self.caption or self.alt_text

    def rendition_name(self, width: int, extension: str = "jpg") -> str:
        return f"photos/renditions/{self.pk}-{width}.{extension}"

    def rendition_url(self, width: int, extension: str = "jpg") -> str:
        return default_storage.url(self.rendition_name(width, extension))

    def _srcset(self, extension: str) -> str:
        return ", ".join(f"{self.rendition_url(w, extension)} {w}w" for w in self.rendition_widths)

    @property
    def srcset(self) -> str:
        """The JPEG renditions for an <img srcset>; the original until they are made."""
        if self.rendition_widths:
            return self._srcset("jpg")
        return f"{self.image.url} {self.width}w" if self.image and self.width else ""

    @property
    def sources(self) -> list[dict]:
        """The <picture> <source>s in the better formats, smallest files first; the
        <img> keeps the JPEG fallback."""
        if not self.rendition_widths:
            return []
        return [
            {"type": f"image/{extension}", "srcset": self._srcset(extension)}
            for extension in ("avif", "webp")
            if extension in self.rendition_formats
        ]

    @property
    def src(self) -> str:
        """A sensible default <img src>: a middle-sized rendition, or the original."""
        if self.rendition_widths:
            return self.rendition_url(min(self.rendition_widths, key=lambda w: abs(w - 800)))
        return self.image.url if self.image else ""

    @property
    def thumbnail_url(self) -> str:
        if self.rendition_widths:
            return self.rendition_url(min(self.rendition_widths))
        return self.image.url if self.image else ""


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name, max_length=120)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self, *, at=None):
        """What readers may see: published, with a publication time that has come.
        A future `published_at` is a scheduled article; it appears by itself."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def newest_first(self):
        return self.order_by("-published_at", "-id")

    def in_section(self, section):
        return self.filter(section=section)

    def tagged(self, tag):
        return self.filter(pk__in=article_tag_links().filter(tag=tag).values("object_id"))

    def by_author(self, author):
        return self.filter(authors=author)

    def for_issue(self, issue):
        return self.filter(issue=issue).order_by("print_page", "id")

    def for_listing(self):
        """What a list of article cards shows, in a fixed number of queries."""
        return self.select_related("section", "lead_photo", "issue").prefetch_related(
            models.Prefetch("authors", queryset=Author.objects.order_by("articleauthor__position"))
        )

    def for_detail(self):
        return self.for_listing().prefetch_related("sidebars", "tags", "corrections")

    def top_per_section(self, count):
        """The `count` newest articles of each section, in one query: a short index range
        per section joined by UNION ALL, so the work does not grow with the archive (a
        window function over every article did)."""
        newest = [
            self.in_section(pk).newest_first().values("pk")[:count]
            for pk in Section.objects.values_list("pk", flat=True)
        ]
        return self.filter(pk_in_any(newest, using=self.db)) if newest else self.none()

    def related_to(self, article, *, candidates=20):
        """Other articles sharing the article's tags or section, those sharing the most
        tags first. Only the newest `candidates` of each tag and of the section compete, so
        the work does not grow with the archive. Reads the article's tags from its
        prefetch cache when it has one."""
        tag_ids = [tag.pk for tag in article.tags.all()]
        others = self.exclude(pk=article.pk).newest_first().values("pk")
        # A tag's most recently tagged articles, by the link's id: its index answers that
        # without visiting every article the tag was ever put on.
        pools = [others.filter(section=article.section_id)[:candidates]] + [
            others.filter(
                pk__in=article_tag_links()
                .filter(tag=tag)
                .order_by("-pk")
                .values("object_id")[:candidates]
            )
            for tag in tag_ids
        ]
        shared_tags = (
            article_tag_links()
            .filter(object_id=models.OuterRef("pk"), tag__in=tag_ids)
            .values("object_id")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return (
            self.filter(pk_in_any(pools, using=self.db))
            .annotate(shared_tags=Coalesce(models.Subquery(shared_tags), 0))
            .order_by("-shared_tags", "-published_at", "-id")
        )

    def used_tags(self):
        """The tags of these articles (for tag pages, feeds and the sitemap)."""
        return Tag.objects.filter(
            pk__in=article_tag_links().filter(object_id__in=self.values("pk")).values("tag_id")
        )

    def credited_authors(self):
        return Author.objects.filter(pk__in=self.values("authors"))


def pk_in_any(querysets, *, using) -> Q:
    """Rows whose pk one of the (sliced, ordered) `values("pk")` querysets returns: one
    UNION ALL subquery where the database allows LIMIT inside a compound statement
    (PostgreSQL), otherwise one IN per queryset (SQLite)."""
    if connections[using].features.supports_slicing_ordering_in_compound:
        return Q(pk__in=querysets[0].union(*querysets[1:], all=True))
    return reduce(operator.or_, (Q(pk__in=queryset) for queryset in querysets))


def article_tag_links():
    """Articles' rows in taggit's TaggedItem. Queries go through these rather than
    joining `Article.tags`, whose join makes taggit 6.1 raise a Django deprecation
    warning (SQLCompiler.quote_name_unless_alias). The content type is a scalar subquery
    rather than a join, so that PostgreSQL estimates a tag's links from their own
    statistics and plans tag pages well at archive size."""
    return TaggedItem.objects.filter(content_type=article_content_type())


def article_content_type():
    return models.Subquery(
        ContentType.objects.filter(app_label="articles", model="article").values("pk")[:1]
    )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBBING = "subbing", "Ready for subbing"
        READY = "ready", "Ready to publish"
        PUBLISHED = "published", "Published"

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="The address of the article. Made from the headline if left blank; "
        "it does not change when the headline does.",
    )
    standfirst = models.TextField(blank=True, help_text="The summary under the headline.")
    body = models.TextField(blank=True)
    authors = models.ManyToManyField(
        Author, through="ArticleAuthor", related_name="articles", blank=True
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    tags = TaggableManager(blank=True)
    issue = models.ForeignKey(
        "issues.Issue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text="The print issue the article appeared in. Leave blank for web-only articles.",
    )
    print_page = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Page number in the print issue."
    )
    lead_photo = models.ForeignKey(
        Photo, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_articles"
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When readers first see it. A time in the future schedules the article.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_published_idx"),
            models.Index(fields=["section", "status", "-published_at"], name="article_section_idx"),
            models.Index(fields=["issue", "print_page"], name="article_issue_page_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_article_has_time",
            ),
            models.CheckConstraint(
                condition=Q(print_page__isnull=True) | Q(issue__isnull=False),
                name="print_page_needs_issue",
            ),
            models.CheckConstraint(
                condition=Q(print_page__isnull=True) | Q(print_page__gte=1),
                name="print_page_positive",
            ),
        ]
        # What the Writer, Sub-editor and Editor groups may do (articles/workflow.py).
        permissions = [
            ("edit_any_article", "Can edit other people's articles"),
            ("mark_ready", "Can mark articles ready to publish or send them back"),
            ("publish_article", "Can publish, schedule and unpublish articles"),
            ("manage_revisions", "Can compare and restore article revisions"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.headline)
        self.body = sanitize_html(self.body)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and not self.is_published


class ArticleAuthor(models.Model):
    """The byline: an article's authors, in the order they are credited."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author")
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"


class Sidebar(models.Model):
    """A boxout printed after the main story, with its own heading."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sidebars")
    heading = models.CharField(max_length=200)
    body = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)


class ArticleTransition(models.Model):
    """One move of an article through the workflow: who moved it, from where to where,
    and when. Publishing records when it goes live, which may be in the future."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Article.Status)
    to_status = models.CharField(max_length=20, choices=Article.Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Correction(models.Model):
    """A note editors add to a published article, shown at its top with its date and
    listed on the public corrections page."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField(help_text="Plain text, shown to readers as it is typed.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="correction_newest_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.article}"


class SlugRedirect(models.Model):
    """An address an article had before its slug changed; it answers with a 301."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"


# Every saved version of an article keeps its byline and sidebars with it.
reversion.register(Article, follow=["sidebars", "articleauthor_set"])
reversion.register(Sidebar)
reversion.register(ArticleAuthor)
