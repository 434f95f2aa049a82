"""One URL of each public page type, picked from the seeded database."""

from articles.models import Article
from issues.models import Issue


def page_urls() -> dict[str, str]:
    published = Article.objects.published()
    article = published.filter(issue__isnull=False).newest_first().first()
    tag = published.used_tags().order_by("slug").first()
    author = published.credited_authors().order_by("slug").first()
    issue = Issue.objects.published().order_by("-number").first()
    return {
        "front": "/",
        "article": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
        "tag": f"/tags/{tag.slug}/",
        "author": author.get_absolute_url(),
        "issue": issue.get_absolute_url(),
        "search": "/search/?q=strike+pay",
        "feed": "/feeds/latest/rss/",
    }
