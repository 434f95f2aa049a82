"""Requests that try to trick the site: forms posted from elsewhere (CSRF), GETs that would
change state, `next=` redirects to other hosts, forged Host headers, questions that would
tell who subscribes or gives, line breaks that would add mail headers, and query strings
that would reach the ORM."""

import re
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client

from articles.models import Article
from donations.models import Donation
from newsletter.mail import render_edition
from newsletter.models import Edition, Newsletter, Subscriber, Subscription
from newsletter.tokens import make_confirm_token, make_unsubscribe_token
from tests.factories import ArticleFactory
from tests.security.conftest import EDITOR_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily():
    newsletter, _ = Newsletter.objects.get_or_create(
        slug="breakfast-in-red", defaults={"name": "Breakfast in Red"}
    )
    return newsletter


def subscribed(newsletter, email="reader@example.org", *, confirmed=True):
    subscriber = Subscriber.objects.create(email=email)
    if confirmed:
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmed_at="2026-01-01T00:00Z")
    Subscription.objects.create(
        subscriber=subscriber,
        newsletter=newsletter,
        status=Subscription.Status.ACTIVE if confirmed else Subscription.Status.PENDING,
    )
    subscriber.refresh_from_db()
    return subscriber


def pledge(email="donor@example.org"):
    return Donation.objects.create(
        donor_name="Donor", donor_email=email, amount_pence=1000,
        frequency=Donation.Frequency.MONTHLY, provider=Donation.Provider.OFFLINE,
    )  # fmt: skip


# -- CSRF ------------------------------------------------------------------------------


CSRF_PROTECTED = [
    ("/admin/login/", {"username": "editor", "password": EDITOR_PASSWORD}),
    ("/accounts/password-reset/", {"email": "editor@example.org"}),
    ("/donate/", {"amount": "10", "frequency": "one-off", "donor_name": "A",
                  "donor_email": "a@example.org"}),
    ("/donate/manage/link/", {"email": "donor@example.org"}),
    ("/donate/manage/1/cancel/", {}),
    ("/donate/manage/1/amount/", {"gift-1-amount": "5"}),
    ("/newsletters/confirm/anything/", {}),
    ("/newsletters/preferences/anything/", {"leave_all": "1"}),
]  # fmt: skip


@pytest.mark.parametrize(("url", "data"), CSRF_PROTECTED)
def test_forms_posted_without_a_csrf_token_are_refused(editor, url, data):
    response = Client(enforce_csrf_checks=True).post(url, data)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "url", ["/admin/articles/article/add/", "/admin/articles/photo/add/", "/admin/two-factor/"]
)
def test_admin_forms_posted_without_a_csrf_token_are_refused(editor, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(url, {"headline": "Forged"}).status_code == 403
    assert not Article.objects.exists()


def test_a_get_never_subscribes(daily, mailoutbox):
    for method in ("get", "head"):
        response = getattr(Client(), method)("/newsletters/", {"email": "x@example.org"})
        assert response.status_code == 200
    assert not Subscriber.objects.exists()
    assert mailoutbox == []


def test_a_get_never_confirms(daily):
    subscriber = subscribed(daily, confirmed=False)
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at="2026-11-26T00:00Z")
    subscriber.refresh_from_db()
    token = make_confirm_token(subscriber)
    assert Client().get(f"/newsletters/confirm/{token}/").status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None


def test_a_get_never_unsubscribes_but_the_one_click_post_does(daily):
    subscriber = subscribed(daily)
    url = f"/newsletters/unsubscribe/{make_unsubscribe_token(subscriber.pk, daily.pk)}/"
    for method in ("get", "head"):
        assert getattr(Client(), method)(url).status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE
    # RFC 8058: the mail provider posts without a cookie or token.
    one_click = {"List-Unsubscribe": "One-Click"}
    assert Client(enforce_csrf_checks=True).post(url, one_click).status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED


@pytest.mark.parametrize("method", ["get", "head", "put", "delete"])
def test_the_stripe_webhook_only_takes_signed_posts(method):
    pledge()
    response = getattr(Client(), method)("/donate/webhooks/stripe/")
    assert response.status_code == 405
    unsigned = Client().post(
        "/donate/webhooks/stripe/", '{"type": "checkout.session.completed"}',
        content_type="application/json",
    )  # fmt: skip
    assert 400 <= unsigned.status_code < 500
    assert Donation.objects.get().status == Donation.Status.PENDING


# -- Redirects that stay on our host ------------------------------------------------------


EVIL_NEXT = [
    "//evil.example", "/\\evil.example", "\\\\evil.example", "https:evil.example",
    "https://evil.example", "http:/\\/evil.example", "///evil.example", "/\t/evil.example",
    " //evil.example", "%2F%2Fevil.example", "/%2F/evil.example", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "https://testserver@evil.example",
    "/admin/@evil.example", "https://evil.example/admin/", "//evil.example/%2e%2e",
    "\x00//evil.example",
]  # fmt: skip


def stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.scheme in ("", "http", "https")
        and parts.netloc in ("", "testserver")
        and not location.startswith(("//", "/\\", "\\"))
    )


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_admin_login_next_stays_on_our_host(editor, evil):
    client = Client()
    response = client.post(
        f"/admin/login/?next={quote(evil)}",
        {"username": "editor", "password": EDITOR_PASSWORD, "next": evil},
    )
    assert response.status_code == 302
    assert stays_here(response["Location"]), response["Location"]
    already_in = client.get(f"/admin/login/?next={quote(evil)}")
    assert already_in.status_code in (200, 302)
    if already_in.status_code == 302:
        assert stays_here(already_in["Location"])


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_admin_logout_next_stays_on_our_host(editor, evil):
    client = Client()
    client.force_login(editor)
    response = client.post(f"/admin/logout/?next={quote(evil)}", {"next": evil})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert stays_here(response["Location"]), response["Location"]


# -- Forged Host headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "testserver.evil.example", "evil.example:80@testserver", "a b"]
)
def test_a_forged_host_gets_400(host):
    assert Client().get("/", HTTP_HOST=host).status_code == 400


def test_a_forged_host_never_reaches_an_email(
    settings, daily, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://news.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        forged = Client().post(
            "/newsletters/", {"email": "a@example.org"}, HTTP_HOST="evil.example"
        )
        assert forged.status_code == 400
        assert mailoutbox == []
        Client().post(
            "/newsletters/",
            {"email": "a@example.org"},
            HTTP_X_FORWARDED_HOST="evil.example",
            HTTP_REFERER="https://evil.example/x",
        )
    (message,) = mailoutbox
    hosts = set(re.findall(r"https?://([^/\s\"'>]+)", message.body + message.alternatives[0][0]))
    assert "evil.example" not in hosts
    assert "news.example.org" in hosts


# -- No enumeration -----------------------------------------------------------------------


def same_answer(responses):
    return [
        (r.status_code, r.get("Location"), re.sub(rb'nonce="[^"]+"', b"", r.content))
        for r in responses
    ]


def test_newsletter_signup_answers_the_same_for_known_and_unknown(daily):
    subscribed(daily, "known@example.org")
    answers = same_answer(
        Client().post("/newsletters/", {"email": email}, follow=True)
        for email in ("known@example.org", "unknown@example.org", "KNOWN@example.org")
    )
    assert answers[0] == answers[1] == answers[2]


def test_donor_magic_link_answers_the_same_for_donors_and_strangers(
    mailoutbox, django_capture_on_commit_callbacks
):
    pledge("donor@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        answers = same_answer(
            Client().post("/donate/manage/link/", {"email": email}, follow=True)
            for email in ("donor@example.org", "stranger@example.org")
        )
    assert answers[0] == answers[1]
    assert [m.to for m in mailoutbox] == [["donor@example.org"]]


# -- Email header injection ---------------------------------------------------------------


INJECTIONS = [
    "a@example.org\r\nBcc: victim@example.org",
    "a@example.org\nBcc: victim@example.org",
    "a@example.org\rBcc: victim@example.org",
    "a@example.org%0d%0aBcc: victim@example.org",
    '"x\r\nBcc: victim@example.org" <a@example.org>',
    "a@example.org,victim@example.org",
    "a@example.org\r\n\r\n<script>alert(1)</script>",
]


@pytest.mark.parametrize("email", INJECTIONS)
def test_newsletter_signup_refuses_header_injection(daily, mailoutbox, email):
    response = Client().post("/newsletters/", {"email": email})
    assert response.status_code == 400
    assert "Enter an email address" in response.text
    assert mailoutbox == []


@pytest.mark.parametrize("email", INJECTIONS)
def test_donor_link_refuses_header_injection(mailoutbox, email):
    response = Client().post("/donate/manage/link/", {"email": email})
    assert response.status_code == 200
    assert "field-error" in response.text
    assert mailoutbox == []


@pytest.mark.parametrize(
    "name", ["Eve\r\nBcc: victim@example.org", "Eve\nTo: victim@example.org", "Eve\r\n\r\nbody"]
)
def test_a_donor_name_adds_no_recipient(mailoutbox, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
        "/donate/",
        {"amount": "10", "frequency": "one-off", "donor_name": name,
         "donor_email": "eve@example.org"},
    )  # fmt: skip
    assert response.status_code in (200, 302, 303)
    for message in mailoutbox:
        assert message.recipients() == ["eve@example.org"]
        assert "victim" not in str(message.message()["Bcc"] or "")


@pytest.mark.parametrize(
    "subject", ["Today\r\nBcc: victim@example.org", "Today\nTo: victim@example.org"]
)
def test_an_edition_subject_adds_no_recipient(daily, editor, subject):
    client = Client()
    client.force_login(editor)
    response = client.post(
        "/admin/newsletter/edition/add/",
        {"newsletter": daily.pk, "subject": subject, "intro": "", "send_at_0": "",
         "send_at_1": "", "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    edition = Edition.objects.create(newsletter=daily, subject=subject)  # stored as typed
    rendered = render_edition(edition)
    message = rendered.message_for(subscriber_pk=1, email="r@example.org", message_id="<m@x>")
    assert message.recipients() == ["r@example.org"]
    assert message.message()["Bcc"] is None
    raw = rendered.raw_message_for(subscriber_pk=1, email="r@example.org", message_id="<m@x>")
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(Bcc|To): .*victim", headers, re.M | re.I)


# -- Query strings never reach the ORM ------------------------------------------------


def test_no_view_expands_request_data_into_orm_arguments():
    found = subprocess.run(
        ["grep", "-rnE", r"\*\*\s*(self\.)?request\.(GET|POST|data|query_params)",
         "articles", "issues", "newsletter", "donations", "newsroom", "pagecache"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert found.stdout == ""


ORM_PARAMS = [
    "?_connector=OR&status=draft", "?status=draft", "?order=-id", "?order=headline",
    "?ordering=created_by__password", "?o=1", "?sort=-pk", "?orderby=1;DROP TABLE x",
    "?page=2", "?page=-1", "?page=abc", "?page=99999999999999999999", "?q=%00",
    "?headline__regex=.*", "?pk__in=1,2", "?_connector=AND&_negated=1",
]  # fmt: skip


@pytest.mark.parametrize("params", ORM_PARAMS)
@pytest.mark.parametrize(
    "path", ["/", "/latest/", "/sections/news/", "/tags/housing/", "/search/", "/corrections/",
             "/issues/", "/feeds/latest/rss/"],
)  # fmt: skip
def test_list_pages_ignore_orm_parameters(path, params):
    ArticleFactory(headline="Public story", tags=["housing"])
    ArticleFactory(headline="Secret draft", status=Article.Status.DRAFT, tags=["housing"])
    response = Client().get(path + params)
    assert response.status_code in (200, 404)
    assert b"Secret draft" not in response.content


@pytest.mark.parametrize(
    "params",
    ["?created_by__password__startswith=p", "?o=99", "?o=1.2.x", "?status__regex=.*",
     "?_connector=OR", "?section__articles__created_by__password=x", "?q=%00"],
)  # fmt: skip
def test_admin_lists_refuse_lookups_outside_their_filters(editor, params):
    client = Client()
    client.force_login(editor)
    response = client.get("/admin/articles/article/" + params)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        assert "e=1" in response["Location"]
