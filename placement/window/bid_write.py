"""A bid's write on PostgreSQL (R-W-3): one PL/pgSQL function that keeps its statements' plans.

Sent as one statement, the write (the window's shared lock, the stale twin rows, the upsert and the
audit entry) cost PostgreSQL more to parse and plan than to run: half its work on every bid of the
opening minute (docs/performance.md, "Stop 21"). A function plans each statement once per connection
and runs through PgBouncer's transaction pooling, where SQL PREPARE would not.

Its plans are made by a connection's first bid, often on an empty window, and kept while the window
fills with 20,000 rows in a minute. So each statement names a whole key of an index (the unique
window and application, the batch, the window's allocation), and seqscan is off while they are
planned: whatever the statistics say when the first bid comes, the plan reads the index.
"""

import re

from django.db import connection, connections, transaction

from accounts.models import AuditLog
from placement.window.models import Bid

NAME = "indigo_bid_write"
# What the window's lock, the write and the audit entry need, before the audit entry's own columns.
_PARAMETERS = (
    ("p_lock_timeout", "integer"),
    ("p_lock", "integer"),
    ("p_window", "bigint"),
    ("p_ids", "bigint[]"),
    ("p_batch", "uuid"),
    ("p_groups", "jsonb"),
    ("p_by", "bigint"),
    ("p_at", "timestamp with time zone"),
)

# How its statements are planned: once, and on the indexes (see above). A constant for the control test.
_PLANNING = "SET plan_cache_mode = force_generic_plan SET enable_seqscan = off"

_BODY = """
DECLARE
    v_id bigint;
    v_batch uuid;
BEGIN
    -- Bounds the wait for the window's lock, which the allocation holds alone while it runs.
    PERFORM set_config('lock_timeout', p_lock_timeout::text, true);
    PERFORM pg_advisory_xact_lock_shared(p_lock, p_window::integer);
    -- A new snapshot for each statement (the function is volatile): the allocation that held the lock
    -- has committed, and its row is seen.
    IF EXISTS (SELECT 1 FROM placement_windowallocation WHERE window_id = p_window) THEN
        RETURN;
    END IF;
    -- A twin listed before with the other child, and now alone (or the other way round): the old
    -- list's rows of other children go. Child by child, by the unique (window, application) key.
    FOREACH v_id IN ARRAY p_ids LOOP
        SELECT batch INTO v_batch FROM placement_bid WHERE window_id = p_window AND application_id = v_id;
        IF FOUND THEN
            DELETE FROM placement_bid WHERE batch = v_batch AND NOT application_id = ANY(p_ids);
        END IF;
    END LOOP;
    RETURN QUERY
    INSERT INTO placement_bid AS b (window_id, application_id, batch, groups, placed_by_id, created_at, updated_at)
    SELECT p_window, x.id, p_batch, p_groups, p_by, p_at, p_at FROM unnest(p_ids) AS x(id)
    ON CONFLICT (window_id, application_id) DO UPDATE SET batch = EXCLUDED.batch, groups = EXCLUDED.groups,
        placed_by_id = EXCLUDED.placed_by_id, updated_at = EXCLUDED.updated_at
    RETURNING b.application_id, b.id;
    INSERT INTO accounts_auditlog ({audit_columns}) VALUES ({audit_values});
END
"""


def _base_type(db_type: str) -> str:
    # A function's parameters carry no length: varchar(60) is varchar, and the column checks the length.
    return re.sub(r"\(.*\)", "", db_type)


def _audit_fields() -> list:
    return [field for field in AuditLog._meta.concrete_fields if not field.primary_key]


def _parameters(target) -> list[tuple[str, str]]:
    audit = [(f"a_{field.column}", _base_type(field.db_type(target))) for field in _audit_fields()]
    return [*_PARAMETERS, *audit]


def _call(target) -> str:
    marks = ", ".join(f"%s::{kind}" for _name, kind in _parameters(target))
    return f"SELECT application_id, id FROM {NAME}({marks})"  # noqa: S608 - names and types from the models


_calls: dict[str, str] = {}


def bid_rows_write(
    *,
    window_id: int,
    lock: int,
    lock_timeout_ms: int,
    ids: list[int],
    batch,
    groups: list[int],
    by_id: int,
    at,
    audit: AuditLog,
) -> dict[int, int]:
    """Write the bid rows of these applications and its audit entry in one call; each application's
    row id, or nothing when the window's allocation has run."""
    call = _calls.get(connection.alias) or _calls.setdefault(connection.alias, _call(connection))
    groups_field = Bid._meta.get_field("groups")
    params = [
        lock_timeout_ms,
        lock,
        window_id,
        ids,
        str(batch),
        groups_field.get_db_prep_value(groups, connection),
        by_id,
        at,
    ]
    params += [field.get_db_prep_value(getattr(audit, field.attname), connection) for field in _audit_fields()]
    with connection.cursor() as cursor:
        cursor.execute(call, params)
        return dict(cursor.fetchall())


def bid_write_function_install(using: str = "default") -> None:
    """(Re)create the function on a PostgreSQL database, from the current models."""
    target = connections[using]
    if target.vendor != "postgresql":
        return
    parameters = _parameters(target)
    audit = _audit_fields()
    body = _BODY.format(
        audit_columns=", ".join(target.ops.quote_name(field.column) for field in audit),
        audit_values=", ".join(f"a_{field.column}" for field in audit),
    )
    declared = ", ".join(f"{name} {kind}" for name, kind in parameters)
    # Dropped and made in one transaction: a bid running meanwhile finds the old function or the new.
    with transaction.atomic(using=using), target.cursor() as cursor:
        _drop(cursor)
        cursor.execute(
            f"""CREATE FUNCTION {NAME}({declared})
            RETURNS TABLE (application_id bigint, id bigint)
            LANGUAGE plpgsql VOLATILE {_PLANNING}
            AS $fn$
            #variable_conflict use_column
            {body}
            $fn$"""
        )


def bid_write_function_drop(using: str = "default") -> None:
    target = connections[using]
    if target.vendor == "postgresql":
        with target.cursor() as cursor:
            _drop(cursor)


def _drop(cursor) -> None:
    # Every version, whatever its parameters: a new audit column makes a new signature.
    cursor.execute(
        "SELECT oid::regprocedure::text FROM pg_proc"
        " WHERE proname = %s AND pronamespace = current_schema()::regnamespace",
        [NAME],
    )
    for (old,) in cursor.fetchall():
        cursor.execute(f"DROP FUNCTION {old}")
