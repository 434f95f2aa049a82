"""RSS 2.0 and Atom feeds of the latest articles, overall and per section, tag and
author. Each Atom feed is its RSS feed with another `feed_type`."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article, Section


def byline(authors) -> str:
    """ "A", "A and B", "A, B and C"."""
    names = [author.name for author in authors]
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


class LatestFeed(Feed):
    def get_object(self, request, slug=None):
        return None

    def title(self, obj):
        return f"{settings.SITE_NAME}: latest news"

    def link(self, obj):
        return reverse("articles:latest")

    def description(self, obj):
        return f"The newest articles from {settings.SITE_NAME}."

    def subtitle(self, obj):
        return self.description(obj)

    def narrow(self, articles, obj):
        return articles

    def items(self, obj):
        articles = Article.objects.published().for_listing().prefetch_related("tags")
        return self.narrow(articles, obj).newest_first()[: settings.PAGE_SIZE]

    def item_title(self, article):
        return article.headline

    def item_description(self, article):
        return article.standfirst

    def item_author_name(self, article):
        return byline(article.authors.all()) or None

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]


class SectionFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{settings.SITE_NAME}: {section.name}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return f"The newest {section.name} articles from {settings.SITE_NAME}."

    def narrow(self, articles, section):
        return articles.in_section(section)


class TagFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published().used_tags(), slug=slug)

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def link(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def description(self, tag):
        return f"The newest articles tagged {tag.name} from {settings.SITE_NAME}."

    def narrow(self, articles, tag):
        return articles.tagged(tag)


class AuthorFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published().credited_authors(), slug=slug)

    def title(self, author):
        return f"{settings.SITE_NAME}: {author.name}"

    def link(self, author):
        return author.get_absolute_url()

    def description(self, author):
        return f"The newest articles by {author.name} in {settings.SITE_NAME}."

    def narrow(self, articles, author):
        return articles.by_author(author)


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed


class AuthorAtomFeed(AuthorFeed):
    feed_type = Atom1Feed
