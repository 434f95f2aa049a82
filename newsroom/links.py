"""reverse(), remembered, for the addresses of the paper's own pages (get_absolute_url).
Reversing costs tens of microseconds and a list page makes dozens; the URL patterns do
not change while a process runs, so each address is worked out once. Absolute addresses
start from SITE_URL, never from the request's Host header: a page, feed or sitemap is
cached and served to every reader, whatever Host the request that made it sent."""

from functools import lru_cache
from urllib.parse import urljoin

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def page_url(viewname: str, **kwargs) -> str:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(viewname, tuple(kwargs.items()), urlconf, get_script_prefix())


@lru_cache(maxsize=20_000)
def _reverse(viewname, kwargs, urlconf, prefix) -> str:
    return reverse(viewname, kwargs=dict(kwargs), urlconf=urlconf)


def site_url(path: str) -> str:
    """The absolute address of a path on the site: /articles/x/ → https://…/articles/x/."""
    return urljoin(settings.SITE_URL + "/", path)
