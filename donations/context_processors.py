from donations.models import Appeal
from newsroom.context_processors import remembered

CURRENT_APPEAL_CACHE_KEY = "donations:current-appeal"
CURRENT_APPEAL_CACHE_SECONDS = 60


def current_appeal() -> dict | None:
    """The running appeal and its paid total, as plain data cached for a minute: every
    article page shows it, and a minute-old total is close enough."""
    # Wrapped so that "no appeal" is cached too.
    return remembered(
        CURRENT_APPEAL_CACHE_KEY,
        lambda: {"appeal": appeal_data()},
        timeout=CURRENT_APPEAL_CACHE_SECONDS,
    )["appeal"]


def appeal_data() -> dict | None:
    appeal = Appeal.objects.current()
    if appeal is None:
        return None
    target = appeal.target_pence
    return {
        "title": appeal.title,
        "url": appeal.get_absolute_url(),
        "paid_total_pence": appeal.paid_total_pence,
        "target_pence": target,
        "percent": min(100, appeal.paid_total_pence * 100 // target) if target else None,
    }


def donation_appeal(request):
    return {"donation_appeal": current_appeal()}
