import pytest

from articles.html import sanitize_html
from tests.factories import ArticleFactory, SidebarFactory

pytestmark = pytest.mark.django_db

ATTACKS = [
    ("<p>Hi<script>alert(1)</script></p>", "<script"),
    ('<p onmouseover="alert(1)">Hi</p>', "onmouseover"),
    ('<a href="javascript:alert(1)">Hi</a>', "javascript:"),
    ('<a href="JaVaScRiPt:alert(1)">Hi</a>', "javascript"),
    ('<iframe src="https://example.com/x"></iframe><p>Hi</p>', "<iframe"),
    ('<img src="x" onerror="alert(1)"><p>Hi</p>', "<img"),
    ('<p style="background:url(javascript:alert(1))">Hi</p>', "style="),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">Hi</a>', "data:"),
    ("<svg><script>alert(1)</script></svg><p>Hi</p>", "<svg"),
    ("<style>body{display:none}</style><p>Hi</p>", "<style"),
]


@pytest.mark.parametrize(("html", "forbidden"), ATTACKS)
def test_article_body_is_sanitised_on_save(html, forbidden):
    article = ArticleFactory(body=html)
    article.refresh_from_db()
    assert forbidden not in article.body.lower()
    assert "Hi" in article.body


@pytest.mark.parametrize(("html", "forbidden"), ATTACKS)
def test_sidebar_body_is_sanitised_on_save(html, forbidden):
    sidebar = SidebarFactory(body=html)
    sidebar.refresh_from_db()
    assert forbidden not in sidebar.body.lower()


def test_newspaper_markup_survives():
    html = (
        "<h2>Heading</h2><p>A <strong>bold</strong> and <em>emphatic</em> line.</p>"
        "<blockquote><p>A quote</p></blockquote><ul><li>One</li></ul>"
    )
    assert sanitize_html(html) == html


def test_links_keep_their_address_and_gain_noopener():
    assert sanitize_html('<a href="https://example.org/x">x</a>') == (
        '<a href="https://example.org/x" rel="noopener noreferrer">x</a>'
    )


def test_an_emptied_editor_stores_nothing():
    assert sanitize_html("<p></p>") == ""
    assert ArticleFactory(body="<p><br></p>").body == ""
