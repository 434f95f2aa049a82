"""Purges of the page cache when content changes. Each purge runs at once and again after
the change commits: a page rendered in between, from the data before the commit, is then
never served. No other logic lives here."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Photo,
    Section,
    Sidebar,
    TaggedArticle,
)
from issues.models import Issue
from newsroom.context_processors import LATEST_NEWS_KEY, NAV_SECTIONS_KEY
from pagecache import cache as page_cache
from pagecache.articles import (
    article_paths,
    is_public_or_scheduled,
    remember_next_scheduled_article,
)


def purge_now_and_after_commit(paths, *, latest_news=True):
    paths = set(paths)

    def purge():
        page_cache.purge_paths(paths)
        if latest_news:
            cache.delete(LATEST_NEWS_KEY)

    purge()
    transaction.on_commit(purge)


def purge_everything_now_and_after_commit():
    def purge():
        page_cache.purge_everything()
        cache.delete_many([LATEST_NEWS_KEY, NAV_SECTIONS_KEY])

    purge()
    transaction.on_commit(purge)


def _stored_paths(article_pk) -> set[str]:
    stored = Article.objects.select_related("section", "issue").filter(pk=article_pk).first()
    return article_paths(stored) if stored and is_public_or_scheduled(stored) else set()


@receiver(pre_save, sender=Article)
@receiver(pre_delete, sender=Article)
def remember_article_paths(sender, instance, **kwargs):
    # Before the change: the section, slug or tags it had are pages that listed it.
    instance._pagecache_stored_paths = _stored_paths(instance.pk) if instance.pk else set()


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
def purge_article(sender, instance, **kwargs):
    paths = set(getattr(instance, "_pagecache_stored_paths", ()))
    if is_public_or_scheduled(instance) and kwargs["signal"] is not post_delete:
        paths |= article_paths(instance)
    # A draft that stays a draft is on no reader's page.
    if paths:
        purge_now_and_after_commit(paths)
    remember_next_scheduled_article()
    transaction.on_commit(remember_next_scheduled_article)


@receiver(post_save, sender=ArticleAuthor)
@receiver(post_delete, sender=ArticleAuthor)
def purge_byline(sender, instance, **kwargs):
    article = Article.objects.select_related("section", "issue").filter(pk=instance.article_id)
    article = article.first()
    if article and is_public_or_scheduled(article):
        author = instance.author
        purge_now_and_after_commit(
            {
                *article_paths(article),
                author.get_absolute_url(),
                reverse("articles:feed-author", kwargs={"slug": author.slug}),
                reverse("articles:feed-author-atom", kwargs={"slug": author.slug}),
            }
        )


@receiver(m2m_changed, sender=TaggedArticle)
def purge_tags(sender, instance, action, pk_set, **kwargs):
    if not is_public_or_scheduled(instance):
        return
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    paths = article_paths(instance)
    for slug in Tag.objects.filter(pk__in=pk_set or ()).values_list("slug", flat=True):
        paths |= {
            reverse("articles:tag", kwargs={"slug": slug}),
            reverse("articles:feed-tag", kwargs={"slug": slug}),
            reverse("articles:feed-tag-atom", kwargs={"slug": slug}),
        }
    purge_now_and_after_commit(paths)


@receiver(post_save, sender=Sidebar)
@receiver(post_delete, sender=Sidebar)
@receiver(post_save, sender=Correction)
@receiver(post_delete, sender=Correction)
def purge_article_page(sender, instance, **kwargs):
    """A boxout or a correction shows on its article's page only."""
    article = Article.objects.filter(pk=instance.article_id).first()
    if article and is_public_or_scheduled(article):
        purge_now_and_after_commit({article.get_absolute_url()}, latest_news=False)


@receiver(post_save, sender=Issue)
@receiver(post_delete, sender=Issue)
def purge_issue(sender, instance, **kwargs):
    # Its articles' pages link to it only once it is out.
    slugs = Article.objects.filter(issue=instance).values_list("slug", flat=True)
    paths = {reverse("articles:detail", kwargs={"slug": slug}) for slug in slugs}
    paths |= {reverse("issues:archive"), reverse("sitemap")}
    if instance.pk:
        paths.add(instance.get_absolute_url())
    purge_now_and_after_commit(paths, latest_news=False)


@receiver(post_save, sender=Photo)
def purge_photo(sender, instance, **kwargs):
    articles = Article.objects.filter(lead_photo=instance, status=Article.Status.PUBLISHED)
    paths = set()
    for article in articles.select_related("section", "issue"):
        paths |= article_paths(article)
    paths |= {a.get_absolute_url() for a in Author.objects.filter(photo=instance)}
    if paths:
        purge_now_and_after_commit(paths, latest_news=False)


# Sections are in every page's navigation, and authors' and tags' names are on cards and
# articles everywhere. They change rarely enough that starting afresh is the right price.
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
@receiver(post_save, sender=Section)
@receiver(post_delete, sender=Section)
@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
def purge_site(sender, **kwargs):
    purge_everything_now_and_after_commit()
