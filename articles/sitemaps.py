"""/sitemap.xml: every public page, each list built from the same `published()` the
pages use, so drafts, scheduled articles and unpublished issues never appear."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article, Section
from issues.models import Issue


class PageSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return ["articles:front", "articles:latest", "issues:archive"]

    def location(self, name):
        return reverse(name)


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().newest_first().only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()


class TagSitemap(Sitemap):
    def items(self):
        return Article.objects.published().used_tags().order_by("slug")

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class AuthorSitemap(Sitemap):
    def items(self):
        return Article.objects.published().credited_authors()


# Issues are listed here too: newsroom/urls.py serves this one dict.
class IssueSitemap(Sitemap):
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
