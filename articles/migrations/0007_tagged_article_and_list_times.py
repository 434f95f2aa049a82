"""Articles' tags move from taggit's generic TaggedItem to TaggedArticle, a link with a
real key to the article; it and the byline's links get a copy of the article's place in
lists (Article.listed_at), indexed per tag and per author, newest first."""

import django.db.models.deletion
import taggit.managers
from django.db import migrations, models

BATCH = 5000


def article_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.filter(app_label="articles", model="article").first()


def listed_at(apps, article_field):
    Article = apps.get_model("articles", "Article")
    return models.Subquery(
        Article.objects.filter(pk=models.OuterRef(article_field), status="published").values(
            "published_at"
        )[:1]
    )


def move_tags_to_tagged_article(apps, schema_editor):
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    Article = apps.get_model("articles", "Article")
    content_type = article_type(apps)
    if content_type is not None:
        # Generic links have no foreign key: some may name articles long deleted.
        links = TaggedItem.objects.filter(
            content_type=content_type, object_id__in=Article.objects.values("pk")
        )
        batch = []
        for object_id, tag_id in links.values_list("object_id", "tag_id").iterator():
            batch.append(TaggedArticle(content_object_id=object_id, tag_id=tag_id))
            if len(batch) == BATCH:
                TaggedArticle.objects.bulk_create(batch)
                batch = []
        TaggedArticle.objects.bulk_create(batch)
        TaggedItem.objects.filter(content_type=content_type).delete()
    TaggedArticle.objects.update(published_at=listed_at(apps, "content_object_id"))
    ArticleAuthor = apps.get_model("articles", "ArticleAuthor")
    ArticleAuthor.objects.update(published_at=listed_at(apps, "article_id"))


def move_tags_back(apps, schema_editor):
    TaggedItem = apps.get_model("taggit", "TaggedItem")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    content_type = article_type(apps)
    if content_type is None:
        return
    TaggedItem.objects.bulk_create(
        (
            TaggedItem(content_type=content_type, object_id=object_id, tag_id=tag_id)
            for object_id, tag_id in TaggedArticle.objects.values_list(
                "content_object_id", "tag_id"
            ).iterator()
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_tag_links_recent_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaggedArticle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("published_at", models.DateTimeField(editable=False, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="articleauthor",
            name="published_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="articleauthor",
            index=models.Index(
                fields=["author", "-published_at", "-article"], name="author_article_newest_idx"
            ),
        ),
        migrations.AddField(
            model_name="taggedarticle",
            name="content_object",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tag_links",
                to="articles.article",
            ),
        ),
        migrations.AddField(
            model_name="taggedarticle",
            name="tag",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(app_label)s_%(class)s_items",
                to="taggit.tag",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="tags",
            field=taggit.managers.TaggableManager(
                blank=True,
                help_text="A comma-separated list of tags.",
                through="articles.TaggedArticle",
                to="taggit.Tag",
                verbose_name="Tags",
            ),
        ),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "-published_at", "-content_object"], name="tag_article_newest_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="taggedarticle",
            constraint=models.UniqueConstraint(
                fields=("content_object", "tag"), name="unique_article_tag"
            ),
        ),
        migrations.RunPython(move_tags_to_tagged_article, move_tags_back),
        # 0006's index served the related-articles pool from taggit's table; the pool now
        # reads tag_article_newest_idx.
        migrations.RunSQL(
            "DROP INDEX IF EXISTS article_tag_link_recent_idx",
            "CREATE INDEX IF NOT EXISTS article_tag_link_recent_idx "
            "ON taggit_taggeditem (tag_id, id)",
        ),
    ]
