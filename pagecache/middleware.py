import logging

from django.conf import settings
from django.utils.cache import get_conditional_response

from operations import metrics
from pagecache import cache as page_cache
from pagecache.articles import seconds_until_next_scheduled_article

logger = logging.getLogger(__name__)

# The pages every reader sees alike. Each is purged by pagecache.signals when what it
# shows changes; anything not named here is never stored.
PUBLIC_PAGES = frozenset(
    {
        "articles:front",
        "articles:latest",
        "articles:detail",
        "articles:section",
        "articles:tag",
        "articles:author",
        "articles:search",
        "articles:feed-latest",
        "articles:feed-latest-atom",
        "articles:feed-section",
        "articles:feed-section-atom",
        "articles:feed-tag",
        "articles:feed-tag-atom",
        "articles:feed-author",
        "articles:feed-author-atom",
        "issues:archive",
        "issues:detail",
        "sitemap",
        "robots",
    }
)


class PageCacheMiddleware:
    """Serves anonymous readers' public pages from the page cache, and gives those
    pages their cache headers. First in MIDDLEWARE, so that a hit skips everything else
    and a stored page already carries every header the other middleware adds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        try:
            page, tokens = page_cache.lookup(request)
            if page is not None:
                metrics.page_cache_hit()
                return page.response(request)
            metrics.page_cache_miss()
            tokens = page_cache.current_tokens(request, tokens)
        except Exception:
            # The cache being down must not take the pages down with it.
            logger.exception("Page cache unavailable; rendering %s", request.path)
            return self.get_response(request)
        response = self.get_response(request)
        if not is_public_response(request, response):
            return response
        page_cache.add_cache_headers(response)
        try:
            timeout = min(settings.PAGE_CACHE_SECONDS, seconds_until_next_scheduled_article())
            if timeout > 0:
                page_cache.store(request, response, tokens, timeout=timeout)
        except Exception:
            logger.exception("Page cache unavailable; not storing %s", request.path)
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=page_cache.parse_http_date_safe(response["Last-Modified"]),
            response=response,
        )


def is_cacheable_request(request) -> bool:
    # Someone with a session may be signed in and see more than readers do.
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def is_public_response(request, response) -> bool:
    match = request.resolver_match
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return (
        match is not None
        and match.view_name in PUBLIC_PAGES
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and vary <= {"accept-encoding"}
        and not response.has_header("Cache-Control")
        # A page that used a CSP nonce must not be shared: its nonce would be reused by
        # every reader, and stop protecting anything.
        and not getattr(request, "_csp_nonce", None)
    )
