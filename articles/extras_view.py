"""The database view behind articles.models.ArticleExtras: an article's byline, tags,
sidebars and corrections as JSON lists, one row per article. PostgreSQL and SQLite build
JSON differently, so each has its own definition.

A view depends on the tables it reads: SQLite refuses to rebuild one of them (as its
migrations do to alter a column) and PostgreSQL to change a column's type while the view
exists. So `migrate` drops the view before it runs migrations and creates it again, as
defined here, once they are done (ArticlesConfig.ready connects both). A change to the
definition takes effect at the next `migrate`; it needs no migration of its own."""

from django.db import connections

NAME = "articles_article_extras"

POSTGRESQL = """
CREATE VIEW articles_article_extras AS
SELECT article.id AS article_id,
    COALESCE((
        SELECT jsonb_agg(jsonb_build_object('id', author.id, 'name', author.name,
                                            'slug', author.slug)
                         ORDER BY link.position, link.id)
        FROM articles_articleauthor link JOIN articles_author author ON author.id = link.author_id
        WHERE link.article_id = article.id), '[]') AS authors,
    COALESCE((
        SELECT jsonb_agg(jsonb_build_object('id', tag.id, 'name', tag.name, 'slug', tag.slug)
                         ORDER BY tag.name, tag.id)
        FROM articles_taggedarticle link JOIN taggit_tag tag ON tag.id = link.tag_id
        WHERE link.content_object_id = article.id), '[]') AS tags,
    COALESCE((
        SELECT jsonb_agg(jsonb_build_object('id', sidebar.id, 'heading', sidebar.heading,
                                            'body', sidebar.body)
                         ORDER BY sidebar.position, sidebar.id)
        FROM articles_sidebar sidebar WHERE sidebar.article_id = article.id), '[]') AS sidebars,
    COALESCE((
        SELECT jsonb_agg(jsonb_build_object('id', note.id, 'kind', note.kind, 'text', note.text,
                                            'created_at', note.created_at)
                         ORDER BY note.created_at DESC, note.id DESC)
        FROM articles_correction note WHERE note.article_id = article.id), '[]') AS corrections
FROM articles_article article
"""

# SQLite (3.40 here) has no ORDER BY inside an aggregate: each list aggregates an ordered
# subquery. Its datetimes are UTC text without an offset; the "+00:00" says so.
SQLITE = """
CREATE VIEW articles_article_extras AS
SELECT article.id AS article_id,
    (SELECT json_group_array(json_object('id', id, 'name', name, 'slug', slug)) FROM (
        SELECT author.id, author.name, author.slug
        FROM articles_articleauthor link JOIN articles_author author ON author.id = link.author_id
        WHERE link.article_id = article.id ORDER BY link.position, link.id)) AS authors,
    (SELECT json_group_array(json_object('id', id, 'name', name, 'slug', slug)) FROM (
        SELECT tag.id, tag.name, tag.slug
        FROM articles_taggedarticle link JOIN taggit_tag tag ON tag.id = link.tag_id
        WHERE link.content_object_id = article.id ORDER BY tag.name, tag.id)) AS tags,
    (SELECT json_group_array(json_object('id', id, 'heading', heading, 'body', body)) FROM (
        SELECT id, heading, body FROM articles_sidebar
        WHERE article_id = article.id ORDER BY position, id)) AS sidebars,
    (SELECT json_group_array(json_object('id', id, 'kind', kind, 'text', text,
                                         'created_at', created_at || '+00:00')) FROM (
        SELECT id, kind, text, created_at FROM articles_correction
        WHERE article_id = article.id ORDER BY created_at DESC, id DESC)) AS corrections
FROM articles_article article
"""


def create(using="default"):
    connection = connections[using]
    drop(using)
    with connection.cursor() as cursor:
        cursor.execute(POSTGRESQL if connection.vendor == "postgresql" else SQLITE)


def drop(using="default"):
    with connections[using].cursor() as cursor:
        cursor.execute(f"DROP VIEW IF EXISTS {NAME}")


def drop_before_migrating(sender, *, using, plan=None, **kwargs):
    if plan:
        drop(using)


def create_after_migrating(sender, *, using, apps=None, **kwargs):
    """Once the migrations that made the model have run (`apps` is their state)."""
    try:
        (apps or sender.apps).get_model("articles", "ArticleExtras")
    except LookupError:
        return
    create(using)
