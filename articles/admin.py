from pathlib import Path

from django import forms
from django.contrib import admin
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget
from js_asset import InlineStyle, Media

from articles.html import sanitize_html
from articles.images import PhotoImageField
from articles.models import Article, ArticleAuthor, Author, Photo, Section, Sidebar
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


class PhotoAdminForm(forms.ModelForm):
    image = PhotoImageField(
        help_text="A JPEG, PNG, GIF or WebP. Smaller copies for the site are made from it."
    )

    class Meta:
        model = Photo
        fields = ["image", "alt_text", "caption", "credit"]
        error_messages = {
            "alt_text": {
                "required": "Describe what the picture shows: it is what a screen reader "
                "says to a reader who cannot see it."
            },
            "credit": {
                "required": "Credit the agency or photographer, e.g. REUTERS/Pavel Mikheyev."
            },
        }


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoAdminForm
    list_display = ["thumbnail", "alt_text", "caption", "credit", "created_at"]
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["preview", "width", "height"]
    fields = ["image", "preview", "alt_text", "caption", "credit", "width", "height"]

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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            # Publishing without a time means now; the constraint is checked after clean().
            cleaned["published_at"] = timezone.now()
        if cleaned.get("print_page") and not cleaned.get("issue"):
            self.add_error("print_page", "A print page needs the print issue it is in.")
        return cleaned


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm

    @property
    def media(self):
        # Tiptap injects its base CSS as a <style> without a nonce, which the CSP blocks,
        # unless a style[data-tiptap-style] is on the page already: this one has the nonce.
        tiptap_css = InlineStyle(TIPTAP_BASE_CSS, **{"data-tiptap-style": True})
        return super().media + Media(css={"all": [tiptap_css]})

    inlines = [ArticleAuthorInline, SidebarInline]
    list_display = [
        "headline", "status", "section", "issue", "print_page", "published_at", "reader_link",
    ]  # fmt: skip
    list_filter = ["status", "section", "issue"]
    list_select_related = ["section", "issue"]
    search_fields = ["headline", "standfirst", "slug"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["issue", "lead_photo"]
    readonly_fields = ["preview_link", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["headline"]}
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "section", "tags"]}),
        ("Print", {"fields": ["issue", "print_page"]}),
        ("Story", {"fields": ["lead_photo", "body"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "preview_link", "created_at", "updated_at"]},
        ),
    ]

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

    def get_prepopulated_fields(self, request, obj=None):
        # The slug is the article's address: once saved, a new headline must not move it.
        return {} if obj and obj.pk else super().get_prepopulated_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
