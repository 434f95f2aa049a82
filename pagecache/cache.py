"""Rendered public pages in the configured cache (`CACHE_URL`), purged precisely.

Every cached page is stored with two version tokens: the site-wide generation and its
path's version. Purging a path deletes its version, so every variant of that path (its
`?page=2`, its search queries) stops matching at once without anyone listing them; the
generation does the same for the whole site. A page records the tokens it read *before*
its view ran, so a page rendered from data that changed while it was being rendered is
never served once the change's purge has run.

With the local-memory cache each process has its own page cache and only the process
that saved an article sees its purge: use Redis (`CACHE_URL=redis://…`) whenever more
than one process serves pages."""

import hashlib
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.encoding import iri_to_uri
from django.utils.http import http_date, parse_http_date_safe

GENERATION_KEY = "pagecache:generation"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def path_key(path: str) -> str:
    """The key of a path's version token, both for a request (`request.path`, decoded:
    /tags/café/) and for a purge (`reverse()`, percent-encoded: /tags/caf%C3%A9/). Both
    are keyed in the encoded form, which `iri_to_uri` leaves alone and makes from the
    decoded one; a path keyed two ways would be stored under one and purged under the
    other."""
    return f"pagecache:path:{_digest(iri_to_uri(path))}"


def page_key(request) -> str:
    # The raw Host header is safe here: a page is only stored after the view accepted it.
    host = request.META.get("HTTP_HOST", "")
    return f"pagecache:page:{_digest(f'{request.scheme}://{host}{request.get_full_path()}')}"


@dataclass(frozen=True)
class CachedPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str
    last_modified: int
    tokens: tuple[str, str]

    def response(self, request):
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        response.headers["X-Accel-Expires"] = front_cache_expiry()
        return get_conditional_response(
            request, etag=self.etag, last_modified=self.last_modified, response=response
        )


def lookup(request) -> tuple[CachedPage | None, tuple[str | None, str | None]]:
    """The stored page for this request if it is still current, and the current tokens,
    in one round trip to the cache."""
    keys = (GENERATION_KEY, path_key(request.path), page_key(request))
    found = cache.get_many(keys)
    tokens = (found.get(keys[0]), found.get(keys[1]))
    page = found.get(keys[2])
    if page is not None and None not in tokens and page.tokens == tokens:
        return page, tokens
    return None, tokens


def current_tokens(request, tokens) -> tuple[str, str]:
    """The tokens, making the missing ones (the first request after a purge)."""
    if None not in tokens:
        return tokens
    keys = (GENERATION_KEY, path_key(request.path))
    for key, token in zip(keys, tokens, strict=True):
        if token is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
    found = cache.get_many(keys)
    return (found.get(keys[0], ""), found.get(keys[1], ""))


def add_cache_headers(response):
    """What lets browsers and shared caches keep a public page: short for browsers,
    longer for shared caches (which the CMS purges), an ETag and a Last-Modified."""
    patch_cache_control(
        response, public=True, max_age=settings.CACHE_MAX_AGE, s_maxage=settings.CACHE_S_MAXAGE
    )
    if not response.has_header("ETag"):
        set_response_etag(response)
    if not response.has_header("Last-Modified"):
        response.headers["Last-Modified"] = http_date(time.time())
    response.headers["X-Accel-Expires"] = front_cache_expiry()


def front_cache_expiry() -> str:
    """For nginx in front (deploy/nginx.conf), which removes the header: until when it may
    keep the page. Short, because open-source nginx cannot be purged. An absolute time,
    the end of the FRONT_CACHE_SECONDS-th second from now: nginx counts whole seconds, and
    a relative "1" lets a page stay until the end of the next second, up to 2 s. "0" asks
    nginx not to store the page at all."""
    if settings.FRONT_CACHE_SECONDS <= 0:
        return "0"
    return f"@{int(time.time()) + settings.FRONT_CACHE_SECONDS - 1}"


def store(request, response, tokens, *, timeout: int) -> None:
    last_modified = parse_http_date_safe(response["Last-Modified"]) or int(time.time())
    page = CachedPage(
        status=response.status_code,
        headers=tuple(response.headers.items()),
        content=response.content,
        etag=response["ETag"],
        last_modified=last_modified,
        tokens=tokens,
    )
    cache.set(page_key(request), page, timeout)


def purge_paths(paths) -> None:
    cache.delete_many([path_key(path) for path in paths])


def purge_everything() -> None:
    cache.delete(GENERATION_KEY)
