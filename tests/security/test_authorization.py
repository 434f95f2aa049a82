"""Every admin URL (each registered model's list, add, change, delete and history pages and
its own extra pages) and the article preview, for every role and for anonymous visitors,
with and without the trailing slash: nobody gets a page their permissions do not give
them, and nothing answers 500. What each role may change, checked in the database, is
tests/security/test_role_matrix.py."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from taggit.models import Tag

from donations.models import Appeal, Donation, WebhookEvent
from newsletter.models import Delivery, Edition, Newsletter, Subscriber
from tests.articles.roles import make_user
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, PhotoFactory

ROLES = ["anonymous", "staff without a group", "writer", "sub-editor", "editor", "superuser"]
STANDARD = {"changelist", "add", "change", "delete", "history"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    writer = make_user("writer", "author-writer")
    article = ArticleFactory(created_by=writer, status="draft", published_at=None)
    ArticleFactory()
    PhotoFactory()
    AuthorFactory()
    IssueFactory()
    Tag.objects.create(name="housing")
    newsletter, _ = Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    subscriber = Subscriber.objects.create(email="r@example.org")
    edition = Edition.objects.create(newsletter=newsletter, subject="Today")
    Delivery.objects.create(edition=edition, subscriber=subscriber)
    Appeal.objects.create(title="Fund us", slug="fund-us")
    Donation.objects.create(donor_name="D", donor_email="d@example.org", amount_pence=500)
    WebhookEvent.objects.create(event_id="evt_1", type="checkout.session.completed")
    TOTPDevice.objects.create(user=writer, name="phone")
    return article


def client_for(user) -> Client:
    """A client signed in as `user`, or anonymous for None."""
    client = Client()
    if user:
        client.force_login(user)
    return client


def user_for(role):
    if role == "anonymous":
        return None
    if role == "staff without a group":
        return User.objects.create_user("plain-staff", "s@example.org", "pw", is_staff=True)
    return make_user(role)


def admin_urls():
    """(url, model admin, kind, object) for every admin page of every registered model."""
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        obj = model._default_manager.order_by("pk").first()
        yield reverse("admin:{}_{}_changelist".format(*info)), model_admin, "changelist", None
        yield reverse("admin:{}_{}_add".format(*info)), model_admin, "add", None
        if obj is None:
            continue
        for kind in ("change", "delete", "history"):
            url = reverse(f"admin:{info[0]}_{info[1]}_{kind}", args=[obj.pk])
            yield url, model_admin, kind, obj
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            if pattern.name.removeprefix("{}_{}_".format(*info)) in STANDARD:
                continue
            kwargs = {}
            for name, converter in pattern.pattern.converters.items():
                if name in ("object_id", "pk"):
                    kwargs[name] = str(obj.pk)
                else:
                    kwargs[name] = 1 if converter.regex == "[0-9]+" else "submit"
            yield reverse(f"admin:{pattern.name}", kwargs=kwargs), model_admin, "custom", obj


def allowed(model_admin, kind, obj, user) -> bool | None:
    """What the admin's own permission methods say; None where they do not decide alone."""
    request = RequestFactory().get("/")
    request.user = user
    if kind == "changelist":
        return model_admin.has_view_or_change_permission(request)
    if kind == "add":
        return model_admin.has_add_permission(request)
    if kind == "delete":
        return model_admin.has_delete_permission(request, obj)
    if kind in ("change", "history"):
        return model_admin.has_view_or_change_permission(request, obj)
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_answers_each_role_as_its_permissions_say(newsroom, role):
    user = user_for(role)
    client = client_for(user)
    failures = []
    for url, model_admin, kind, obj in admin_urls():
        response = client.get(url)
        status = response.status_code
        bare = client.get(url.rstrip("/"))
        if status >= 500 or bare.status_code >= 500:
            failures.append(f"{url}: {status}, without slash {bare.status_code}")
        if bare.status_code == 200:
            failures.append(f"{url.rstrip('/')} answers 200 without its slash")
        if user is None:
            if not (status == 302 and response["Location"].startswith("/admin/login/")):
                failures.append(f"{url}: anonymous got {status}")
            continue
        if role == "staff without a group" and status == 200:
            failures.append(f"{url}: staff without a group got 200")
        expected = allowed(model_admin, kind, obj, user)
        if expected is True and status not in (200, 302):
            failures.append(f"{url}: {role} may ({kind}) but got {status}")
        if expected is False and status not in (302, 403, 404):
            failures.append(f"{url}: {role} may not ({kind}) but got {status}")
        if expected is None and status not in (200, 302, 403, 404, 405):
            failures.append(f"{url}: {role} got {status}")
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_the_preview_is_for_the_newsroom_only(newsroom, role):
    user = user_for(role)
    client = client_for(user)
    url = reverse("articles:preview", args=[newsroom.pk])
    response = client.get(url)
    # The draft is another writer's: a writer sees only their own.
    may_see = role in ("sub-editor", "editor", "superuser")
    assert response.status_code == (200 if may_see else 404)
    bare = client.get(url.rstrip("/"))
    assert bare.status_code == 301 and bare["Location"] == url
    if may_see:
        assert response["X-Robots-Tag"] == "noindex"
        assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_checked_urls_cover_every_registered_model(newsroom):
    checked = {type(model_admin) for _, model_admin, _, _ in admin_urls()}
    assert len(checked) == len(admin.site._registry) >= 15


def test_anonymous_users_are_never_taken_for_staff():
    assert not admin.site.has_permission(type("R", (), {"user": AnonymousUser(), "session": {}})())


@pytest.mark.parametrize("selection", [None, "", "abc", "999999", "1,x"])
def test_merging_tags_needs_a_real_selection(newsroom, selection):
    client = Client()
    client.force_login(make_user("superuser"))
    if selection is not None:
        session = client.session
        session["selected_tag_ids"] = selection
        session.save()
    response = client.post("/admin/taggit/tag/merge-tags/", {"new_tag_name": "merged"})
    assert response.status_code == 302
    assert not Tag.objects.filter(name="merged").exists() or selection == "1,x"


@pytest.mark.parametrize("view", ["config", "qrcode"])
def test_nobody_reads_a_totp_secret_from_the_admin(newsroom, view):
    client = Client()
    client.force_login(make_user("superuser"))
    device = TOTPDevice.objects.get()
    for pk in (device.pk, device.pk + 1000):
        assert client.get(f"/admin/otp_totp/totpdevice/{pk}/{view}/").status_code == 403
