from django.conf import settings
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.models import Article
from issues.models import Issue


class IssueArchiveView(ListView):
    template_name = "issues/issue_list.html"
    context_object_name = "issues"

    def get_paginate_by(self, queryset):
        return settings.PAGE_SIZE

    def get_queryset(self):
        return Issue.objects.published().select_related("cover_photo").order_by("-number")


class IssueDetailView(ListView):
    """An issue's table of contents: its published articles in page order."""

    template_name = "issues/issue_detail.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.PAGE_SIZE

    def get_queryset(self):
        self.issue = get_object_or_404(
            Issue.objects.published().select_related("cover_photo"), number=self.kwargs["number"]
        )
        return (
            Article.objects.published()
            .for_issue(self.issue)
            .for_listing()
            # Web extras filed under the issue without a page go after the printed ones.
            .order_by(F("print_page").asc(nulls_last=True), "id")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(issue=self.issue, **kwargs)
