"""reverse(), remembered, for the addresses of the paper's own pages (get_absolute_url).
Reversing costs tens of microseconds and a list page makes dozens; the URL patterns do
not change while a process runs, so each address is worked out once."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def page_url(viewname: str, **kwargs) -> str:
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(viewname, tuple(kwargs.items()), urlconf, get_script_prefix())


@lru_cache(maxsize=20_000)
def _reverse(viewname, kwargs, urlconf, prefix) -> str:
    return reverse(viewname, kwargs=dict(kwargs), urlconf=urlconf)
