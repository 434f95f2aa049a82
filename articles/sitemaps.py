"""/sitemap.xml: every public page, each list built from the same `published()` the
pages use, so drafts, scheduled articles and unpublished issues never appear. Every
address is on SITE_URL: Django's default is the request's scheme and Host, which a cached
sitemap must not carry to every reader."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article, Section
from issues.models import Issue


class SiteSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PageSitemap(SiteSitemap):
    changefreq = "hourly"

    def items(self):
        return ["articles:front", "articles:latest", "issues:archive"]

    def location(self, name):
        return reverse(name)


class ArticleSitemap(SiteSitemap):
    def items(self):
        return Article.objects.published().newest_first().only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class SectionSitemap(SiteSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()


class TagSitemap(SiteSitemap):
    def items(self):
        return Article.objects.published().used_tags().order_by("slug")

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class AuthorSitemap(SiteSitemap):
    def items(self):
        return Article.objects.published().credited_authors()


# Issues are listed here too: newsroom/urls.py serves this one dict.
class IssueSitemap(SiteSitemap):
    def items(self):
        return Issue.objects.published()

    def lastmod(self, issue):
        return issue.publication_date


sitemaps = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "issues": IssueSitemap,
}
