from django.urls import path

from issues import pdf_views, views

app_name = "issues"

urlpatterns = [
    path("", views.IssueArchiveView.as_view(), name="archive"),
    path("<int:number>/", views.IssueDetailView.as_view(), name="detail"),
    # Print-edition PDFs of a whole issue and of one article.
    path("<int:number>/pdf/", pdf_views.issue_pdf, name="pdf"),
    path("<int:number>/pdf/status/", pdf_views.issue_pdf_status, name="pdf-status"),
    path("articles/<slug:slug>/pdf/", pdf_views.article_pdf, name="article-pdf"),
    path(
        "articles/<slug:slug>/pdf/status/",
        pdf_views.article_pdf_status,
        name="article-pdf-status",
    ),
]
