"""The editorial workflow: who may edit an article or a photo, and an article's moves
from draft to published.

Draft → Ready for subbing → Ready to publish → Published; a published article whose
time has not come is scheduled. Every move is checked against the person's permissions,
recorded as an `ArticleTransition` and kept as a revision.
"""

from dataclasses import dataclass

import reversion
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleTransition,
    Author,
    Photo,
    Sidebar,
    SlugRedirect,
    TaggedArticle,
)

Status = Article.Status


class TransitionRefused(Exception):
    """The move is not allowed, or the article is not fit to make it; the message says why."""


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: frozenset
    target: str
    permission: str


MOVES = {
    move.name: move
    for move in [
        Move("submit", "Send for subbing", frozenset({Status.DRAFT}), Status.SUBBING,
             "articles.change_article"),
        Move("mark_ready", "Mark ready to publish", frozenset({Status.DRAFT, Status.SUBBING}),
             Status.READY, "articles.mark_ready"),
        Move("send_back", "Send back to draft", frozenset({Status.SUBBING, Status.READY}),
             Status.DRAFT, "articles.mark_ready"),
        Move("publish", "Publish or schedule",
             frozenset({Status.DRAFT, Status.SUBBING, Status.READY}), Status.PUBLISHED,
             "articles.publish_article"),
        Move("unpublish", "Unpublish", frozenset({Status.PUBLISHED}), Status.DRAFT,
             "articles.publish_article"),
    ]
}  # fmt: skip


def can_edit(user, article: Article) -> bool:
    """Writers edit their own drafts; sub-editors and editors edit anything."""
    if not user.has_perm("articles.change_article"):
        return False
    if article.pk is None or user.has_perm("articles.edit_any_article"):
        return True
    return article.created_by_id == user.pk and article.status == Status.DRAFT


def can_change_photo(user, photo: Photo) -> bool:
    """A change to a photo shows at once wherever it is used, so writers change only the
    photos nothing but their own drafts uses; sub-editors and editors change any."""
    if not user.has_perm("articles.change_photo"):
        return False
    if photo.pk is None or user.has_perm("articles.edit_any_article"):
        return True
    return not Photo.objects.filter(pk=photo.pk).used_beyond_drafts_of(user).exists()


def can_move(user, article: Article, move: Move) -> bool:
    return (
        article.status in move.sources
        and user.has_perm(move.permission)
        and (move.name != "submit" or can_edit(user, article))
    )


def allowed_moves(user, article: Article) -> list[Move]:
    return [move for move in MOVES.values() if can_move(user, article, move)]


def move_between(source: str, target: str) -> Move | None:
    return next((m for m in MOVES.values() if source in m.sources and m.target == target), None)


def publishing_problems(article: Article, *, lead_photo=None) -> list[str]:
    """Why the article may not be published yet: each photo in it needs alt text and a
    credit. `lead_photo` is the one chosen in a form that is not saved yet."""
    problems = []
    lead_photo = lead_photo or article.lead_photo
    photos = [("The lead photo", lead_photo)] if lead_photo else []
    if article.pk:
        for author in article.authors.select_related("photo"):
            if author.photo:
                photos.append((f"The photo of {author.name}", author.photo))
    for description, photo in photos:
        if not photo.alt_text.strip():
            problems.append(f"{description} has no alt text: describe what it shows.")
        if not photo.credit.strip():
            problems.append(f"{description} has no credit: name the agency or photographer.")
    return problems


def move_article(article: Article, name: str, *, by, at=None) -> ArticleTransition:
    """Make the workflow move `name` (see MOVES) as `by`, or raise TransitionRefused saying why.
    Publishing uses `at`, else the article's own future time (scheduling it), else now."""
    move = MOVES[name]
    # `by=None` is the site itself acting (e.g. publish_issue run by a command).
    if article.status not in move.sources or (by is not None and not can_move(by, article, move)):
        if article.status not in move.sources:
            raise TransitionRefused(
                f"“{article}” is {article.get_status_display().lower()}: it cannot be moved "
                f"with “{move.label}”."
            )
        raise TransitionRefused(f"You may not “{move.label.lower()}” “{article}”.")
    if move.target == Status.PUBLISHED:
        problems = publishing_problems(article)
        if problems:
            raise TransitionRefused(f"“{article}” cannot be published yet. " + " ".join(problems))
        now = timezone.now()
        scheduled = article.published_at if (article.published_at or now) > now else None
        article.published_at = at or scheduled or now
    source = article.status
    article.status = move.target
    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        article.save()
        reversion.set_user(by)
        reversion.set_comment(describe_move(move, article))
        reversion.add_to_revision(article)
        return ArticleTransition.objects.create(
            article=article,
            from_status=source,
            to_status=move.target,
            by=by,
            published_at=article.published_at if move.target == Status.PUBLISHED else None,
        )


def describe_move(move: Move, article: Article) -> str:
    if move.target == Status.PUBLISHED and article.is_scheduled:
        when = date_format(timezone.localtime(article.published_at), "j F Y, H:i")
        return f"Scheduled for {when}"
    return move.label if move.name != "publish" else "Published"


def remember_old_slug(article: Article, old_slug: str) -> None:
    """Keep an article's previous address answering with a redirect to its new one."""
    if not old_slug or old_slug == article.slug:
        return
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})


def restore_revision(article: Article, version, *, by) -> None:
    """Put back the words, photo, byline, sidebars and tags of an earlier version. Its
    status, publication time and slug stay as they are now: those move only through the
    workflow."""
    fields = version.field_dict
    for name in ("headline", "standfirst", "body", "print_page"):
        setattr(article, name, fields[name])
    for name in ("section_id", "lead_photo_id", "issue_id"):
        setattr(article, name, fields[name])
    related = list(version.revision.version_set.select_related("content_type"))
    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        article.save()
        article.sidebars.all().delete()
        ArticleAuthor.objects.filter(article=article).delete()
        for other in related:
            model = other.content_type.model_class()
            data = other.field_dict
            if model not in (Sidebar, ArticleAuthor) or data["article_id"] != article.pk:
                continue
            if model is ArticleAuthor and not Author.objects.filter(pk=data["author_id"]).exists():
                continue
            model.objects.create(**{k: v for k, v in data.items() if k != "id"})
        # Through the tag manager, whose signal purges the pages of the tags that change.
        tag_ids = [
            other.field_dict["tag_id"]
            for other in related
            if other.content_type.model_class() is TaggedArticle
            and other.field_dict["content_object_id"] == article.pk
        ]
        article.tags.set(list(Tag.objects.filter(pk__in=tag_ids)))
        reversion.set_user(by)
        label = date_format(timezone.localtime(version.revision.date_created), "j F Y, H:i")
        reversion.set_comment(f"Restored the version of {label}")
        reversion.add_to_revision(article)
