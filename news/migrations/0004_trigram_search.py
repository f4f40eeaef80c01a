"""
Korean search on PostgreSQL: trigram indexes for the board's `icontains` search.

PostgreSQL has no Korean full-text configuration, and Hangul words carry particles (서울시에서), so
the board matches substrings. Django writes `icontains` as `UPPER(col::text) LIKE UPPER(%s)`, so
the indexes are on that expression, or the planner could not use them. SQLite needs nothing: the
same query gives the same results there, and every operation below skips it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Every column the board's "All" search looks in: an OR over them can use the indexes only when
# each one has an index.
SEARCHED_COLUMNS = ("title", "body_text", "writer", "summary")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS news_post_{column}_trgm ON news_post "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS news_post_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0003_post_language_translation_of"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
