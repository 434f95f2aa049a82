from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import reversion
import taggit.admin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget
from js_asset import InlineStyle, Media
from reversion.models import Version
from taggit.forms import MergeTagsForm
from taggit.models import Tag, TaggedItem

from articles import revisions, workflow
from articles.html import sanitize_html
from articles.images import ACCEPTED_NAMES, PhotoImageField
from articles.models import Article, ArticleAuthor, Author, Correction, Photo, Section, Sidebar
from articles.services import merge_tags
from articles.tasks import make_photo_renditions

TIPTAP_BASE_CSS = (Path(__file__).parent / "tiptap-base.css").read_text()

# The editor offers exactly the markup that articles.html lets through.
RICH_TEXT_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "Blockquote": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "SpecialCharacters": True,
}


def rich_text_field(*, required: bool) -> ProseEditorFormField:
    return ProseEditorFormField(
        config={"extensions": RICH_TEXT_EXTENSIONS},
        sanitize=sanitize_html,
        widget=AdminProseEditorWidget,
        required=required,
    )


def clean_tag_names(names: list[str]) -> list[str]:
    """Each tag must fit taggit's column and have an address (a slug with a letter or digit)."""
    for name in names:
        if len(name) > 100:
            raise forms.ValidationError(
                "“%(start)s…” is too long for a tag: at most 100 characters.",
                code="max_length",
                params={"start": name[:30]},
            )
        if not slugify(name, allow_unicode=True):
            raise forms.ValidationError(
                "“%(name)s” cannot be a tag: it needs a letter or a digit.",
                code="invalid",
                params={"name": name},
            )
    return names


class PhotoAdminForm(forms.ModelForm):
    image = PhotoImageField(
        help_text=f"A {ACCEPTED_NAMES} picture. Smaller copies for the site are made from it."
    )

    class Meta:
        model = Photo
        fields = ["image", "alt_text", "caption", "credit", "tags"]
        error_messages = {
            "alt_text": {
                "required": "Describe what the picture shows: it is what a screen reader "
                "says to a reader who cannot see it."
            },
            "credit": {
                "required": "Credit the agency or photographer, e.g. REUTERS/Pavel Mikheyev."
            },
        }

    def clean_tags(self):
        return clean_tag_names(self.cleaned_data["tags"])


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """The photo library: find a picture by caption, credit, alt text or tag, and reuse it."""

    form = PhotoAdminForm
    list_display = ["thumbnail", "alt_text", "caption", "credit", "tag_list", "used_in",
                    "created_at"]  # fmt: skip
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption", "credit"]
    search_help_text = "Search captions, credits, alt text and tags."
    readonly_fields = ["preview", "width", "height"]
    fields = ["image", "preview", "alt_text", "caption", "credit", "tags", "width", "height"]

    # Writers may look at any photo (to choose one) and upload new ones; see
    # workflow.can_change_photo for which they may change.
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_change_photo(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.can_change_photo(request.user, obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        photo = self.get_object(request, unquote(object_id))
        if (
            photo is not None
            and request.method == "GET"
            and request.user.has_perm("articles.change_photo")
            and not self.has_change_permission(request, photo)
        ):
            self.message_user(
                request,
                "This photo is used beyond your own drafts, so only sub-editors and editors "
                "can change it. To use a different picture, upload a new one.",
                messages.INFO,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("lead_articles", distinct=True))
            .prefetch_related("tags")
        )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            # Through taggit's rows: a join on Photo.tags makes taggit 6.1 raise a Django
            # deprecation warning (SQLCompiler.quote_name_unless_alias).
            tagged = TaggedItem.objects.filter(
                content_type__app_label="articles",
                content_type__model="photo",
                tag__name__icontains=search_term.strip(),
            ).values("object_id")
            results = results | queryset.filter(pk__in=tagged)
        return results, may_have_duplicates

    @admin.display(description="Tags")
    def tag_list(self, photo):
        return ", ".join(sorted(tag.name for tag in photo.tags.all())) or "—"

    @admin.display(description="Articles", ordering="article_count")
    def used_in(self, photo):
        return photo.article_count

    @admin.display(description="Picture")
    def thumbnail(self, photo):
        if not photo.image:
            return "—"
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', photo.thumbnail_url)

    @admin.display(description="Preview")
    def preview(self, photo):
        if not photo.pk or not photo.image:
            return "—"
        return format_html(
            '<img src="{}" srcset="{}" sizes="400px" alt="{}" width="400">',
            photo.src,
            photo.srcset,
            photo.alt_text,
        )

    def save_model(self, request, obj, form, change):
        image_changed = "image" in form.changed_data
        if image_changed:
            # Until the task has run, pages show the new original, not the old renditions.
            obj.rendition_widths = []
            obj.rendition_formats = []
        super().save_model(request, obj, form, change)
        if image_changed:
            transaction.on_commit(lambda: make_photo_renditions.enqueue(obj.pk))


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo"]


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "Byline (authors in the order they are credited)"


class SidebarAdminForm(forms.ModelForm):
    body = rich_text_field(required=True)

    class Meta:
        model = Sidebar
        fields = ["position", "heading", "body"]


class SidebarInline(admin.StackedInline):
    model = Sidebar
    form = SidebarAdminForm
    extra = 0
    verbose_name = "sidebar (boxout)"
    verbose_name_plural = "Sidebars (boxouts printed after the story, in position order)"


class ArticleAdminForm(forms.ModelForm):
    body = rich_text_field(required=False)
    # The article's updated_at when the form was opened: a save based on an older one
    # would overwrite someone else's work, so it is refused (see clean_loaded_version).
    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    # Set by ArticleAdmin.get_form: the person editing.
    user = None

    class Meta:
        model = Article
        fields = [
            "headline", "slug", "standfirst", "section", "tags", "issue", "print_page",
            "lead_photo", "body", "status", "published_at",
        ]  # fmt: skip
        widgets = {
            "headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "standfirst": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The form never writes the status: ArticleAdmin.make_requested_move does, through
        # the workflow, from this one to the one the status field received.
        self.status_before_save = self.instance.status
        if self.instance.pk:
            self.initial["loaded_version"] = self.instance.updated_at.isoformat()
        if "status" in self.fields and self.user is not None:
            current = self.instance.status
            targets = {m.target for m in workflow.allowed_moves(self.user, self.instance)}
            self.fields["status"].choices = [
                (value, label) for value, label in Article.Status.choices
                if value == current or value in targets
            ]  # fmt: skip

    def clean_tags(self):
        return clean_tag_names(self.cleaned_data["tags"])

    def clean(self):
        cleaned = super().clean()
        self._check_not_overwriting()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            # Publishing without a time means now; the constraint is checked after clean().
            cleaned["published_at"] = timezone.now()
        if cleaned.get("print_page") and not cleaned.get("issue"):
            self.add_error("print_page", "A print page needs the print issue it is in.")
        status = cleaned.get("status")
        if status == Article.Status.PUBLISHED != self.instance.status:
            lead_photo = cleaned.get("lead_photo")
            for problem in workflow.publishing_problems(self.instance, lead_photo=lead_photo):
                self.add_error("status", f"Cannot publish yet. {problem}")
        return cleaned

    def _check_not_overwriting(self):
        loaded = self.cleaned_data.get("loaded_version")
        if not (self.instance.pk and loaded):
            return
        # Locked until the admin's transaction ends, so two saves cannot both pass.
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is None or current.isoformat() == loaded:
            return
        # The next save is a deliberate choice made after seeing what changed.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = current.isoformat()
        raise forms.ValidationError(
            conflict_message(self.instance, loaded_at=loaded), code="edit_conflict"
        )


def conflict_message(article, *, loaded_at: str):
    versions = list(Version.objects.get_for_object(article).select_related("revision__user"))
    latest = versions[0] if versions else None
    loaded = datetime.fromisoformat(loaded_at)
    # The version the person opened: the newest one saved no later than their copy.
    base = next((v for v in versions[:50] if v.field_dict["updated_at"] <= loaded), None)
    who = (latest and latest.revision.user and latest.revision.user.get_username()) or "Someone"
    if latest and base and base != latest:
        url = reverse("admin:articles_article_compare", args=[article.pk])
        url += "?" + urlencode({"from": base.pk, "to": latest.pk})
    else:
        url = reverse("admin:articles_article_revisions", args=[article.pk])
    return format_html(
        "{} saved this article after you opened it, so your changes were not saved. "
        'They are still in the form below. <a href="{}">See what changed</a>, then save '
        "again to keep your version.",
        who,
        url,
    )


class CorrectionInline(admin.TabularInline):
    model = Correction
    fields = ["kind", "text", "created_at"]
    extra = 0
    verbose_name_plural = "Corrections and updates (shown to readers with their date)"


class WorkflowActions:
    """The workflow moves as change-list actions; each is offered only to people with
    its permission, and each article is checked again by articles.workflow."""

    actions = ["submit_selected", "mark_ready_selected", "send_back_selected",
               "publish_selected", "unpublish_selected"]  # fmt: skip

    def has_mark_ready_permission(self, request):
        return request.user.has_perm("articles.mark_ready")

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def _move_selected(self, request, queryset, name):
        moved, refusals = 0, []
        for article in queryset.select_related("lead_photo"):
            try:
                workflow.move_article(article, name, by=request.user)
                moved += 1
            except workflow.TransitionRefused as refusal:
                refusals.append(str(refusal))
        label = workflow.MOVES[name].label
        if moved:
            self.message_user(request, f"{label}: {moved} article(s).", messages.SUCCESS)
        for refusal in refusals:
            self.message_user(request, refusal, messages.ERROR)

    @admin.action(description="Send for subbing", permissions=["change"])
    def submit_selected(self, request, queryset):
        self._move_selected(request, queryset, "submit")

    @admin.action(description="Mark ready to publish", permissions=["mark_ready"])
    def mark_ready_selected(self, request, queryset):
        self._move_selected(request, queryset, "mark_ready")

    @admin.action(description="Send back to draft", permissions=["mark_ready"])
    def send_back_selected(self, request, queryset):
        self._move_selected(request, queryset, "send_back")

    @admin.action(description="Publish or schedule (at their publication time)",
                  permissions=["publish"])  # fmt: skip
    def publish_selected(self, request, queryset):
        self._move_selected(request, queryset, "publish")

    @admin.action(description="Unpublish (readers get “gone”)", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._move_selected(request, queryset, "unpublish")


@admin.register(Article)
class ArticleAdmin(WorkflowActions, admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"

    @property
    def media(self):
        # Tiptap injects its base CSS as a <style> without a nonce, which the CSP blocks,
        # unless a style[data-tiptap-style] is on the page already: this one has the nonce.
        tiptap_css = InlineStyle(TIPTAP_BASE_CSS, **{"data-tiptap-style": True})
        return super().media + Media(css={"all": [tiptap_css]})

    inlines = [ArticleAuthorInline, SidebarInline, CorrectionInline]
    list_display = [
        "headline", "status_label", "section", "issue", "print_page", "published_at",
        "reader_link",
    ]  # fmt: skip
    list_filter = ["status", "section", "issue"]
    list_select_related = ["section", "issue"]
    search_fields = ["headline", "standfirst", "slug"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["issue", "lead_photo"]
    readonly_fields = ["preview_link", "workflow_log", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["headline"]}
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "section", "tags"]}),
        ("Print", {"fields": ["issue", "print_page"]}),
        ("Story", {"fields": ["lead_photo", "body"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status", "published_at", "preview_link", "workflow_log", "created_at",
                    "updated_at", "loaded_version",
                ]
            },
        ),
    ]  # fmt: skip

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        return "Scheduled" if article.is_scheduled else article.get_status_display()

    @admin.display(description="Preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to preview it."
        try:
            url = reverse("articles:preview", kwargs={"pk": article.pk})
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">Preview</a>', url)

    @admin.display(description="")
    def reader_link(self, article):
        if article.is_published:
            return format_html('<a href="{}">View</a>', article.get_absolute_url())
        return self.preview_link(article)

    @admin.display(description="Workflow history")
    def workflow_log(self, article):
        if not article.pk:
            return "—"
        moves = article.transitions.select_related("by")[:20]
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} → {}{}, by {} on {}",
                (
                    (
                        m.get_from_status_display(),
                        m.get_to_status_display(),
                        f" (live {date_format(timezone.localtime(m.published_at), 'j M Y, H:i')})"
                        if m.published_at
                        else "",
                        m.by.get_username() if m.by else "someone",
                        date_format(timezone.localtime(m.at), "j M Y, H:i"),
                    )
                    for m in moves
                ),
            )
            or "No moves yet."
        )

    # -- Who sees and edits what -------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("articles.publish_article"):
            fields.append("published_at")
        if obj is not None and not workflow.allowed_moves(request.user, obj):
            fields.append("status")
        return fields

    def get_inlines(self, request, obj):
        # Corrections are to what readers have seen: not offered on a new article.
        inlines = super().get_inlines(request, obj)
        return inlines if obj else [i for i in inlines if i is not CorrectionInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_prepopulated_fields(self, request, obj=None):
        # The slug is the article's address: once saved, a new headline must not move it.
        return {} if obj and obj.pk else super().get_prepopulated_fields(request, obj)

    # -- Saving: revisions, workflow moves, old addresses ------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # The status moves only through articles.workflow, once the inlines are saved.
        obj.status = form.status_before_save
        if not change:
            obj.created_by = request.user
        elif "slug" in form.changed_data and (
            obj.status == Article.Status.PUBLISHED
            or obj.transitions.filter(to_status=Article.Status.PUBLISHED).exists()
        ):
            workflow.remember_old_slug(obj, form.initial["slug"])
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        self.make_requested_move(request, form)
        reversion.set_comment("Changed " + ", ".join(form.changed_data) if change else "Created")
        reversion.add_to_revision(article)

    def make_requested_move(self, request, form):
        """Move the article to the status its form asked for. Only a status field the
        form offered (with the moves this person may make as its choices) asks: where the
        field is read-only, a save corrects the text and leaves the status alone."""
        article = form.instance
        requested = form.cleaned_data.get("status") if "status" in form.fields else None
        if requested in (None, article.status):
            return
        move = workflow.move_between(article.status, requested)
        at = form.cleaned_data.get("published_at") if move.name == "publish" else None
        try:
            workflow.move_article(article, move.name, by=request.user, at=at)
        except workflow.TransitionRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)

    # -- Workflow buttons and revisions pages ------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        prefix = "<path:object_id>"
        return [
            path(f"{prefix}/move/<str:name>/", wrap(self.move_view), name="articles_article_move"),
            path(f"{prefix}/revisions/", wrap(self.revisions_view),
                 name="articles_article_revisions"),
            path(f"{prefix}/revisions/compare/", wrap(self.compare_view),
                 name="articles_article_compare"),
            path(f"{prefix}/revisions/<int:version_id>/restore/", wrap(self.restore_view),
                 name="articles_article_restore"),
            *super().get_urls(),
        ]  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if article is not None:
            extra_context["workflow_moves"] = workflow.allowed_moves(request.user, article)
        return super().change_view(request, object_id, form_url, extra_context)

    def _article_or_404(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404
        return article

    def move_view(self, request, object_id, name):
        if request.method != "POST" or name not in workflow.MOVES:
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not workflow.can_move(request.user, article, workflow.MOVES[name]):
            raise PermissionDenied
        try:
            workflow.move_article(article, name, by=request.user)
        except workflow.TransitionRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(
                request, f"{workflow.describe_move(workflow.MOVES[name], article)}: “{article}”."
            )
        return redirect("admin:articles_article_change", article.pk)

    def revisions_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = Version.objects.get_for_object(article).select_related("revision__user")
        return TemplateResponse(
            request,
            "admin/articles/article/revisions.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": article,
                "title": f"Revisions of “{article}”",
                "versions": versions,
                "can_restore": self._can_restore(request, article),
            },
        )

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = Version.objects.get_for_object(article).select_related("revision__user")
        try:
            older = versions.get(pk=request.GET.get("from"))
            newer = versions.get(pk=request.GET.get("to"))
        except (Version.DoesNotExist, ValueError):
            raise Http404 from None
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        return TemplateResponse(
            request,
            "admin/articles/article/revision_compare.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": article,
                "title": f"What changed in “{article}”",
                "older": older,
                "newer": newer,
                "changes": revisions.compare(older, newer),
                "can_restore": self._can_restore(request, article),
            },
        )

    def _can_restore(self, request, article):
        return request.user.has_perm("articles.manage_revisions") and workflow.can_edit(
            request.user, article
        )

    def restore_view(self, request, object_id, version_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not self._can_restore(request, article):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_for_object(article), pk=version_id)
        workflow.restore_revision(article, version, by=request.user)
        self.message_user(request, "The earlier version is back; the status is unchanged.")
        return redirect("admin:articles_article_change", article.pk)


class TagAdmin(taggit.admin.TagAdmin):
    """taggit's tag admin, whose merge page only asked for a staff login, failed (500)
    without a selection, and moved only taggit's own links (not TaggedArticle): now it
    needs the permission to change and delete tags and a selection of tags that exist,
    and merges through articles.services.merge_tags."""

    def has_merge_permission(self, request):
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected tags", permissions=["merge"])
    def render_tag_form(self, request, queryset):
        return super().render_tag_form(request, queryset)

    def merge_tags_view(self, request):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        selected = request.session.get("selected_tag_ids", "").split(",")
        tags = list(Tag.objects.filter(pk__in=[pk for pk in selected if pk.isdigit()]))
        if not tags:
            self.message_user(
                request, "First choose the tags to merge in the list.", messages.ERROR
            )
            return redirect("admin:taggit_tag_changelist")
        form = MergeTagsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            into, _ = Tag.objects.get_or_create(name=form.cleaned_data["new_tag_name"])
            merge_tags(tags, into=into)
            request.session.pop("selected_tag_ids", None)
            self.message_user(request, f"Merged {len(tags)} tags into “{into.name}”.")
            return redirect("admin:taggit_tag_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "selected_tag_ids": [str(tag.pk) for tag in tags],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/taggit/merge_tags_form.html", context)


admin.site.unregister(Tag)
admin.site.register(Tag, TagAdmin)
