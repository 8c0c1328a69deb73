"""Rows of a written-out SELECT as plain objects, for the hot paths that need a few columns and no
model: raw() makes a model instance per row and runs every field's converters, which on a claim's
path cost more than the statements (docs/performance.md). PostgreSQL only: psycopg2 already returns
dates and aware datetimes; SQLite (the demo) keeps raw() for its converters."""

from types import SimpleNamespace

from django.db import connection


def rows_read(sql: str, params: list) -> list[SimpleNamespace]:
    """Each row with its columns as attributes; `pk` is the `id` column."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
    for row in rows:
        row.pk = row.id
    return rows
