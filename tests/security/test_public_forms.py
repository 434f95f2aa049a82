"""Whatever a reader types into a public form, or into the query of a public page, the
answer is a page or a form error (2xx, 3xx or 4xx), never a server error.

The forms are found by reading the pages a reader reaches, so a form added later is
covered without touching this test. Each field is tried on its own, with the rest of the
form filled in as a reader would (so that the value reaches the code behind a valid
form), and then random Unicode goes into random fields."""

import itertools
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations.models import Appeal
from tests.factories import ArticleFactory, IssueFactory

# Each request commits on its own, as in production: one that fails cannot leave the
# next inside a broken transaction.
pytestmark = pytest.mark.django_db(transaction=True)

# Digits that str.isdigit() accepts and int() does not, NUL, huge, negative and empty.
AWKWARD = ["²", "٣", "१२", "-1", "0", "9" * 40, "1e9", "", "\x00", "x" * 10_000, "İ"]
TYPED = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=200), st.sampled_from(AWKWARD)
)
# What a reader types where the page leaves a field empty.
READER = {
    "email": "reader@example.org",
    "donor_email": "reader@example.org",
    "donor_name": "A Reader",
    "username": "editor",
    "password": "not-the-password",
    "q": "strike",
}


class FormFinder(HTMLParser):
    """Each form's method, action and the values a reader would send unchanged."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("method", "get").lower(), attrs.get("action"), {}))
            return
        name = attrs.get("name")
        if not (self.forms and name and tag in ("input", "select", "textarea", "option")):
            return
        values = self.forms[-1][2]
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            values.setdefault(name, "")
            if "checked" in attrs:
                values[name] = attrs.get("value", "on")
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            values[name] = attrs.get("value") or READER.get(name, "")
        elif tag in ("select", "textarea"):
            values.setdefault(name, READER.get(name, ""))


def forms_on(client, url: str) -> list[tuple[str, str, dict]]:
    finder = FormFinder()
    finder.feed(client.get(url).text)
    return [
        (method, urlsplit(action).path if action else url, values)
        for method, action, values in finder.forms
    ]


def public_pages() -> list[str]:
    article = ArticleFactory(issue=IssueFactory(), print_page=1)
    appeal = Appeal.objects.create(title="Fund the paper", slug="fund", target_pence=500_000)
    return [
        "/",
        article.get_absolute_url(),
        reverse("newsletter:subscribe"),
        reverse("donations:donate"),
        appeal.get_absolute_url(),
        reverse("donations:manage-request"),
        reverse("articles:search"),
        reverse("admin_password_reset"),
        "/admin/login/",
    ]


# Query parameters the public pages read.
QUERIES = [
    (reverse("articles:latest"), {"page": "1"}),
    (reverse("articles:search"), {"q": "strike", "page": "1"}),
    (reverse("donations:donate"), {"from": "1", "cancelled": ""}),
    (reverse("donations:thank-you"), {"gift": ""}),
    (reverse("donations:manage"), {"token": ""}),
    (reverse("issues:archive"), {"page": "1"}),
]


@pytest.fixture
def targets():
    client = Client()
    found = {
        (method, action, tuple(sorted(values.items())))
        for url in public_pages()
        for method, action, values in forms_on(client, url)
        if method == "post"
    }
    # The newsletter signup, the donate form (on /donate/ and on the appeal), the donor
    # link, the password reset and the sign-in.
    assert len(found) >= 6, found
    posts = [("post", action, dict(values)) for _, action, values in sorted(found)]
    return posts + [("get", url, values) for url, values in QUERIES]


def send(method: str, url: str, values: dict) -> int:
    """The status of one request, from an address of its own: the rate limits and the
    sign-in lockout must not answer in place of the form."""
    client = Client(raise_request_exception=False, REMOTE_ADDR=next(ADDRESSES))
    return getattr(client, method)(url, values).status_code


ADDRESSES = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))


def test_a_filled_in_form_is_accepted(targets):
    # So that the awkward values below reach the code behind a valid form.
    for method, url, values in targets:
        if method == "post":
            assert send(method, url, values) < 400, (url, values)


def test_an_awkward_value_in_any_one_field_never_fails(targets):
    for method, url, values in targets:
        for name in values:
            for awkward in AWKWARD:
                status = send(method, url, values | {name: awkward})
                assert status < 500, (method, url, name, awkward)


def answers_to_random_values(method: str, url: str, values: dict):
    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(values, TYPED)))
    def answers_without_failing(changes):
        assert send(method, url, values | changes) < 500, (method, url, changes)

    return answers_without_failing


def test_random_unicode_in_random_fields_never_fails(targets):
    for method, url, values in targets:
        answers_to_random_values(method, url, values)()
