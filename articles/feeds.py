"""RSS 2.0 and Atom feeds of the latest articles, overall and per section, tag and
author. Each Atom feed is its RSS feed with another `feed_type`. Every link is absolute
on SITE_URL (Django's default is the request's Host, which a cached feed must not carry
to every reader)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.html import escape

from articles.models import Article, Section
from newsroom.links import site_url

# Characters XML 1.0 cannot carry: one in a headline would make the whole feed fail.
_NOT_XML = str.maketrans(dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))


def xml_text(value):
    if isinstance(value, str):
        return value.translate(_NOT_XML)
    if isinstance(value, list | tuple):
        return [xml_text(item) for item in value]
    return value


class XmlSafeFeedMixin:
    """Drops what XML cannot hold from everything typed into the feed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(xml_text, args), **{k: xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(xml_text, args), **{k: xml_text(v) for k, v in kwargs.items()})


class RssFeed(XmlSafeFeedMixin, feedgenerator.Rss201rev2Feed):
    def __init__(self, *args, **kwargs):
        # RSS readers show the channel's description as HTML, like an item's; it is text.
        kwargs["description"] = escape(kwargs["description"])
        super().__init__(*args, **kwargs)


class Atom1Feed(XmlSafeFeedMixin, feedgenerator.Atom1Feed):
    pass


def byline(authors) -> str:
    """ "A", "A and B", "A, B and C"."""
    names = [author.name for author in authors]
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


class LatestFeed(Feed):
    feed_type = RssFeed
    url_name = "articles:feed-latest"

    def get_object(self, request, slug=None):
        return None

    def feed_url(self, obj):
        return site_url(reverse(self.url_name, kwargs={"slug": obj.slug} if obj else {}))

    def title(self, obj):
        return f"{settings.SITE_NAME}: latest news"

    def link(self, obj):
        return site_url(reverse("articles:latest"))

    def description(self, obj):
        return f"The newest articles from {settings.SITE_NAME}."

    def subtitle(self, obj):
        return self.description(obj)

    def narrow(self, articles, obj):
        return articles

    def items(self, obj):
        articles = Article.objects.published().for_listing().prefetch_related("tags")
        return self.narrow(articles.newest_first(), obj)[: settings.PAGE_SIZE]

    def item_title(self, article):
        return article.headline

    def item_link(self, article):
        return site_url(article.get_absolute_url())

    def item_description(self, article):
        # Readers show a description as HTML; the standfirst is plain text.
        return escape(article.standfirst)

    def item_author_name(self, article):
        return byline(article.authors.all()) or None

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]


class SectionFeed(LatestFeed):
    url_name = "articles:feed-section"

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{settings.SITE_NAME}: {section.name}"

    def link(self, section):
        return site_url(section.get_absolute_url())

    def description(self, section):
        return f"The newest {section.name} articles from {settings.SITE_NAME}."

    def narrow(self, articles, section):
        return articles.in_section(section)


class TagFeed(LatestFeed):
    url_name = "articles:feed-tag"

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published().used_tags(), slug=slug)

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def link(self, tag):
        return site_url(reverse("articles:tag", kwargs={"slug": tag.slug}))

    def description(self, tag):
        return f"The newest articles tagged {tag.name} from {settings.SITE_NAME}."

    def narrow(self, articles, tag):
        return articles.tagged(tag)


class AuthorFeed(LatestFeed):
    url_name = "articles:feed-author"

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published().credited_authors(), slug=slug)

    def title(self, author):
        return f"{settings.SITE_NAME}: {author.name}"

    def link(self, author):
        return site_url(author.get_absolute_url())

    def description(self, author):
        return f"The newest articles by {author.name} in {settings.SITE_NAME}."

    def narrow(self, articles, author):
        return articles.by_author(author)


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed-latest-atom"


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed-section-atom"


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed-tag-atom"


class AuthorAtomFeed(AuthorFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed-author-atom"
