"""The public pages in a real browser: accessibility audit, phone width, print."""

import pytest
from django.core.cache import cache

from tests.browser.support import axe_violations, screenshot
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    PhotoFactory,
    SectionFactory,
    SidebarFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def article():
    cache.clear()
    issue = IssueFactory(number=2787, cover_photo=PhotoFactory())
    section = SectionFactory(name="International", slug="international")
    article = ArticleFactory(
        headline="What is behind the revolt in Kazakhstan? A very long headline to wrap",
        standfirst="Russian troops are arriving by the planeload",
        body="<p>The president has ordered troops to shoot.</p><blockquote>Quote</blockquote>"
        "<p>https://averyveryveryveryverylongaddresswithoutanyspacesatallthatmustwrap.example/</p>",
        section=section, issue=issue, print_page=3, lead_photo=PhotoFactory(),
        authors=[AuthorFactory(name="Simon Basketter"), AuthorFactory(name="Sadie Robinson")],
        tags=["Kazakhstan", "Russia"],
    )  # fmt: skip
    SidebarFactory(article=article, heading="Friends of Tony Blair")
    for n in range(4):
        ArticleFactory(headline=f"Other story {n}", section=section, lead_photo=PhotoFactory())
    yield article
    cache.clear()


PAGES = ["article", "/", "/latest/", "/sections/international/", "/issues/", "/issues/2787/"]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_pass_the_accessibility_audit_and_fit_a_phone(page, article, path):
    url = article.get_absolute_url() if path == "article" else path
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(url)
    assert axe_violations(page) == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"public-{path.strip('/').replace('/', '-') or 'front'}-375")


def test_skip_link_is_visible_on_focus(page, article):
    page.goto(article.get_absolute_url())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0


def test_print_view_hides_navigation_and_calls_to_action(page, article):
    page.goto(article.get_absolute_url())
    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden()
    assert page.locator(".cta-donate").is_hidden()
    assert page.locator("h1.headline").is_visible()
    assert page.locator(".boxout").is_visible()
