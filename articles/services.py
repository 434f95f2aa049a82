from django.db import transaction
from taggit.models import Tag, TaggedItem

from articles.models import TaggedArticle


def merge_tags(tags, *, into: Tag) -> None:
    """Give everything tagged with any of `tags` the tag `into` instead (articles, and
    photos in the library), then delete those tags. An item that has `into` already, or
    two of the merged tags, keeps one link."""
    merged = [tag.pk for tag in tags if tag.pk != into.pk]
    with transaction.atomic():
        _move_links(TaggedArticle.objects.all(), merged, into, item=("content_object_id",))
        _move_links(TaggedItem.objects.all(), merged, into, item=("content_type_id", "object_id"))
        # Each deleted tag's signal starts the page cache afresh (pagecache.signals).
        Tag.objects.filter(pk__in=merged).delete()


def _move_links(links, merged, into, *, item):
    tagged = {tuple(row) for row in links.filter(tag=into).values_list(*item)}
    moved, duplicate = [], []
    for pk, *key in links.filter(tag__in=merged).order_by("pk").values_list("pk", *item):
        if tuple(key) in tagged:
            duplicate.append(pk)
        else:
            moved.append(pk)
            tagged.add(tuple(key))
    links.filter(pk__in=duplicate).delete()
    links.filter(pk__in=moved).update(tag=into)
