from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def main_of(html: str) -> str:
    """The page's <main>, without the Latest News rail that every page has."""
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def hidden_articles():
    """A draft and a scheduled article, with their own author, tag and section."""
    author = AuthorFactory(name="Hidden Writer", slug="hidden-writer")
    section = SectionFactory(name="Secret", slug="secret")
    draft = ArticleFactory(
        headline="Draft headline", status=Article.Status.DRAFT, published_at=None,
        authors=[author], tags=["embargoed"], section=section,
    )  # fmt: skip
    scheduled = ArticleFactory(
        headline="Scheduled headline", published_at=timezone.now() + timedelta(hours=2),
        authors=[author], tags=["embargoed"], section=section,
    )  # fmt: skip
    return draft, scheduled


def test_drafts_and_scheduled_articles_answer_404(client, hidden_articles):
    for article in hidden_articles:
        assert client.get(article.get_absolute_url()).status_code == 404


def test_drafts_and_scheduled_articles_are_absent_from_every_list(client, hidden_articles):
    ArticleFactory(headline="Public headline")
    urls = [
        reverse("articles:front"),
        reverse("articles:latest"),
        reverse("articles:section", args=["secret"]),
        reverse("articles:section", args=["news"]),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "Draft headline" not in html and "Scheduled headline" not in html, url
    assert "Public headline" in client.get(reverse("articles:latest")).content.decode()
    # A tag or author known only from unpublished articles does not exist for readers.
    assert client.get(reverse("articles:tag", args=["embargoed"])).status_code == 404
    assert client.get(reverse("articles:author", args=["hidden-writer"])).status_code == 404


def test_scheduled_article_appears_when_its_time_comes(client):
    article = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
    assert client.get(article.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert client.get(article.get_absolute_url()).status_code == 200


def test_staff_can_preview_a_draft_and_anonymous_readers_cannot(client):
    draft = ArticleFactory(
        headline="Work in progress", status=Article.Status.DRAFT, published_at=None
    )
    url = reverse("articles:preview", args=[draft.pk])
    assert client.get(url).status_code == 404

    reader = get_user_model().objects.create_user("reader", password="pw-reader-123")
    client.force_login(reader)
    assert client.get(url).status_code == 404

    # Staff in a newsroom role: staff without one may not see articles (tests/security).
    editor = get_user_model().objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    staff = Client()
    staff.force_login(editor)
    response = staff.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Work in progress" in html
    assert '<p class="preview-banner" role="status"><strong>Preview</strong>' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "no-cache" in response["Cache-Control"]


def test_preview_of_a_missing_article_is_404_even_for_staff(client):
    client.force_login(get_user_model().objects.create_user("ed", password="x", is_staff=True))
    assert client.get(reverse("articles:preview", args=[999])).status_code == 404


def test_front_page_shows_lead_story_sections_and_latest_news(client):
    news = SectionFactory(name="News", slug="news", position=1)
    culture = SectionFactory(name="Culture", slug="culture", position=2)
    lead = ArticleFactory(headline="Lead story", section=news, published_at=timezone.now())
    ArticleFactory(headline="Second news story", section=news)
    ArticleFactory(headline="Review of the week", section=culture, lead_photo=PhotoFactory())
    html = client.get(reverse("articles:front")).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert main.index("Lead story") < main.index("Second news story")
    assert main.index("Second news story") < main.index("Review of the week")
    assert main.count("Lead story") == 1
    assert f'href="{news.get_absolute_url()}"' in main
    rail = html[html.index("</main>") :]
    assert "Latest News" in rail and "Lead story" in rail and lead.get_absolute_url() in rail


def test_front_page_shows_a_few_stories_per_section(client):
    news = SectionFactory(name="News", slug="news")
    for n in range(8):
        ArticleFactory(headline=f"News item {n}", section=news,
                       published_at=timezone.now() - timedelta(minutes=n))  # fmt: skip
    main = main_of(client.get(reverse("articles:front")).content.decode())
    # The newest is the lead story; the next two are the section's other top stories.
    assert main.count("News item 0") == 1
    assert "News item 2" in main and "News item 3" not in main


def test_section_page_lists_only_that_section_and_paginates(client, settings):
    settings.PAGE_SIZE = 3
    news = SectionFactory(name="News", slug="news")
    for n in range(7):
        ArticleFactory(headline=f"News story {n}", section=news,
                       published_at=timezone.now() - timedelta(hours=n))  # fmt: skip
    ArticleFactory(headline="Culture story", section=SectionFactory(name="Culture"))
    first = main_of(client.get(news.get_absolute_url()).content.decode())
    assert "News story 0" in first and "News story 2" in first and "News story 3" not in first
    assert "Culture story" not in first
    assert 'rel="next" href="?page=2"' in first and "Page 1 of 3" in first
    third = client.get(news.get_absolute_url() + "?page=3").content.decode()
    assert "News story 6" in third and 'rel="prev" href="?page=2"' in third
    assert client.get(news.get_absolute_url() + "?page=4").status_code == 404
    assert client.get(reverse("articles:section", args=["nope"])).status_code == 404


def test_tag_page_lists_tagged_articles(client):
    ArticleFactory(headline="Kazakh protests", tags=["Kazakhstan"])
    ArticleFactory(headline="Unrelated", tags=["Other"])
    html = main_of(client.get(reverse("articles:tag", args=["kazakhstan"])).content.decode())
    assert "Kazakh protests" in html and "Unrelated" not in html
    assert "Tagged: Kazakhstan" in html


def test_author_page_shows_bio_photo_and_articles(client):
    author = AuthorFactory(
        name="Sadie Robinson", bio="Covers industrial news.", photo=PhotoFactory(alt_text="Sadie")
    )
    ArticleFactory(headline="Her story", authors=[author])
    ArticleFactory(headline="Someone else's story", authors=[AuthorFactory()])
    html = main_of(client.get(author.get_absolute_url()).content.decode())
    assert "<h1>Sadie Robinson</h1>" in html and "Covers industrial news." in html
    assert 'alt="Sadie"' in html
    assert "Her story" in html and "Someone else" not in html
    assert reverse("articles:feed-author", args=[author.slug]) in html


def test_cards_show_bylines_in_credited_order(client):
    first, second, third = (AuthorFactory(name=n) for n in ["Zed Last", "Amy First", "Mo Mid"])
    ArticleFactory(headline="Three hands", authors=[first, second, third])
    ArticleFactory(headline="Two hands", authors=[second, first])
    html = client.get(reverse("articles:latest")).content.decode()
    assert "By Zed Last, Amy First and Mo Mid" in html
    assert "By Amy First and Zed Last" in html


@pytest.mark.parametrize("page", ["front", "latest", "section", "tag", "author"])
def test_list_pages_render_in_a_fixed_number_of_queries(
    client, settings, django_assert_max_num_queries, page
):
    settings.PAGE_SIZE = 20
    section = SectionFactory(name="News", slug="news")
    author = AuthorFactory(slug="writer")
    for n in range(15):
        ArticleFactory(section=section, lead_photo=PhotoFactory(), tags=["Strikes", f"t{n}"],
                       authors=[author, AuthorFactory()])  # fmt: skip
    url = {
        "front": reverse("articles:front"),
        "latest": reverse("articles:latest"),
        "section": reverse("articles:section", args=["news"]),
        "tag": reverse("articles:tag", args=["strikes"]),
        "author": reverse("articles:author", args=["writer"]),
    }[page]
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="card') >= 3


def test_404_page_uses_the_site_template(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'class="skip-link"' in html


def test_500_page_renders_without_context_or_database():
    from django.template import Context, engines

    template = engines["django"].engine.get_template("500.html")
    html = template.render(Context())
    assert "Something went wrong" in html


def test_robots_txt_points_at_the_sitemap(client, settings):
    settings.SITE_URL = "https://paper.example"
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: https://paper.example/sitemap.xml" in text
    assert "Disallow: /preview/" in text


def test_header_navigation_lists_sections_and_marks_the_current_one(client):
    SectionFactory(name="News", slug="news", position=1)
    SectionFactory(name="Features", slug="features", position=2)
    html = client.get(reverse("articles:section", args=["features"])).content.decode()
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
    assert nav.index(">News<") < nav.index(">Features<")
    assert 'href="/sections/features/" aria-current="page"' in nav
    assert 'href="#main"' in html and 'id="main"' in html


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("/favicon.svg")


@pytest.mark.parametrize("url", ["/", "/latest/", "/search/?q=strike", "/no/such/page/"])
def test_every_page_links_the_favicon_and_touch_icon(client, url):
    ArticleFactory()
    head = client.get(url).content.decode().split("</head>")[0]
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in head
    assert '<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">' in head


def test_error_page_links_the_favicon():
    from django.template import Context, engines

    html = engines["django"].engine.get_template("500.html").render(Context())
    assert 'rel="icon" href="/static/favicon.svg"' in html


def test_front_page_lead_photo_loads_first(client):
    ArticleFactory(headline="Lead story", lead_photo=PhotoFactory(), published_at=timezone.now())
    main = main_of(client.get(reverse("articles:front")).content.decode())
    lead = main[main.index('class="lead-story"') : main.index("</article>")]
    img = lead[lead.index("<img") :].split(">")[0]
    assert 'fetchpriority="high"' in img
    assert "loading=" not in img and "decoding=" not in img
