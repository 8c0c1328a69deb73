"""Many rows of one model in one INSERT, from one array per column (PostgreSQL's unnest).

bulk_create compiles a placeholder and prepares a value for every field of every row: for the 6,000
referrals and 6,000 seat events of a claim window's allocation that was most of its time
(docs/performance.md). Here each column is one array parameter, cast to the column's type, and the
database unnests them into rows: one statement, whatever the number of rows. Elsewhere (SQLite) it
is bulk_create. Only for models whose fields need no pre_save (no auto_now); the caller has made the
instances, so their defaults are filled in.
"""

import functools
import json

from django.db import connection, models


def insert_many(model: type[models.Model], objs: list[models.Model]) -> None:
    """Insert `objs` (all with their primary key set, or all without) in one statement."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    with_pk = objs[0].pk is not None
    sql, arrays = insert_statement(model, objs)
    returning = ""
    if not with_pk:
        returning = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql + returning, arrays)
        if not with_pk:
            # unnest yields the arrays' rows in order, and INSERT … SELECT returns them in that order.
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def insert_statement(model: type[models.Model], objs: list[models.Model], *, where: str = "") -> tuple[str, list]:
    """insert_many's INSERT (PostgreSQL) and its parameters, unsent: for a writer that sends it with
    its own change in one statement, as a CTE. `where` (SQL, no parameters) guards the rows."""
    with_pk = objs[0].pk is not None
    sql, fields = _insert_shape(model, with_pk)
    arrays = []
    for field, kind in fields:
        values = [getattr(obj, field.attname) for obj in objs]
        if kind == "json":
            values = [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
        elif kind == "uuid":
            values = [value if value is None else str(value) for value in values]
        arrays.append(values)
    return sql + (f" WHERE {where}" if where else ""), arrays


@functools.cache
def _insert_shape(model: type[models.Model], with_pk: bool) -> tuple[str, list]:
    """The model's INSERT … SELECT FROM unnest(…) and its fields, worked out once per process: on a
    claim's path, making it again for every claim cost more than sending it."""
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    columns, casts, kinds = [], [], []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.name}: insert_many does not run pre_save")
        kind = "json" if isinstance(field, models.JSONField) else "uuid" if isinstance(field, models.UUIDField) else ""
        kinds.append((field, kind))
        columns.append(connection.ops.quote_name(field.column))
        casts.append(f"%s::{_array_type(field)}")
    table = connection.ops.quote_name(model._meta.db_table)
    # Names from the model's meta and types from its fields, quoted; every value is a parameter.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({', '.join(casts)})"  # noqa: S608
    return sql, kinds


def statements_together(statements: list[tuple[str, list]]) -> None:
    """Send data-changing statements in one round trip, as the parts of one WITH statement (PostgreSQL).

    The parts run on one snapshot and see none of each other's rows: only for changes that do not
    read one another (an insert, an update of other rows, an audit entry)."""
    if not statements:
        return
    parts = ", ".join(f"part{index} AS ({sql})" for index, (sql, _params) in enumerate(statements))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {parts} SELECT 1", [param for _sql, params in statements for param in params])


def _array_type(field) -> str:
    if isinstance(field, models.ForeignKey):
        db_type = field.target_field.rel_db_type(connection)
    else:
        db_type = field.db_type(connection)
    # "varchar(30)" → "varchar"; serial types are their integers.
    base = db_type.split("(")[0].strip()
    return {"bigserial": "bigint", "serial": "integer", "smallserial": "smallint"}.get(base, base) + "[]"
