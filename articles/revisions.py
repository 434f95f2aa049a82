"""Comparing two saved versions of an article (django-reversion) as a readable diff:
paragraph by paragraph, as the words read, not as the HTML is written."""

import difflib
import html
import re

from django.utils import timezone
from django.utils.formats import date_format
from taggit.models import Tag

from articles.models import Article, ArticleAuthor, Author, Photo, Section, Sidebar, TaggedArticle

BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")

FIELDS = [
    ("headline", "Headline"),
    ("slug", "Address (slug)"),
    ("standfirst", "Standfirst"),
    ("section", "Section"),
    ("lead_photo", "Lead photo"),
    ("issue", "Issue"),
    ("print_page", "Print page"),
    ("status", "Status"),
    ("published_at", "Publication time"),
    ("body", "Body"),
]


def text_lines(value) -> list[str]:
    """Rich text as its paragraphs of plain text; any other value as one line."""
    if value is None:
        return []
    text = str(value)
    if "<" in text:
        text = html.unescape(TAG.sub("", BLOCK_END.sub("\n", text)))
    return [line.strip() for line in text.splitlines() if line.strip()]


def _names(model, pk):
    if pk is None:
        return None
    obj = model._default_manager.filter(pk=pk).first()
    return str(obj) if obj else f"(deleted #{pk})"


def readable_fields(version) -> dict[str, list[str]]:
    """What a version says, field by field, as lines of text a person can compare."""
    data = version.field_dict
    values = dict(data)
    values["section"] = _names(Section, data.get("section_id"))
    values["lead_photo"] = _names(Photo, data.get("lead_photo_id"))
    if data.get("published_at"):
        values["published_at"] = date_format(timezone.localtime(data["published_at"]), "j F Y, H:i")
    values["status"] = Article.Status(data["status"]).label if data.get("status") else None
    from issues.models import Issue

    values["issue"] = _names(Issue, data.get("issue_id"))
    lines = {name: text_lines(values.get(name)) for name, _ in FIELDS}

    related = version.revision.version_set.select_related("content_type")
    byline, sidebars, tags = [], [], []
    for other in related:
        model = other.content_type.model_class()
        fields = other.field_dict
        if model is ArticleAuthor and fields.get("article_id") == version.object.pk:
            byline.append((fields["position"], _names(Author, fields["author_id"])))
        elif model is Sidebar and fields.get("article_id") == version.object.pk:
            sidebars.append((fields["position"], fields["heading"], fields["body"]))
        elif model is TaggedArticle and fields.get("content_object_id") == version.object.pk:
            tags.append(_names(Tag, fields["tag_id"]))
    lines["byline"] = [name for _, name in sorted(byline)]
    lines["tags"] = sorted(tags)
    lines["sidebars"] = [
        line
        for _, heading, body in sorted(sidebars, key=lambda s: s[:2])
        for line in [f"## {heading}", *text_lines(body)]
    ]
    return lines


def compare(older, newer) -> list[dict]:
    """The fields that differ between two versions, each with its diff lines as
    (kind, text) pairs: kind is "added", "removed" or "same" (context)."""
    before, after = readable_fields(older), readable_fields(newer)
    labels = [*FIELDS, ("byline", "Byline"), ("tags", "Tags"), ("sidebars", "Sidebars")]
    changes = []
    for name, label in labels:
        if before[name] == after[name]:
            continue
        diff = difflib.unified_diff(before[name], after[name], lineterm="", n=2)
        lines = []
        for line in list(diff)[2:]:
            if line.startswith("@@"):
                lines.append(("gap", "…"))
            else:
                kind = {"+": "added", "-": "removed"}.get(line[:1], "same")
                lines.append((kind, line[1:]))
        changes.append({"label": label, "lines": lines})
    return changes
