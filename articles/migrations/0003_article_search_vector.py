"""A stored full-text search vector for articles, on PostgreSQL only.

The column is not a model field: a trigger keeps it up to date (headline weighted A,
standfirst B, body C) and a GIN index serves `@@` queries, so the model, and SQLite,
know nothing of it. A trigger rather than a generated column so that later migrations
may still change the type of the columns it reads."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector",
    """CREATE FUNCTION articles_article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.standfirst, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$""",
    """CREATE TRIGGER articles_article_search_vector_update
    BEFORE INSERT OR UPDATE OF headline, standfirst, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()""",
    "UPDATE articles_article SET headline = headline",
    "CREATE INDEX article_search_vector_idx ON articles_article USING gin (search_vector)",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS articles_article_search_vector_update ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_search_vector()",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_initial")]

    operations = [migrations.RunPython(forward, backward)]
