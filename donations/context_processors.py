from django.core.cache import cache

from donations.models import Appeal

CURRENT_APPEAL_CACHE_KEY = "donations:current-appeal"
CURRENT_APPEAL_CACHE_SECONDS = 60


def current_appeal() -> dict | None:
    """The running appeal and its paid total, as plain data cached for a minute: every
    article page shows it, and a minute-old total is close enough."""
    cached = cache.get(CURRENT_APPEAL_CACHE_KEY)
    if cached is not None:
        return cached["appeal"]
    appeal = Appeal.objects.current()
    data = None
    if appeal is not None:
        target = appeal.target_pence
        data = {
            "title": appeal.title,
            "url": appeal.get_absolute_url(),
            "paid_total_pence": appeal.paid_total_pence,
            "target_pence": target,
            "percent": min(100, appeal.paid_total_pence * 100 // target) if target else None,
        }
    # Wrapped so that "no appeal" is cached too.
    cache.set(CURRENT_APPEAL_CACHE_KEY, {"appeal": data}, CURRENT_APPEAL_CACHE_SECONDS)
    return data


def donation_appeal(request):
    return {"donation_appeal": current_appeal()}
