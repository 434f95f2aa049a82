from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from articles.models import Article
from issues import services
from issues.models import Issue
from issues.pdf_admin import PrintPdfAdminMixin


class IssueArticleInline(admin.TabularInline):
    """The issue's running order: its articles by page. Articles are written on their
    own pages and attached to an issue there; here only the page number changes."""

    model = Article
    fields = ["article_link", "section", "readiness", "print_page"]
    readonly_fields = ["article_link", "section", "readiness"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    verbose_name = "article"
    verbose_name_plural = "Articles in this issue, by page"

    def get_queryset(self, request):
        # Writers see an issue's published articles and their own, not others' drafts.
        articles = super().get_queryset(request).readable_by(request.user)
        return articles.select_related("section").order_by("print_page", "id")

    @admin.display(description="Headline")
    def article_link(self, article):
        url = reverse("admin:articles_article_change", args=[article.pk])
        return format_html('<a href="{}">{}</a>', url, article.headline)

    @admin.display(description="Status")
    def readiness(self, article):
        label = "Scheduled" if article.is_scheduled else article.get_status_display()
        if article.status in (Article.Status.READY, Article.Status.PUBLISHED):
            return label
        return format_html("<strong>Not ready</strong> ({})", label)


@admin.register(Issue)
class IssueAdmin(PrintPdfAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/issues/issue/change_form.html"
    list_display = [
        "number", "publication_date", "status", "article_count", "not_ready_count", "pdf_status",
    ]  # fmt: skip
    readonly_fields = ["pdf_detail", "not_ready_list"]
    actions = [*PrintPdfAdminMixin.actions, "publish_selected_issues"]
    list_filter = ["status"]
    search_fields = ["=number"]
    date_hierarchy = "publication_date"
    autocomplete_fields = ["cover_photo"]
    inlines = [IssueArticleInline]

    def get_queryset(self, request):
        not_ready = Q(articles__status__in=[Article.Status.DRAFT, Article.Status.SUBBING])
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_count=Count("articles"),
                not_ready_count=Count("articles", filter=not_ready),
            )
        )

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, issue):
        return issue.article_count

    @admin.display(description="Not ready", ordering="not_ready_count")
    def not_ready_count(self, issue):
        return issue.not_ready_count

    # -- The issue builder: publishing the issue with its ready articles ----------------

    def get_object(self, request, object_id, from_field=None):
        issue = super().get_object(request, object_id, from_field)
        if issue is not None:
            # Which headlines the change form may list depends on who is looking, and
            # read-only fields are given only the issue.
            issue.readable_articles = Article.objects.readable_by(request.user)
        return issue

    @admin.display(description="Not ready to publish")
    def not_ready_list(self, issue):
        if issue.pk is None:
            return "—"
        not_ready = issue.articles.exclude(
            status__in=[Article.Status.READY, Article.Status.PUBLISHED]
        ).order_by("print_page", "id")
        readable = getattr(issue, "readable_articles", Article.objects.none())
        shown = list(not_ready.filter(pk__in=readable.values("pk")))
        lines = [(a.headline, a.get_status_display()) for a in shown]
        if hidden := not_ready.count() - len(shown):
            lines.append((f"{hidden} more by others", "not shown to you"))
        return (
            format_html_join(mark_safe("<br>"), "{} ({})", lines)
            or "Every article is ready or published."
        )

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm("articles.publish_article") and self.has_change_permission(
            request, obj
        )

    def get_urls(self):
        publish = self.admin_site.admin_view(self.publish_view)
        return [
            path("<path:object_id>/publish/", publish, name="issues_issue_publish"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_publish": self.has_publish_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _publish(self, request, issue):
        result = services.publish_issue(issue, by=request.user)
        when = date_format(timezone.localtime(result.at), "j F Y, H:i")
        self.message_user(
            request,
            f"{issue}: published {len(result.published)} ready article(s) at {when}.",
            messages.SUCCESS,
        )
        if result.not_ready:
            self.message_user(
                request,
                "Not ready, so not published: "
                + "; ".join(f"“{article}” ({why})" for article, why in result.not_ready),
                messages.WARNING,
            )

    @admin.action(description="Publish issue (every ready article in it)", permissions=["publish"])
    def publish_selected_issues(self, request, queryset):
        for issue in queryset:
            self._publish(request, issue)

    def publish_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404
        if not self.has_publish_permission(request, issue):
            raise PermissionDenied
        self._publish(request, issue)
        return redirect("admin:issues_issue_change", issue.pk)
