from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from articles.models import Article, Section

# Every public page shows the sections and the latest news. Both change rarely and may
# be a minute stale, so they are cached rather than queried on each page; a scheduled
# article therefore appears in them within this many seconds of its time.
READER_CACHE_SECONDS = 60


def site(request):
    """The paper's name and address, for the header, footer and social metadata."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "NEWSLETTER_NAME": settings.NEWSLETTER_NAME,
    }


def cached_nav_sections() -> list[Section]:
    return cache.get_or_set(
        "reader:nav-sections", lambda: list(Section.objects.all()), READER_CACHE_SECONDS
    )


def cached_latest_news() -> list[Article]:
    return cache.get_or_set(
        "reader:latest-news",
        lambda: list(
            Article.objects.published()
            .newest_first()
            .only("headline", "slug", "published_at")[: settings.LATEST_NEWS_COUNT]
        ),
        READER_CACHE_SECONDS,
    )


def reader(request):
    """The header's sections and the "Latest News" list, fetched (from the cache) only
    by the pages that show them."""
    return {
        "nav_sections": SimpleLazyObject(cached_nav_sections),
        "latest_news": SimpleLazyObject(cached_latest_news),
    }
