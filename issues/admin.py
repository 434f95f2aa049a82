from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from articles.models import Article
from issues.models import Issue
from issues.pdf_admin import PrintPdfAdminMixin


class IssueArticleInline(admin.TabularInline):
    """The issue's running order: its articles by page. Articles are written on their
    own pages and attached to an issue there; here only the page number changes."""

    model = Article
    fields = ["article_link", "section", "status", "print_page"]
    readonly_fields = ["article_link", "section", "status"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    verbose_name = "article"
    verbose_name_plural = "Articles in this issue, by page"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section").order_by("print_page", "id")

    @admin.display(description="Headline")
    def article_link(self, article):
        url = reverse("admin:articles_article_change", args=[article.pk])
        return format_html('<a href="{}">{}</a>', url, article.headline)


@admin.register(Issue)
class IssueAdmin(PrintPdfAdminMixin, admin.ModelAdmin):
    list_display = ["number", "publication_date", "status", "article_count", "pdf_status"]
    readonly_fields = ["pdf_detail"]
    list_filter = ["status"]
    search_fields = ["=number"]
    date_hierarchy = "publication_date"
    autocomplete_fields = ["cover_photo"]
    inlines = [IssueArticleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, issue):
        return issue.article_count
