"""What each change to the paper's content makes stale: the paths of the pages that show
an article, and when the next scheduled article goes public by itself."""

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

NEXT_SCHEDULED_KEY = "pagecache:next-scheduled-article"


def _with_feeds(view_name: str, feed_name: str, **kwargs) -> list[str]:
    return [
        reverse(view_name, kwargs=kwargs),
        reverse(feed_name, kwargs=kwargs),
        reverse(f"{feed_name}-atom", kwargs=kwargs),
    ]


def site_wide_lists() -> set[str]:
    """The lists every published article is on."""
    return {
        *_with_feeds("articles:latest", "articles:feed-latest"),
        reverse("articles:front"),
        reverse("articles:search"),
        reverse("sitemap"),
    }


def article_paths(article) -> set[str]:
    """The article's page and every page that lists it."""
    paths = {article.get_absolute_url(), *site_wide_lists()}
    section = article.section.slug
    paths.update(_with_feeds("articles:section", "articles:feed-section", slug=section))
    for tag in article.tags.all():
        paths.update(_with_feeds("articles:tag", "articles:feed-tag", slug=tag.slug))
    for author in article.authors.all():
        paths.update(_with_feeds("articles:author", "articles:feed-author", slug=author.slug))
    if article.issue_id:
        paths.add(reverse("issues:detail", kwargs={"number": article.issue.number}))
    return paths


def is_public_or_scheduled(article) -> bool:
    return article.status == Article.Status.PUBLISHED


def remember_next_scheduled_article() -> dict:
    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    entry = {"at": upcoming}
    cache.set(NEXT_SCHEDULED_KEY, entry, timeout=None)
    return entry


def seconds_until_next_scheduled_article() -> int:
    """How long a page may be kept before a scheduled article appears by itself (no save,
    so no purge, happens at that moment). Saving an article brings it up to date."""
    entry = cache.get(NEXT_SCHEDULED_KEY)
    now = timezone.now()
    if entry is None or (entry["at"] is not None and entry["at"] <= now):
        entry = remember_next_scheduled_article()
    if entry["at"] is None:
        return settings.PAGE_CACHE_SECONDS
    return max(0, int((entry["at"] - now).total_seconds()))
