import json
from datetime import timedelta
from itertools import groupby

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Section,
    SlugRedirect,
    TaggedArticle,
)
from articles.pagination import CappedPaginator
from newsroom.links import site_url

TOP_STORIES_PER_SECTION = 3
RELATED_ARTICLES_COUNT = 4
# An edit this soon after publication (or after an article is entered with an earlier
# publication time) is part of the first version, not an update.
UPDATE_GRACE = timedelta(minutes=10)

# The characters that could end a <script> data block early, as JSON unicode escapes.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def photo_url(photo) -> str:
    """The URL readers get for a photo: a rendition once the photo helper makes them."""
    return getattr(photo, "src", "") or photo.image.url


class ArticleListView(ListView):
    """A paginated list of published articles; subclasses narrow it and name it."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginator_class = CappedPaginator
    heading = "Latest news"
    feed_url_names = ("articles:feed-latest", "articles:feed-latest-atom")

    def get_paginate_by(self, queryset):
        return settings.PAGE_SIZE

    def get_queryset(self):
        # Narrowing may order by something else that means newest first (tagged, by_author).
        return self.narrow(Article.objects.published().newest_first()).for_listing()

    def narrow(self, articles):
        return articles

    def get_paginator(self, queryset, per_page, **kwargs):
        return super().get_paginator(queryset, per_page, counted=self.counted(queryset), **kwargs)

    def counted(self, articles):
        return articles

    def get_heading(self):
        return self.heading

    def feed_kwargs(self):
        return {}

    def get_context_data(self, **kwargs):
        rss, atom = self.feed_url_names
        return super().get_context_data(
            heading=self.get_heading(),
            feed_rss_url=reverse(rss, kwargs=self.feed_kwargs()),
            feed_atom_url=reverse(atom, kwargs=self.feed_kwargs()),
            **kwargs,
        )


class LatestView(ArticleListView):
    pass


class SectionView(ArticleListView):
    feed_url_names = ("articles:feed-section", "articles:feed-section-atom")

    def narrow(self, articles):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return articles.in_section(self.section)

    def get_heading(self):
        return self.section.name

    def feed_kwargs(self):
        return {"slug": self.section.slug}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section, description=self.section.description, **kwargs
        )


class TagView(ArticleListView):
    # A tag only used on drafts must not reveal itself: no published articles, no page.
    allow_empty = False
    feed_url_names = ("articles:feed-tag", "articles:feed-tag-atom")

    def narrow(self, articles):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return articles.tagged(self.tag)

    def counted(self, articles):
        # The tag's links alone, without a join to each article: one index range.
        return TaggedArticle.objects.filter(tag=self.tag).listed()

    def get_heading(self):
        return f"Tagged: {self.tag.name}"

    def feed_kwargs(self):
        return {"slug": self.tag.slug}


class AuthorView(ArticleListView):
    template_name = "articles/author_detail.html"
    allow_empty = False
    feed_url_names = ("articles:feed-author", "articles:feed-author-atom")

    def narrow(self, articles):
        self.author = get_object_or_404(
            Author.objects.select_related("photo"), slug=self.kwargs["slug"]
        )
        return articles.by_author(self.author)

    def counted(self, articles):
        return ArticleAuthor.objects.filter(author=self.author).listed()

    def get_heading(self):
        return self.author.name

    def feed_kwargs(self):
        return {"slug": self.author.slug}

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class FrontPageView(TemplateView):
    template_name = "articles/front_page.html"

    def get_context_data(self, **kwargs):
        top_stories = list(
            Article.objects.published()
            .top_per_section(TOP_STORIES_PER_SECTION)
            .for_listing()
            .order_by("section__position", "section__name", "-published_at", "-id")
        )
        lead = max(top_stories, key=lambda a: (a.published_at, a.pk), default=None)
        sections = [
            (section, [a for a in articles if a != lead])
            for section, articles in groupby(top_stories, key=lambda a: a.section)
        ]
        return super().get_context_data(
            lead=lead, sections=[(s, a) for s, a in sections if a], **kwargs
        )


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.published().for_detail()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if "slug" not in kwargs:
                raise
            return moved_or_gone(request, kwargs["slug"])

    def get_context_data(self, **kwargs):
        article = self.object
        canonical_url = site_url(article.get_absolute_url())
        image_url = site_url(photo_url(article.lead_photo)) if article.lead_photo else ""
        # An issue that is not out yet is not linked or named: its page would be a 404.
        issue = article.issue if article.issue and article.issue.is_published else None
        authors, tags = article.extras.author_list(), article.extras.tag_list()
        return super().get_context_data(
            issue=issue,
            authors=authors,
            tags=tags,
            sidebars=article.extras.sidebar_list(),
            corrections=article.extras.correction_list(),
            canonical_url=canonical_url,
            image_url=image_url,
            was_updated=bool(
                article.published_at
                and article.updated_at
                > max(article.published_at, article.created_at) + UPDATE_GRACE
            ),
            related_articles=related_articles(article, tags),
            json_ld=news_article_json_ld(
                article,
                authors=authors,
                tags=tags,
                issue=issue,
                canonical_url=canonical_url,
                image_url=image_url,
            ),
            **kwargs,
        )


def related_articles(article, tags) -> list[Article]:
    """The articles sharing most of the article's tags around its time, topped up with
    the newest of its section."""
    related = list(Article.objects.sharing_tags_with(article, tags, limit=RELATED_ARTICLES_COUNT))
    if len(related) < RELATED_ARTICLES_COUNT:
        related += (
            Article.objects.published()
            .only("headline", "slug", "published_at")
            .in_section(article.section_id)
            .exclude(pk__in=[article.pk, *(other.pk for other in related)])
            .newest_first()[: RELATED_ARTICLES_COUNT - len(related)]
        )
    return related


def moved_or_gone(request, slug):
    """An address readers once had: a 301 to where the article lives now, or 410 Gone
    once it has been unpublished. Addresses that never worked stay 404."""
    redirect_to = SlugRedirect.objects.filter(old_slug=slug).select_related("article").first()
    article = redirect_to.article if redirect_to else Article.objects.filter(slug=slug).first()
    if article is None:
        raise Http404
    if article.is_published and redirect_to:
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    if article.transitions.filter(from_status=Article.Status.PUBLISHED).exists():
        return TemplateResponse(request, "articles/article_gone.html", status=410)
    raise Http404


@method_decorator(never_cache, name="dispatch")
class ArticlePreviewView(ArticleDetailView):
    """A draft or scheduled article as it will look, for the newsroom only: staff see the
    articles the admin shows them (writers their own). Everyone else gets the same 404
    as for an article that does not exist."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff and user.has_perm("articles.view_article")):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return Article.objects.visible_to(self.request.user).for_detail()

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_preview=True, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response


def news_article_json_ld(article, *, authors, tags, issue, canonical_url, image_url):
    """schema.org NewsArticle for search engines, as JSON safe to put in a <script>."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.standfirst,
        "url": canonical_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical_url},
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in tags],
        "author": [
            {"@type": "Person", "name": a.name, "url": site_url(a.get_absolute_url())}
            for a in authors
        ],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": settings.SITE_NAME,
            "url": settings.SITE_URL + "/",
        },
    }
    if image_url:
        data["image"] = [image_url]
    if issue:
        data["printEdition"] = f"Issue {issue.number}"
        data["printSection"] = article.section.name
        if article.print_page:
            data["printPage"] = str(article.print_page)
    # Escaped like django.utils.html.json_script, which only makes type="application/json".
    return mark_safe(json.dumps(data).translate(_SCRIPT_ESCAPES))  # noqa: S308


class CorrectionListView(ListView):
    """Every correction and update to a published article, newest first."""

    template_name = "articles/corrections.html"
    context_object_name = "corrections"

    def get_paginate_by(self, queryset):
        return settings.PAGE_SIZE

    def get_queryset(self):
        return (
            Correction.objects.filter(article__in=Article.objects.published())
            .select_related("article")
            .order_by("-created_at", "-id")
        )
