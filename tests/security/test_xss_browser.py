"""The stored-XSS corpus in a real browser: every payload is stored in the fields readers
see, the pages, the newsletter email and the print HTML are loaded in headless Chromium
(email and print HTML with no CSP at all, as a mail client or the PDF renderer would get
them), handlers are poked with events, and no payload may run."""

import pytest
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Author, Correction, Section, Sidebar
from donations.models import Appeal
from issues.services import _render_html, article_pdf_job
from newsletter.mail import render_edition
from newsletter.models import Edition, EditionArticle, Newsletter
from tests.factories import ArticleFactory, PhotoFactory
from tests.figures import record
from tests.security.markup import load_payloads
from tests.security.test_stored_xss import pack

# Each payload reports its own number when it runs; one that hides the canary behind
# entities (&#119;indow…) sets window.__xss, which reports "?".
PAYLOADS = [
    payload.replace("window.__xss=1", f"window.__hit({n})")
    for n, payload in enumerate(load_payloads())
]
# PostgreSQL text cannot hold NUL at all; the admin refuses such payloads with a form error.
STORABLE = [p for p in PAYLOADS if "\x00" not in p]
ALL = " ".join(STORABLE)


def packed(limit):
    """The payloads in values that fit a field of `limit` characters (the database
    enforces the limit on PostgreSQL; overlong ones are the admin tests' business)."""
    return [chunk for chunk in pack(STORABLE, limit) if len(" ".join(chunk)) <= limit]


WATCH = """() => {
if (window.__ran) return;
window.__ran = [];
window.__hit = n => window.__ran.push(n);
Object.defineProperty(window, '__xss', {set: () => window.__ran.push('?'), get: () => 0,
                                       configurable: true});
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
}"""
POKE = """() => {
  for (const el of document.querySelectorAll('*')) {
    if (el.closest('a, button, form, input, select, textarea')) continue;
    for (const type of ['mouseover', 'mouseenter', 'pointerenter', 'focus', 'click',
                        'animationstart', 'toggle', 'load', 'error']) {
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
  }
}"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hostile_site():
    section = Section.objects.create(name="News", slug="news", description=ALL)
    author = Author.objects.create(name="Ada", slug="ada", bio=ALL)
    main = ArticleFactory(slug="main", section=section, standfirst=ALL, body=ALL,
                          authors=[author])  # fmt: skip
    for position, chunk in enumerate(packed(200)):
        Sidebar.objects.create(article=main, heading=" ".join(chunk), body=ALL[:5000],
                               position=position)  # fmt: skip
    for n, chunk in enumerate(packed(120)):
        byline = Author.objects.create(name=" ".join(chunk), slug=f"by-{n}")
        ArticleAuthor.objects.create(article=main, author=byline, position=n + 1)
    Correction.objects.create(article=main, text=ALL)
    captions = packed(300)
    for n, chunk in enumerate(packed(200)):
        text = " ".join(chunk)
        photo = None
        if n < len(captions):
            caption = " ".join(captions[n])
            photo = PhotoFactory(caption=caption, alt_text=caption, credit=text[:150])
        ArticleFactory(headline=text, section=section, lead_photo=photo,
                       published_at=timezone.now() - timezone.timedelta(minutes=n + 5))  # fmt: skip
    Appeal.objects.create(title=ALL[:150], slug="appeal", description=ALL, target_pence=1000)
    newsletter, _ = Newsletter.objects.get_or_create(slug="daily", defaults={"name": "Daily"})
    edition = Edition.objects.create(newsletter=newsletter, subject="Today", intro=ALL)
    for position, article in enumerate(Article.objects.all()[:30]):
        EditionArticle.objects.create(edition=edition, article=article, position=position)
    return main, edition


def visit(page, *, url=None, html=None):
    page.add_init_script(f"({WATCH})()")
    if url:
        response = page.goto(url, wait_until="load")
        assert response.status == 200, url
    else:
        # Like a mail client or the PDF renderer: the HTML alone, with no CSP.
        page.goto("about:blank")
        page.set_content(html, wait_until="load")
    page.evaluate(POKE)
    page.wait_for_timeout(100)
    ran = page.evaluate("window.__ran")
    violations = page.evaluate("window.__violations || []")
    return ran, violations


def test_no_payload_runs_in_the_browser(page, settings):
    settings.PAGE_SIZE = 1000
    main, edition = hostile_site()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    executed, blocked = set(), []
    urls = ["/articles/main/", "/latest/", "/", "/sections/news/", "/authors/ada/",
            "/corrections/", "/donate/", "/donate/appeal/"]  # fmt: skip
    for url in urls:
        ran, violations = visit(page, url=url)
        executed |= {f"{url}#{n}" for n in ran}
        blocked += [f"{url}: {v}" for v in violations]
    for name, html in [
        ("email", render_edition(edition).html),
        ("print", _render_html(article_pdf_job(main))),
    ]:
        ran, _ = visit(page, html=html)
        executed |= {f"{name}#{n}" for n in ran}
    record(
        "xss_payloads_executed",
        len({hit.split("#")[1] for hit in executed}) + len(dialogs),
        canary_hits=len(executed) + len(dialogs),
        xss_browser_pages=len(urls) + 2,
    )
    assert executed == set()
    assert dialogs == []
    # Nothing of a payload even reached the point where the CSP had to stop it.
    assert blocked == []


def test_the_canary_notices_a_payload_that_runs(page):
    """Without the sanitiser, escaping and CSP the corpus does run: the check above can fail."""
    ran, _ = visit(page, html="<p>raw</p>" + " ".join(PAYLOADS[:100]))
    assert len(set(ran)) > 20
