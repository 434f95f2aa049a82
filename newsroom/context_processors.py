import logging

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from articles.models import Article, Section

logger = logging.getLogger(__name__)

# Purged by pagecache.signals when what they show changes.
NAV_SECTIONS_KEY = "reader:nav-sections"
LATEST_NEWS_KEY = "reader:latest-news-html"

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


def remembered(key, make, *, timeout=READER_CACHE_SECONDS):
    """`make()`, kept in the cache for `timeout` seconds (it must not return None); made
    afresh when the cache is down, which must not take the pages down with it. Errors of
    `make()` itself are not the cache's: they go up as they are."""
    try:
        value = cache.get(key)
    except Exception:
        logger.exception("Cache unavailable; making %s afresh", key)
        return make()
    if value is None:
        value = make()
        try:
            cache.set(key, value, timeout)
        except Exception:
            logger.exception("Cache unavailable; not keeping %s", key)
    return value


def nav_sections() -> list[Section]:
    return remembered(NAV_SECTIONS_KEY, lambda: list(Section.objects.all()))


def latest_news_html() -> str:
    """The Latest News rail, the same on every page: kept rendered."""

    def render():
        articles = (
            Article.objects.published()
            .newest_first()
            .only("headline", "slug", "published_at")[: settings.LATEST_NEWS_COUNT]
        )
        return render_to_string("_partials/latest-news.html", {"latest_news": articles})

    return remembered(LATEST_NEWS_KEY, render)


def reader(request):
    """The header's sections and the "Latest News" rail, fetched (from the cache) only
    by the pages that show them."""
    return {
        "nav_sections": SimpleLazyObject(nav_sections),
        "latest_news": SimpleLazyObject(latest_news_html),
    }
