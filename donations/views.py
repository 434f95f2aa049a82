import functools
import time

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from articles.models import Article
from donations import services
from donations.forms import ChangeAmountForm, DonationForm, ManageLinkForm
from donations.models import Appeal, Donation
from donations.providers import ProviderError, get_provider, provider_for
from donations.tasks import send_donation_manage_link

THANK_YOU_MAX_AGE = 7 * 24 * 60 * 60
MANAGE_SESSION_KEY = "donations_manage"
# Counted per address; a limited request is still answered, with an error and its values.
rate_limited = ratelimit(
    key="ip", rate=lambda group, request: settings.DONATIONS_RATELIMIT, method="POST", block=False
)
# Browsers apply the form page's form-action to the redirect after the post, so pages
# whose forms lead to Stripe's Checkout or customer portal must allow those hosts.
allows_stripe_redirects = csp_override(
    {
        **settings.SECURE_CSP,
        "form-action": [
            *settings.SECURE_CSP.get("form-action", []),
            "https://checkout.stripe.com",
            "https://billing.stripe.com",
        ],
    }
)
TOO_MANY = "Too many attempts from your connection. Please wait a minute and try again."


def _source_article(reference: str):
    """The published article a donor came from, by slug or id; None if unknown."""
    reference = (reference or "").strip()
    if not reference:
        return None
    # isdigit() alone takes "²" and other digits that int() refuses.
    is_id = reference.isascii() and reference.isdigit()
    match = Q(slug=reference) | (Q(pk=int(reference)) if is_id else Q(pk=None))
    return Article.objects.published().filter(match).only("pk").first()


def progress(appeal) -> dict | None:
    """What the progress bar shows: paid total against target."""
    if appeal is None or not appeal.target_pence:
        return None
    paid = appeal.paid_total_pence
    return {
        "paid_pence": paid,
        "target_pence": appeal.target_pence,
        "percent": min(100, paid * 100 // appeal.target_pence),
    }


@allows_stripe_redirects
@rate_limited
def donate(request, slug=None):
    if slug:
        appeal = get_object_or_404(Appeal.objects.running().with_paid_total(), slug=slug)
    else:
        appeal = Appeal.objects.current()
    status = 200
    if request.method == "POST":
        form = DonationForm(request.POST)
        if getattr(request, "limited", False):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            donation = form.save(commit=False)
            donation.appeal = appeal
            donation.source_article = _source_article(form.cleaned_data["source"])
            thank_you = request.build_absolute_uri(reverse("donations:thank-you"))
            try:
                checkout, token = services.start_donation(
                    donation,
                    provider=get_provider(),
                    success_url=thank_you + "?gift={token}",
                    cancel_url=request.build_absolute_uri(request.path) + "?cancelled={token}",
                )
            except ProviderError:
                Donation.objects.filter(pk=donation.pk).update(status=Donation.Status.FAILED)
                form.add_error(
                    None,
                    "We could not reach the payment service, and nothing was taken. "
                    "Please try again in a moment.",
                )
                status = 502
            else:
                if checkout.redirect_url:
                    return HttpResponseRedirect(checkout.redirect_url, status=303)
                return redirect(f"{reverse('donations:thank-you')}?gift={token}")
    else:
        form = DonationForm(initial={"source": request.GET.get("from", "")})
    context = {
        "appeal": appeal,
        "progress": progress(appeal),
        "form": form,
        "is_cancelled": "cancelled" in request.GET,
    }
    return render(request, "donations/donate.html", context, status=status)


def thank_you(request):
    try:
        donation_id = signing.loads(
            request.GET.get("gift", ""), salt=services.THANK_YOU_SALT, max_age=THANK_YOU_MAX_AGE
        )
    except signing.BadSignature:
        return render(request, "donations/thank_you.html", {"donation": None}, status=404)
    donation = get_object_or_404(Donation.objects.select_related("appeal"), pk=donation_id)
    context = {"donation": donation, "bank": _bank_details()}
    return render(request, "donations/thank_you.html", context)


def _bank_details() -> dict:
    return {
        "account_name": settings.DONATIONS_BANK_ACCOUNT_NAME,
        "sort_code": settings.DONATIONS_BANK_SORT_CODE,
        "account_number": settings.DONATIONS_BANK_ACCOUNT_NUMBER,
    }


@rate_limited
def manage_request(request):
    """Ask for a link to manage one's gifts. The answer is the same whether or not the
    address has any, so it cannot be used to find out who gives."""
    form = ManageLinkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            email = form.cleaned_data["email"]
            transaction.on_commit(lambda: send_donation_manage_link.enqueue(email))
            return redirect("donations:manage-sent")
    context = {"form": form, "max_age_minutes": settings.DONATIONS_MAGIC_LINK_MAX_AGE // 60}
    return render(request, "donations/manage_request.html", context, status=status)


def manage_sent(request):
    return render(request, "donations/manage_sent.html")


def _donor_key(request) -> str | None:
    """The normalised address of the donor who opened a valid link in this browser, for
    as long as a link lives."""
    stored = request.session.get(MANAGE_SESSION_KEY)
    if not stored or time.time() - stored["at"] > settings.DONATIONS_MAGIC_LINK_MAX_AGE:
        return None
    return stored.get("key")


def _gifts_page(request, key, *, invalid_form=None, status=200):
    """The donor's gifts, each with its change-amount form (`invalid_form` for the one
    just posted with errors)."""
    gifts = list(Donation.objects.manageable_by(key).select_related("appeal"))
    forms_by_gift = []
    for gift in gifts:
        form = ChangeAmountForm(prefix=f"gift-{gift.pk}")
        if invalid_form is not None and invalid_form.prefix == form.prefix:
            form = invalid_form
        forms_by_gift.append((gift, form))
    # The address as the donor gave it; the key only when there are no gifts left.
    email = gifts[0].donor_email if gifts else key
    context = {"gifts": forms_by_gift, "email": email}
    return render(request, "donations/manage.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage_open(request):
    """The emailed link. Opening it shows a button, and only pressing it (a POST) uses the
    link up: mail scanners fetch every link in a message before the donor reads it."""
    token = (
        request.POST.get("token", "") if request.method == "POST" else request.GET.get("token", "")
    )
    try:
        key, link = services.read_manage_token(token)
    except services.InvalidLink:
        messages.error(request, "That link has expired or is not valid: ask for a new one.")
        return redirect("donations:manage-request")
    session = request.session.get(MANAGE_SESSION_KEY) or {}
    if session.get("link") == link.link_id and _donor_key(request) == key:
        # The browser that used the link, clicking it in the email again.
        return redirect("donations:manage")
    if request.method == "POST":
        if services.use_manage_link(link):
            request.session.cycle_key()
            request.session[MANAGE_SESSION_KEY] = {
                "key": key,
                "link": link.link_id,
                "at": time.time(),
            }
            return redirect("donations:manage")
    elif link.used_at is None:
        return render(request, "donations/manage_open.html", {"token": token})
    # 410 Gone: the link did exist and will never work again, which mail scanners and
    # browsers treat as final, while the page still says what to do next.
    context = {
        "form": ManageLinkForm(),
        "is_link_used": True,
        "max_age_minutes": settings.DONATIONS_MAGIC_LINK_MAX_AGE // 60,
    }
    return render(request, "donations/manage_request.html", context, status=410)


@never_cache
@allows_stripe_redirects
def manage(request):
    key = _donor_key(request)
    if key is None:
        return redirect("donations:manage-request")
    return _gifts_page(request, key)


def managed_gift(view):
    """Give `view` the donor's own gift `pk` in place of the pk: a browser without an
    open link is sent to ask for one, and any gift that is not theirs to manage is 404."""

    @functools.wraps(view)
    def wrapped(request, pk):
        key = _donor_key(request)
        if key is None:
            return redirect("donations:manage-request")
        gift = get_object_or_404(Donation.objects.manageable_by(key), pk=pk)
        return view(request, gift)

    return wrapped


def _apply(request, gift, change, *, done: str, failed: str, at_the_bank: str):
    """Make `change` through the gift's provider and say how it went."""
    try:
        change(provider_for(gift))
    except ProviderError:
        messages.error(request, failed)
    else:
        messages.success(request, done)
        if gift.provider == Donation.Provider.OFFLINE and gift.is_monthly:
            messages.info(request, at_the_bank)
    return redirect("donations:manage")


@allows_stripe_redirects
@require_POST
@managed_gift
def manage_change_amount(request, gift):
    form = ChangeAmountForm(request.POST, prefix=f"gift-{gift.pk}")
    if not form.is_valid():
        return _gifts_page(request, gift.donor_email_key, invalid_form=form, status=400)
    return _apply(
        request,
        gift,
        lambda provider: services.change_gift_amount(
            gift, form.cleaned_data["amount"], provider=provider
        ),
        done="Your gift has been changed.",
        failed="We could not change the amount just now. Please try again.",
        at_the_bank="Please change your standing order with your bank too.",
    )


@require_POST
@managed_gift
def manage_cancel(request, gift):
    return _apply(
        request,
        gift,
        lambda provider: services.cancel_gift(gift, provider=provider),
        done="Your gift has been cancelled. Thank you for your support.",
        failed="We could not cancel just now. Please try again.",
        at_the_bank="Please cancel your standing order with your bank too.",
    )


@require_POST
@managed_gift
def manage_card(request, gift):
    try:
        url = provider_for(gift).billing_portal_url(
            gift, return_url=request.build_absolute_uri(reverse("donations:manage"))
        )
    except ProviderError:
        url = None
    if not url:
        messages.error(request, "We could not open the card page just now. Please try again.")
        return redirect("donations:manage")
    return HttpResponseRedirect(url, status=303)
