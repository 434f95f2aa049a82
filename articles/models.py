import operator
from datetime import timedelta
from functools import reduce

import reversion
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from articles.html import sanitize_html
from newsroom.links import page_url


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
        return page_url("articles:section", slug=self.slug)


class PhotoQuerySet(models.QuerySet):
    def used_by(self, articles):
        """The photos `articles` show: as their lead photo, or as the photo of an author
        on their byline."""
        return self.filter(
            Q(pk__in=articles.filter(lead_photo__isnull=False).values("lead_photo"))
            | Q(
                pk__in=Author.objects.filter(articles__in=articles, photo__isnull=False).values(
                    "photo"
                )
            )
        )

    def used_beyond_drafts_of(self, user):
        """The photos a change to would show somewhere other than `user`'s own drafts:
        on anyone else's article, on an article past draft, or outside the articles."""
        others = Article.objects.exclude(status=Article.Status.DRAFT, created_by_id=user.pk)
        return self.used_by(others) | self.used_outside_articles()

    def used_outside_articles(self):
        """The photos other apps' models point at (an issue's cover, say), found through
        the relations they declare, as this app imports none of them."""
        used = Q(pk__in=[])
        for relation in self.model._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and relation.is_relation and not relation.concrete):
                continue
            if relation.related_model in (Article, Author) or not relation.field.many_to_one:
                continue
            name = relation.field.name
            users = relation.related_model._base_manager.filter(**{f"{name}__isnull": False})
            used |= Q(pk__in=users.values(name))
        return self.filter(used)


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

    objects = PhotoQuerySet.as_manager()

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
        return page_url("articles:author", slug=self.slug)


class ArticleQuerySet(models.QuerySet):
    def published(self, *, at=None):
        """What readers may see: published, with a publication time that has come.
        A future `published_at` is a scheduled article; it appears by itself."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def visible_to(self, user):
        """The articles `user` may read in the newsroom (the admin, previews): every one
        for sub-editors and editors, their own (in any state) for writers, none for
        anyone who may not see articles at all."""
        if not (user.has_perm("articles.view_article") or user.has_perm("articles.change_article")):
            return self.none()
        if user.has_perm("articles.edit_any_article"):
            return self
        return self.filter(created_by_id=user.pk)

    def readable_by(self, user):
        """What readers see, and what the newsroom shows `user` besides (visible_to)."""
        return self.published() | self.visible_to(user)

    def newest_first(self):
        return self.order_by("-published_at", "-id")

    def in_section(self, section):
        return self.filter(section=section)

    def tagged(self, tag):
        """Published articles with the tag, newest first, read in order from the tag's
        links (their own copy of the publication time), so that a tag's page costs the
        same however long the archive grows."""
        return self.filter(
            tag_links__tag=tag, tag_links__published_at__lte=timezone.now()
        ).order_by("-tag_links__published_at", "-tag_links__content_object_id")

    def by_author(self, author):
        """Like `tagged`, from the byline's links."""
        return self.filter(
            articleauthor__author=author, articleauthor__published_at__lte=timezone.now()
        ).order_by("-articleauthor__published_at", "-articleauthor__article_id")

    def for_issue(self, issue):
        return self.filter(issue=issue).order_by("print_page", "id")

    def for_listing(self):
        """What a list of article cards shows, in a fixed number of queries."""
        return self.select_related("section", "lead_photo", "issue").prefetch_related(
            models.Prefetch("authors", queryset=Author.objects.order_by("articleauthor__position"))
        )

    def for_detail(self):
        """An article page's article, with everything its page shows in one query."""
        return self.select_related("section", "lead_photo", "issue", "extras")

    def top_per_section(self, count):
        """The `count` newest articles of each section, in one query: a short index range
        per section joined by UNION ALL, so the work does not grow with the archive (a
        window function over every article did)."""
        newest = [
            self.in_section(pk).newest_first().values("pk")[:count]
            for pk in Section.objects.values_list("pk", flat=True)
        ]
        return self.filter(pk_in_any(newest, using=self.db)) if newest else self.none()

    def sharing_tags_with(self, article, tags, *, limit, around=timedelta(days=90)):
        """Up to `limit` other listed articles with any of `tags` (the article's) published
        within `around` of it, the coverage of the same story: those sharing the most
        tags first, then the newest. Ranked from the tag links' own index, then only the
        winners are read, so it costs the same however long the archive grows. Only
        headline, slug and publication time are loaded.

        Raw SQL in the dialect PostgreSQL and SQLite share, as the ORM has no subquery
        in FROM: building its nearest equivalent took the ORM four times as long as the
        database took to run it, on every article page. The queryset's own filters do
        not apply; the links' copy of the publication time says what readers may see."""
        if not tags:
            return self.none()
        when = article.published_at or timezone.now()  # a draft, in preview
        tag_ids = [tag.pk for tag in tags]
        sql = f"""
            SELECT article.id, article.headline, article.slug, article.published_at
            FROM (
                SELECT link.content_object_id, link.published_at, COUNT(*) AS shared_tags
                FROM {TaggedArticle._meta.db_table} link
                WHERE link.tag_id IN ({", ".join(["%s"] * len(tag_ids))})
                    AND link.published_at BETWEEN %s AND %s
                    AND link.published_at <= %s
                    AND link.content_object_id <> %s
                GROUP BY link.content_object_id, link.published_at
                ORDER BY shared_tags DESC, link.published_at DESC, link.content_object_id DESC
                LIMIT %s
            ) ranked
            JOIN {Article._meta.db_table} article ON article.id = ranked.content_object_id
            ORDER BY ranked.shared_tags DESC, ranked.published_at DESC, article.id DESC
        """  # noqa: S608 - table names from the models; every value is a parameter
        params = [*tag_ids, when - around, when + around, timezone.now(), article.pk, limit]
        return self.raw(sql, params)

    def used_tags(self):
        """The tags of these articles (for tag pages, feeds and the sitemap)."""
        return Tag.objects.filter(
            pk__in=TaggedArticle.objects.filter(content_object__in=self).values("tag")
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
    tags = TaggableManager(through="TaggedArticle", blank=True)
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
        # Keep the links' copy of the publication time (see `listed_at`) in step.
        self.tag_links.exclude(published_at=self.listed_at).update(published_at=self.listed_at)
        self.articleauthor_set.exclude(published_at=self.listed_at).update(
            published_at=self.listed_at
        )

    def get_absolute_url(self):
        return page_url("articles:detail", slug=self.slug)

    @property
    def listed_at(self):
        """Where the article sits in the lists of its tags and authors: its publication
        time while it is published (a future one still to come), else none. Its tag and
        byline links keep a copy, so that those lists read one index in order instead
        of sorting every article a tag or author ever had."""
        return self.published_at if self.status == self.Status.PUBLISHED else None

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


class ListedLinkQuerySet(models.QuerySet):
    def listed(self):
        """The links of articles readers may see, by the links' copy of listed_at."""
        return self.filter(published_at__lte=timezone.now())


class ArticleAuthor(models.Model):
    """The byline: an article's authors, in the order they are credited."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)
    published_at = models.DateTimeField(null=True, editable=False)  # Article.listed_at

    objects = ListedLinkQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author")
        ]
        indexes = [
            models.Index(
                fields=["author", "-published_at", "-article"], name="author_article_newest_idx"
            )
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"

    def save(self, *args, **kwargs):
        self.published_at = self.article.listed_at
        super().save(*args, **kwargs)


class TaggedArticle(TaggedItemBase):
    """An article's tag: taggit's link with a real key to the article, and a copy of its
    place in the tag's list (Article.listed_at) for the tag page to read in order."""

    content_object = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tag_links")
    published_at = models.DateTimeField(null=True, editable=False)

    objects = ListedLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag")
        ]
        indexes = [
            models.Index(
                fields=["tag", "-published_at", "-content_object"], name="tag_article_newest_idx"
            )
        ]

    def __str__(self):
        return f"{self.tag} on {self.content_object}"

    def save(self, *args, **kwargs):
        self.published_at = self.content_object.listed_at
        super().save(*args, **kwargs)


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


class ArticleExtras(models.Model):
    """An article's byline, tags, sidebars and corrections as JSON lists, read from the
    database view defined in articles/extras_view.py (one row per article). The article
    page joins it (`Article.objects.for_detail()`) and so reads all four with the
    article in one query instead of five. A view stores nothing, so nothing here can go
    stale."""

    article = models.OneToOneField(
        Article,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="extras",
        db_column="article_id",
    )
    authors = models.JSONField()
    tags = models.JSONField()
    sidebars = models.JSONField()
    corrections = models.JSONField()

    class Meta:
        managed = False
        db_table = "articles_article_extras"
        verbose_name_plural = "article extras"

    def __str__(self):
        return f"Extras of article {self.article_id}"

    def author_list(self) -> list[Author]:
        return unsaved_rows(Author, self.authors)

    def tag_list(self) -> list[Tag]:
        return unsaved_rows(Tag, self.tags)

    def sidebar_list(self) -> list[Sidebar]:
        return unsaved_rows(Sidebar, self.sidebars)

    def correction_list(self) -> list[Correction]:
        return unsaved_rows(Correction, self.corrections)


def unsaved_rows(model, rows: list[dict]) -> list[models.Model]:
    """Instances of `model` for rows of its column values as JSON gives them (dates as
    ISO text), for templates that expect the model's fields and methods."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [
        model(**{name: fields[name].to_python(value) for name, value in row.items()})
        for row in rows
    ]


# Every saved version of an article keeps its byline, sidebars and tags with it.
reversion.register(Article, follow=["sidebars", "articleauthor_set", "tag_links"])
reversion.register(Sidebar)
reversion.register(ArticleAuthor)
reversion.register(TaggedArticle)
