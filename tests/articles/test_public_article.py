import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    IssueFactory,
    PhotoFactory,
    SectionFactory,
    SidebarFactory,
)

pytestmark = pytest.mark.django_db

HEADLINE = "What\N{RIGHT SINGLE QUOTATION MARK}s behind the revolt in Kazakhstan?"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Latest news and the navigation are cached site-wide; each test starts cold.
    cache.clear()
    yield
    cache.clear()


def reference_article(**overrides):
    """An article with every part of the reference page."""
    section = SectionFactory(name="International", slug="international")
    issue = IssueFactory(number=2787)
    fields = {
        "headline": HEADLINE,
        "standfirst": "Russian troops are arriving by the planeload",
        "body": "<p>The president has ordered troops to shoot protesters.</p>",
        "section": section,
        "issue": issue,
        "print_page": 14,
        "lead_photo": PhotoFactory(
            alt_text="Protesters in Almaty at night with linked arms",
            caption="Protesters on the streets of Almaty",
            credit="REUTERS/Pavel Mikheyev",
        ),
        "authors": [AuthorFactory(name="Simon Basketter"), AuthorFactory(name="Sadie Robinson")],
        "tags": ["Kazakhstan", "Russia"],
    }
    article = ArticleFactory(**{**fields, **overrides})
    SidebarFactory(article=article, heading="Friends of Tony Blair and Prince Andrew")
    return article


def test_article_page_shows_the_anatomy_in_order(client):
    article = reference_article()
    ArticleFactory(headline="Older news item")

    html = client.get(article.get_absolute_url()).content.decode()

    in_order = [
        "By <a",
        "Simon Basketter",
        "Sadie Robinson",
        ">Issue 2787</a>",
        "<h1",
        HEADLINE,
        "Russian troops are arriving by the planeload",
        'alt="Protesters in Almaty at night with linked arms"',
        "Protesters on the streets of Almaty (Picture: REUTERS/Pavel Mikheyev)",
        "The president has ordered troops to shoot protesters.",
        "Friends of Tony Blair and Prince Andrew",
        ">Kazakhstan</a>",
        "Sign up for our daily email update",
        "Latest News",
        "Older news item",
        "Make a donation",
    ]
    body = html[html.index("<body") :]
    body = re.sub(r'<span class="credit">(.*?)</span>', r"\1", body)
    positions = [body.find(text) for text in in_order]
    assert -1 not in positions, [t for t, p in zip(in_order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "By <a" in body and " and <a" in body
    # The issue number appears again after the standfirst.
    assert body.count(">Issue 2787</a>") >= 2


def test_article_page_links_to_authors_issue_section_and_tags(client):
    article = reference_article()
    html = client.get(article.get_absolute_url()).content.decode()
    for author in article.authors.all():
        assert f'href="{author.get_absolute_url()}"' in html
    assert f'href="{article.issue.get_absolute_url()}"' in html
    assert f'href="{article.section.get_absolute_url()}"' in html
    assert f'href="{reverse("articles:tag", args=["kazakhstan"])}"' in html


def test_article_page_lead_photo_has_dimensions_and_renditions(client):
    article = reference_article()
    html = client.get(article.get_absolute_url()).content.decode()
    img = re.search(r"<figure class=\"photo\">\s*<picture>\s*(<source [^>]*>\s*)*<img [^>]*>", html)
    img = img.group(0)
    assert 'width="1600"' in img and 'height="1000"' in img
    assert "srcset=" in img and "sizes=" in img


def test_article_page_head_has_canonical_social_tags_and_feeds(client, settings):
    settings.SITE_URL = "https://paper.example"
    article = reference_article()
    html = client.get(article.get_absolute_url()).content.decode()
    head = html[: html.index("</head>")]

    canonical = f"https://paper.example/articles/{article.slug}/"
    assert f'<link rel="canonical" href="{canonical}">' in head
    assert f"<title>{HEADLINE} |" in head
    assert '<meta name="description" content="Russian troops are arriving' in head
    assert f'<meta property="og:url" content="{canonical}">' in head
    og_image = re.search(r'<meta property="og:image" content="([^"]+)">', head).group(1)
    assert og_image.startswith("https://paper.example/media/")
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    assert 'type="application/rss+xml"' in head and 'type="application/atom+xml"' in head


def test_article_page_json_ld_describes_the_news_article(client, settings):
    settings.SITE_URL = "https://paper.example"
    article = reference_article(headline="Strikes </script><script>alert(1)</script> win")
    html = client.get(article.get_absolute_url()).content.decode()

    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Strikes </script><script>alert(1)</script> win"
    assert data["url"] == f"https://paper.example/articles/{article.slug}/"
    assert [a["name"] for a in data["author"]] == ["Simon Basketter", "Sadie Robinson"]
    assert data["printEdition"] == "Issue 2787"
    assert data["printSection"] == "International"
    assert data["printPage"] == "14"
    assert data["articleSection"] == "International"
    assert data["image"][0].startswith("https://paper.example/media/")
    assert data["datePublished"] == article.published_at.isoformat()


def test_web_only_article_has_no_print_fields(client):
    article = ArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    assert "printEdition" not in data and "printPage" not in data
    assert "Issue " not in html[html.index("<main") :]


def test_article_in_an_unpublished_issue_does_not_name_it(client):
    issue = IssueFactory(number=2999, publication_date=timezone.localdate() + timedelta(days=3))
    article = ArticleFactory(issue=issue, print_page=2)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "2999" not in html


def test_updated_time_is_shown_only_after_a_real_update(client):
    article = ArticleFactory(published_at=timezone.now())
    assert "Updated" not in client.get(article.get_absolute_url()).content.decode()
    # Entered with yesterday's date (an archive import): still the first version.
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(days=1))
    assert "Updated" not in client.get(article.get_absolute_url()).content.decode()
    # Written and published yesterday, edited just now.
    Article.objects.filter(pk=article.pk).update(created_at=timezone.now() - timedelta(days=1))
    Article.objects.get(pk=article.pk).save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Updated <time datetime=" in html


def test_related_articles_share_tags_or_section(client):
    article = ArticleFactory(tags=["Climate"], section=SectionFactory(name="News", slug="news"))
    by_tag = ArticleFactory(headline="Climate camp", tags=["Climate"], section=SectionFactory())
    same_section = ArticleFactory(headline="Another news story")
    elsewhere = ArticleFactory(headline="Unrelated culture piece", section=SectionFactory())
    html = client.get(article.get_absolute_url()).content.decode()
    related = html[html.index('id="related-heading"') :]
    assert by_tag.headline in related and same_section.headline in related
    assert elsewhere.headline not in related
    assert related.index(by_tag.headline) < related.index(same_section.headline)


def test_article_page_renders_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    article = reference_article()
    for n in range(3):
        SidebarFactory(article=article, heading=f"Boxout {n}")
        article.tags.add(f"Tag {n}")
    for _ in range(12):
        ArticleFactory(authors=[AuthorFactory()], tags=["Russia"])
    # Each bound includes one prefetch for the article's corrections and updates.
    with django_assert_max_num_queries(9):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    with django_assert_max_num_queries(7):
        client.get(article.get_absolute_url())


def test_article_page_is_small(client):
    from pathlib import Path

    from django.conf import settings as django_settings

    article = reference_article(body="<p>" + "Words of the story. " * 400 + "</p>")
    html = client.get(article.get_absolute_url()).content
    css = (Path(django_settings.BASE_DIR) / "static/css/site.css").read_bytes()
    assert len(html) + len(css) < 60_000
    # No requests to other hosts: every src and stylesheet is on this site.
    assert not re.search(rb'(src|href)="https?://(?!testserver)[^"]*\.(css|js|jpg|png)', html)


def test_anonymous_pages_set_no_cookies(client):
    article = ArticleFactory()
    for url in [
        reverse("articles:front"),
        reverse("articles:latest"),
        article.get_absolute_url(),
        article.section.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, url
