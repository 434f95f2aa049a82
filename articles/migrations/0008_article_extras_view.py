"""articles_article_extras: a view with an article's byline, tags, sidebars and
corrections as JSON lists (ArticleExtras), so the article page reads them in one query.
Its definition lives in articles/extras_view.py, which `migrate` also uses to drop and
recreate it around later migrations."""

from django.db import migrations, models

from articles import extras_view


def create_view(apps, schema_editor):
    extras_view.create(schema_editor.connection.alias)


def drop_view(apps, schema_editor):
    extras_view.drop(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_tagged_article_and_list_times"),
    ]

    operations = [
        migrations.RunPython(create_view, drop_view),
        migrations.CreateModel(
            name="ArticleExtras",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_column="article_id",
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="extras",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("authors", models.JSONField()),
                ("tags", models.JSONField()),
                ("sidebars", models.JSONField()),
                ("corrections", models.JSONField()),
            ],
            options={
                "verbose_name_plural": "article extras",
                "db_table": "articles_article_extras",
                "managed": False,
            },
        ),
    ]
