"""Every HTML page, rendered or served from the page cache, carries the security headers:
a Content-Security-Policy without 'unsafe-inline' scripts whose nonce matches every inline
<script> and <style>, HSTS, nosniff, a strict Referrer-Policy; cookies are Secure."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client

from donations.models import Appeal
from newsletter.models import Newsletter
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    author = AuthorFactory(slug="ada")
    issue = IssueFactory(number=2800)
    article = ArticleFactory(slug="strike", authors=[author], tags=["housing"], issue=issue)
    Newsletter.objects.get_or_create(slug="breakfast-in-red", defaults={"name": "Daily"})
    Appeal.objects.create(title="Fund us", slug="fund-us", target_pence=100000)
    return article


PAGES = [
    "/", "/latest/", "/articles/strike/", "/sections/news/", "/tags/housing/", "/authors/ada/",
    "/search/?q=strike", "/corrections/", "/issues/", "/issues/2800/", "/newsletters/",
    "/newsletters/check-your-inbox/", "/donate/", "/donate/fund-us/", "/donate/manage/link/",
    "/admin/login/", "/accounts/password-reset/", "/no-such-page/",
]  # fmt: skip


class InlineCode(HTMLParser):
    def __init__(self):
        super().__init__()
        self.nonces = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # JSON data blocks (schema.org) are never run, so CSP leaves them alone.
        is_data = attributes.get("type") in ("application/ld+json", "application/json")
        if tag in ("script", "style") and "src" not in attributes and not is_data:
            self.nonces.append((tag, attributes.get("nonce")))


def check_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    if not response["Content-Type"].startswith("text/html"):
        return
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("style-src", "")
    assert directives["object-src"] == "'none'"
    assert "frame-ancestors" in directives
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
    inline = InlineCode()
    inline.feed(response.content.decode())
    for tag, value in inline.nonces:
        assert nonce and value == nonce.group(1), f"inline <{tag}> without the page's nonce"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_security_headers_fresh_and_cached(site, url):
    reader = Client()
    first = reader.get(url, secure=True)
    second = reader.get(url, secure=True)  # from the page cache where the page is public
    assert first.status_code in (200, 404)
    for response in (first, second):
        check_headers(response)


@pytest.mark.parametrize("url", ["/admin/", "/admin/articles/article/", "/admin/two-factor/"])
def test_admin_pages_have_the_security_headers(site, url):
    client = Client()
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    response = client.get(url, secure=True)
    assert response.status_code == 200
    check_headers(response)


def test_cookies_are_secure_and_http_only(settings):
    User.objects.create_user("editor", "e@example.org", "a-long-editor-password", is_staff=True)
    client = Client()
    client.get("/admin/login/", secure=True)
    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": "a-long-editor-password"},
        secure=True,
    )
    assert response.status_code == 302
    session, csrf = client.cookies["sessionid"], client.cookies["csrftoken"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_plain_http_is_sent_to_https_in_production(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/latest/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
