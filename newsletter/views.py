from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import DetailView, ListView
from django_ratelimit.core import is_ratelimited

from articles.models import Article
from mailboxes.models import email_key_or_blank
from newsletter import services, tasks
from newsletter.forms import PreferencesForm, SignupForm, consent_text_for
from newsletter.models import Edition, Newsletter, Subscriber, Subscription
from newsletter.tokens import (
    make_preferences_token,
    read_confirm_token,
    read_preferences_token,
    read_unsubscribe_token,
)


def _email_key(group, request):
    # Every spelling of one mailbox shares its limit; unreadable input shares one.
    return email_key_or_blank(request.POST.get("email", ""))


def _source_url(request, claimed: str) -> str:
    """The page the reader signed up on: the form's hidden field, else the Referer,
    kept only when it points at this site."""
    site_host = urlsplit(settings.SITE_URL).hostname
    for candidate in (claimed, request.headers.get("Referer", "")):
        parts = urlsplit(candidate)
        if parts.hostname in (None, site_host, request.get_host().split(":")[0]) and (
            parts.path.startswith("/") and not candidate.startswith("//")
        ):
            return f"{settings.SITE_URL}{parts.path}"
    return ""


# Signing up is exempt from CSRF so that the form on every article page carries no
# per-visitor token and the pages stay cacheable and cookie-free. That is safe here: a
# forged POST can only do what anyone can do from their own browser, trigger at most one
# confirmation email a day to a mailbox, and the answer never differs between known and
# unknown addresses. Both IP and address are rate-limited. The view only checks the form
# and queues it (`tasks.sign_up`): looking the address up here would make known
# addresses answer faster, and the timing would tell who subscribes.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    newsletters = Newsletter.objects.public()
    if request.method != "POST":
        return render(
            request,
            "newsletter/newsletter_list.html",
            {"newsletters": newsletters, "form": SignupForm()},
        )
    limited = any(
        is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
        for group, key, rate in (
            ("newsletter-signup-ip", "ip", settings.NEWSLETTER_SIGNUP_RATE_IP),
            ("newsletter-signup-email", _email_key, settings.NEWSLETTER_SIGNUP_RATE_EMAIL),
        )
    )
    form = SignupForm(request.POST)
    if limited:
        context = {"newsletters": newsletters, "form": form, "rate_limited": True}
        return render(request, "newsletter/newsletter_list.html", context, status=429)
    if form.is_bot:
        return redirect("newsletter:check-inbox")
    if not form.is_valid():
        context = {"newsletters": newsletters, "form": form}
        return render(request, "newsletter/newsletter_list.html", context, status=400)
    chosen = form.cleaned_data["newsletters"]
    # Committed once the task row is: a database that is down answers 503 here.
    tasks.sign_up.enqueue(
        email=form.cleaned_data["email"],
        newsletter_ids=[newsletter.pk for newsletter in chosen],
        source_url=_source_url(request, form.cleaned_data["source"]),
        consent_text=consent_text_for(chosen),
    )
    # The same redirect for every address, known or not: nobody learns who subscribes.
    return redirect("newsletter:check-inbox")


@require_GET
def check_inbox(request):
    return render(request, "newsletter/check_inbox.html")


def _subscriber_for_confirmation(token):
    payload = read_confirm_token(token)
    if payload is None:
        return None
    subscriber = Subscriber.objects.filter(pk=payload.get("s")).first()
    if subscriber is None or not services.confirmation_is_valid(subscriber, payload.get("t")):
        return None
    return subscriber


# A GET only shows the button: mail scanners open every link in a message, and that
# must not confirm anything. The POST from the button confirms (and is CSRF-checked).
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    subscriber = _subscriber_for_confirmation(token)
    if subscriber is None:
        return render(request, "newsletter/confirm.html", {"invalid": True}, status=400)
    pending = Newsletter.objects.filter(
        subscriptions__subscriber=subscriber,
        subscriptions__status=Subscription.Status.PENDING,
    )
    if request.method == "POST":
        newsletters = list(pending)
        services.confirm_subscriber(subscriber)
        return render(
            request, "newsletter/confirm.html", {"confirmed": True, "newsletters": newsletters}
        )
    return render(request, "newsletter/confirm.html", {"newsletters": pending})


# Exempt from CSRF because RFC 8058 one-click unsubscribes are POSTed by mail providers,
# which have no cookie or form token. The signed token in the URL is the authentication,
# and the worst a forged request can do is unsubscribe the person the link was made for.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    ids = read_unsubscribe_token(token)
    subscriber = ids and Subscriber.objects.filter(pk=ids[0]).first()
    newsletter = ids and Newsletter.objects.filter(pk=ids[1]).first()
    if not subscriber or not newsletter:
        return render(request, "newsletter/unsubscribe.html", {"invalid": True}, status=400)
    context = {
        "newsletter": newsletter,
        "preferences_url": reverse(
            "newsletter:preferences",
            kwargs={"token": make_preferences_token(subscriber.pk)},
        ),
    }
    if request.method == "POST":
        services.unsubscribe(subscriber, newsletter)
        context["done"] = True
    else:
        # After a one-click unsubscribe from the mail program, the link says it is done.
        context["done"] = not subscriber.subscriptions.filter(
            newsletter=newsletter, status=Subscription.Status.ACTIVE
        ).exists()
    return render(request, "newsletter/unsubscribe.html", context)


FRESH_LINK_RATE = "3/h"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token):
    link = read_preferences_token(token)
    subscriber = link and Subscriber.objects.filter(pk=link.subscriber_pk).first()
    if not subscriber:
        return render(request, "newsletter/preferences.html", {"invalid": True}, status=400)
    if link.is_expired:
        return _expired_preferences(request, subscriber)
    current = Newsletter.objects.filter(
        subscriptions__subscriber=subscriber,
        subscriptions__status=Subscription.Status.ACTIVE,
    )
    saved, waiting = False, []
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            if "leave_all" in request.POST:
                services.leave_all(subscriber)
            else:
                waiting = services.update_preferences(subscriber, form.cleaned_data["newsletters"])
            saved = True
            form = PreferencesForm(initial={"newsletters": list(current)})
    else:
        form = PreferencesForm(initial={"newsletters": list(current)})
    return render(
        request,
        "newsletter/preferences.html",
        {"form": form, "subscriber": subscriber, "saved": saved, "waiting": waiting},
    )


def _expired_preferences(request, subscriber):
    """An old link may still do what is always allowed, leaving, and ask for a fresh
    link, which goes to the subscriber's own address."""
    context = {
        "expired": True,
        "max_age_days": max(1, settings.NEWSLETTER_PREFERENCES_LINK_MAX_AGE // 86400),
    }
    if request.method == "POST" and "leave_all" in request.POST:
        services.leave_all(subscriber)
        context["left"] = True
    elif request.method == "POST":
        limited = is_ratelimited(
            request,
            group="newsletter-fresh-preferences-link",
            key=lambda group, request: str(subscriber.pk),
            rate=FRESH_LINK_RATE,
            method="POST",
            increment=True,
        )
        if not limited:
            tasks.send_preferences_link.enqueue(subscriber.pk)
        context["link_sent"] = True
    return render(request, "newsletter/preferences.html", context)


class EditionArchiveView(ListView):
    template_name = "newsletter/edition_archive.html"
    context_object_name = "editions"
    paginate_by = settings.PAGE_SIZE

    def get_queryset(self):
        self.newsletter = get_object_or_404(Newsletter.objects.public(), slug=self.kwargs["slug"])
        return self.newsletter.editions.published().order_by("-covers_until", "-id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(newsletter=self.newsletter, **kwargs)


class EditionDetailView(DetailView):
    template_name = "newsletter/edition_detail.html"
    context_object_name = "edition"

    def get_queryset(self):
        return (
            Edition.objects.published()
            .filter(newsletter__slug=self.kwargs["slug"], newsletter__is_public=True)
            .select_related("newsletter")
        )

    def get_context_data(self, **kwargs):
        order = dict(self.object.items.values_list("article_id", "position"))
        # Only what is still public: an article unpublished since the send drops out.
        articles = sorted(
            Article.objects.published().for_listing().filter(pk__in=order),
            key=lambda article: order[article.pk],
        )
        return super().get_context_data(articles=articles, **kwargs)
