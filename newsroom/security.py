"""Who is asking: the client's address as the sign-in lockout and the rate limits see it."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front the address the outermost
    of them saw. Entries further left in X-Forwarded-For are whatever the client claimed,
    so they never count: a forged header cannot reset a lockout or a rate limit."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    return forwarded[-count] if len(forwarded) >= count else remote


def sign_in_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes records for a sign-in attempt: as typed, but no longer
    than a username can be (150). A 10,000-character one is then a failed sign-in like any
    other, not a database error from axes' 255-character column."""
    username = (credentials or request.POST).get("username")
    return username[:150] if isinstance(username, str) else username
