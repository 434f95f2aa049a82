"""Stored XSS: every payload in data/xss-payloads.txt is typed, raw, into every rich-text and
plain field through the admin; then the pages, feeds, the newsletter email and the print
HTML that show those fields are rendered, and no payload may survive as markup."""

from itertools import zip_longest

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Author, Photo, Section
from donations.models import Appeal
from issues.services import _render_html, article_pdf_job
from newsletter.mail import render_edition
from newsletter.models import Edition, EditionArticle, Newsletter
from tests.factories import ArticleFactory, SectionFactory
from tests.figures import record
from tests.security.markup import feed_problems, form_defaults, load_payloads, markup_problems
from tests.security.uploads import png_bytes

PAYLOADS = load_payloads()
TEXT_CHUNK = 3000

pytestmark = pytest.mark.django_db


def pack(payloads, limit):
    """The payloads joined into as few values of at most `limit` characters as fit."""
    chunks, current = [], []
    for payload in payloads:
        if "\x00" in payload or len(payload) > limit:
            chunks.append([payload])  # refused on its own (a form error), never with others
            continue
        if current and len(" ".join([*current, payload])) > limit:
            chunks.append(current)
            current = []
        current.append(payload)
    return [*chunks, current] if current else chunks


class Desk:
    """A superuser typing into the admin's add and change forms."""

    def __init__(self):
        user = User.objects.create_superuser("desk", "desk@example.org", "pw")
        self.client = Client()
        self.client.force_login(user)
        self.stored, self.refused, self.counter = 0, 0, 0
        self.blank_forms = {}

    def defaults(self, url, form_id) -> dict:
        """The form as the admin offers it; an add form is the same every time."""
        if url not in self.blank_forms:
            page = self.client.get(url)
            assert page.status_code == 200, url
            data = form_defaults(page.text, form_id)
            # An inline's first form starts from the empty form's defaults, as the JS does.
            for key, value in list(data.items()):
                if "__prefix__" in key:
                    data.setdefault(key.replace("__prefix__", "0"), value)
            if not url.endswith("/add/"):
                return data
            self.blank_forms[url] = data
        return dict(self.blank_forms[url])

    def post(self, url, form_id, values, files=None) -> bool:
        data = self.defaults(url, form_id)
        data |= values | {"_save": "Save"}
        response = self.client.post(url, data | (files or {}))
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code == 200:
            assert "errornote" in response.text or "errorlist" in response.text
        return response.status_code == 302

    def add(self, model, fields: dict[str, list[list[str]]], benign, files=None):
        """One object per row of chunks; an object the admin refuses is tried again one
        payload at a time, so each payload is stored or refused on its own merits."""
        rows = zip_longest(*fields.values(), fillvalue=None)
        for row in rows:
            self.counter += 1
            values = {
                name: " ".join(chunk) for name, chunk in zip(fields, row, strict=True) if chunk
            }
            if self.post(self.add_url(model), f"{model}_form", benign(self.counter) | values,
                         files and files()):  # fmt: skip
                self.stored += sum(len(chunk) for chunk in row if chunk)
                continue
            for name, chunk in zip(fields, row, strict=True):
                for payload in chunk or []:
                    self.counter += 1
                    values = benign(self.counter) | {name: payload}
                    ok = self.post(self.add_url(model), f"{model}_form", values, files and files())
                    self.stored += ok
                    self.refused += not ok

    @staticmethod
    def add_url(model):
        app = {"appeal": "donations", "edition": "newsletter"}.get(model, "articles")
        return reverse(f"admin:{app}_{model}_add")


def render(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def check_pages(reader, urls, problems):
    for url in urls:
        html = render(reader, url)
        problems += [f"{url}: {p}" for p in markup_problems(html)]


def check_feeds(reader, urls, problems):
    for url in urls:
        response = reader.get(url)
        assert response.status_code == 200, url
        problems += [f"{url}: {p}" for p in feed_problems(response.content)]


def check_print_and_email(articles, problems):
    for article in articles:
        html = _render_html(article_pdf_job(article))
        problems += [f"PDF of {article.pk}: {p}" for p in markup_problems(html)]
    newsletter, _ = Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    edition = Edition.objects.create(newsletter=newsletter, subject="Today")
    for position, article in enumerate(articles):
        EditionArticle.objects.create(edition=edition, article=article, position=position)
    rendered = render_edition(edition)
    problems += [f"email: {p}" for p in markup_problems(rendered.html)]


def reader_pages(articles):
    urls = {"/", "/latest/", "/corrections/", "/search/?q=script", "/search/?q=onerror"}
    for article in articles:
        urls |= {article.get_absolute_url(), article.section.get_absolute_url()}
        urls |= {author.get_absolute_url() for author in article.authors.all()}
        urls |= {reverse("articles:tag", args=[tag.slug]) for tag in article.tags.all()}
    return sorted(urls)


def feeds_for(articles):
    urls = {"/feeds/latest/rss/", "/feeds/latest/atom/"}
    for article in articles:
        urls.add(reverse("articles:feed-section", args=[article.section.slug]))
        urls |= {reverse("articles:feed-author-atom", args=[a.slug]) for a in article.authors.all()}
        urls |= {reverse("articles:feed-tag", args=[t.slug]) for t in article.tags.all()}
    return sorted(urls)


def published(articles):
    for article in articles:
        if article.status != Article.Status.PUBLISHED:
            article.status = Article.Status.PUBLISHED
            article.published_at = timezone.now()
            article.save()
    return articles


# -- The cases: one kind of object each, every payload in every one of its fields --------


def store_articles(desk):
    section = SectionFactory()
    desk.add(
        "article",
        {
            "headline": pack(PAYLOADS, 200),
            "standfirst": pack(PAYLOADS, TEXT_CHUNK),
            "body": pack(PAYLOADS, TEXT_CHUNK),
            "sidebars-0-heading": pack(PAYLOADS, 200),
            "sidebars-0-body": pack(PAYLOADS, TEXT_CHUNK),
        },
        lambda n: {
            "headline": f"Plain headline {n}", "section": section.pk, "status": "published",
            "sidebars-TOTAL_FORMS": "1", "sidebars-0-heading": "Box",
            "sidebars-0-body": "<p>Box</p>", "sidebars-0-position": "0",
        },
    )  # fmt: skip
    return published(list(Article.objects.all()))


def store_tags(desk):
    section = SectionFactory()
    desk.add(
        "article",
        {"tags": pack(PAYLOADS, 300)},
        lambda n: {"headline": f"Tagged {n}", "section": section.pk, "status": "published"},
    )
    return published(list(Article.objects.all()))


def store_corrections(desk):
    article = ArticleFactory()
    url = reverse("admin:articles_article_change", args=[article.pk])
    for chunk in pack(PAYLOADS, TEXT_CHUNK):
        # A new correction each time, after those already saved.
        form = desk.defaults(url, "article_form")
        n = int(form["corrections-INITIAL_FORMS"])
        values = {
            key.replace("__prefix__", str(n)): value
            for key, value in form.items()
            if key.startswith("corrections-__prefix__-")
        }
        values |= {"corrections-TOTAL_FORMS": str(n + 1), f"corrections-{n}-text": " ".join(chunk)}
        ok = desk.post(url, "article_form", values)
        desk.stored += len(chunk) if ok else 0
        desk.refused += 0 if ok else len(chunk)
    return [article]


def store_photos(desk):
    def upload():
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {"image": SimpleUploadedFile("p.png", png_bytes(40, 30), "image/png")}

    desk.add(
        "photo",
        {
            "alt_text": pack(PAYLOADS, 300),
            "caption": pack(PAYLOADS, 300),
            "credit": pack(PAYLOADS, 150),
        },
        lambda n: {"alt_text": "A picture", "credit": "Staff"},
        files=upload,
    )
    return [ArticleFactory(lead_photo=photo) for photo in Photo.objects.all()]


def store_authors(desk):
    desk.add(
        "author",
        {"name": pack(PAYLOADS, 120), "bio": pack(PAYLOADS, TEXT_CHUNK)},
        lambda n: {"name": f"Reporter {n}", "slug": f"reporter-{n}"},
    )
    article = ArticleFactory()
    for position, author in enumerate(Author.objects.all()):
        ArticleAuthor.objects.create(article=article, author=author, position=position)
    return [article]


def store_sections(desk):
    desk.add(
        "section",
        {"name": pack(PAYLOADS, 80), "description": pack(PAYLOADS, TEXT_CHUNK)},
        lambda n: {"name": f"Section {n}", "slug": f"section-{n}", "position": "0"},
    )
    return [ArticleFactory(section=section) for section in Section.objects.all()]


CASES = {
    "article headline, standfirst, body, sidebar heading and body": store_articles,
    "tags": store_tags,
    "correction text": store_corrections,
    "photo alt text, caption, credit": store_photos,
    "author name and bio": store_authors,
    "section name and description": store_sections,
}


@pytest.mark.parametrize("case", CASES)
def test_no_payload_survives_as_markup(settings, case):
    settings.PAGE_SIZE = 1000  # every article on one list page and in each feed
    desk = Desk()
    articles = CASES[case](desk)
    assert desk.stored > 0
    problems = []
    reader = Client()
    check_pages(reader, reader_pages(articles), problems)
    check_pages(desk.client, [reverse("articles:preview", args=[articles[0].pk])], problems)
    check_feeds(reader, feeds_for(articles), problems)
    check_print_and_email(articles, problems)
    for model in ("article", "photo", "author", "section"):
        check_pages(desk.client, [reverse(f"admin:articles_{model}_changelist")], problems)
    assert problems == []
    record(f"xss_stored_{case.split()[0]}", desk.stored)


def test_no_payload_survives_in_newsletter_editions(settings):
    desk = Desk()
    newsletter = Newsletter.objects.create(name="Daily", slug="daily")
    desk.add(
        "edition",
        {"subject": pack(PAYLOADS, 200), "intro": pack(PAYLOADS, TEXT_CHUNK)},
        lambda n: {"newsletter": newsletter.pk, "subject": f"Edition {n}"},
    )
    article = ArticleFactory()
    problems = []
    editions = list(Edition.objects.all())
    assert editions
    for edition in editions:
        EditionArticle.objects.create(edition=edition, article=article, position=0)
        rendered = render_edition(edition)
        problems += [f"email {edition.pk}: {p}" for p in markup_problems(rendered.html)]
        Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.SENT)
        check_pages(Client(), [edition.get_absolute_url()], problems)
        check_pages(desk.client, [reverse("admin:newsletter_edition_change", args=[edition.pk])],
                    problems)  # fmt: skip
    check_pages(Client(), [newsletter.get_absolute_url()], problems)
    assert problems == []


def test_no_payload_survives_in_donation_appeals(settings):
    desk = Desk()
    desk.add(
        "appeal",
        {"title": pack(PAYLOADS, 150), "description": pack(PAYLOADS, TEXT_CHUNK)},
        lambda n: {"title": f"Appeal {n}", "slug": f"appeal-{n}", "target_pence": "100000",
                   "is_active": "on"},
    )  # fmt: skip
    article = ArticleFactory()
    problems = []
    appeals = list(Appeal.objects.all())
    assert appeals
    urls = [appeal.get_absolute_url() for appeal in appeals] + ["/donate/", "/"]
    check_pages(Client(), [*urls, article.get_absolute_url()], problems)
    assert problems == []


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 200
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    for marker in ("<script", "onerror=", "javascript:", "data:", "&#", "<svg", "<math", "url("):
        assert any(marker in p.lower() for p in PAYLOADS), marker
    record("xss_payloads_tried", len(PAYLOADS))
