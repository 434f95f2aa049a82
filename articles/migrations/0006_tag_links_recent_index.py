"""An index on taggit's links by tag and newest link first, so that "the articles most
recently given this tag" (the related-articles pool) reads a few index entries rather
than every article the tag was ever put on. taggit's table, so plain SQL that works on
PostgreSQL and SQLite alike."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_editorial_roles"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS article_tag_link_recent_idx "
            "ON taggit_taggeditem (tag_id, id)",
            "DROP INDEX IF EXISTS article_tag_link_recent_idx",
        )
    ]
