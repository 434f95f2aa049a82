from django.urls import path, register_converter

from articles import feeds, search, views


class UnicodeSlugConverter:
    """Tag slugs keep their letters (taggit slugifies with allow_unicode): "café", "Ελλάδα"."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "tagslug")

app_name = "articles"

urlpatterns = [
    path("", views.FrontPageView.as_view(), name="front"),
    path("latest/", views.LatestView.as_view(), name="latest"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("sections/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("tags/<tagslug:slug>/", views.TagView.as_view(), name="tag"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("feeds/latest/rss/", feeds.LatestFeed(), name="feed-latest"),
    path("feeds/latest/atom/", feeds.LatestAtomFeed(), name="feed-latest-atom"),
    path("feeds/sections/<slug:slug>/rss/", feeds.SectionFeed(), name="feed-section"),
    path("feeds/sections/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="feed-section-atom"),
    path("feeds/tags/<tagslug:slug>/rss/", feeds.TagFeed(), name="feed-tag"),
    path("feeds/tags/<tagslug:slug>/atom/", feeds.TagAtomFeed(), name="feed-tag-atom"),
    path("feeds/authors/<slug:slug>/rss/", feeds.AuthorFeed(), name="feed-author"),
    path("feeds/authors/<slug:slug>/atom/", feeds.AuthorAtomFeed(), name="feed-author-atom"),
]
