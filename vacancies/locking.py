"""The per-city locks that keep the protocol whole (R-P-1, R-P-2).

Two locks, both per city:

- The city row, locked FOR NO KEY UPDATE, serialises the jobs that write a city's protocol
  record: the protocol itself and the midnight record of seats moving to general access. They
  check "already done?" and then write, so two runs must not interleave. NO KEY UPDATE and not
  UPDATE: writers insert rows referring to the city (audit entries, schedule log), which take a
  KEY SHARE lock on it; those must not wait for a protocol that takes seconds.

- An advisory lock keeps every committed change in exactly one protocol. A change is stamped with
  the clock (SeatEvent.at, ScheduleLogEntry.at…) and a protocol takes what is stamped up to its
  cutoff. A change stamped at 17:59:59 that waits on a row lock and commits at 18:00:05 would be
  invisible to an 18:00 protocol that ran at 18:00:01, and the next protocol starts after 18:00:
  it would be in none. So every writer takes the city's advisory lock in shared mode before it reads
  the clock and keeps it to its commit (`protocol_write_begin`), and a protocol, once its cutoff has
  passed, waits for the transactions holding it at that moment to end (`protocol_writers_drain`):
  those are all the changes that may be stamped at or before the cutoff and not committed yet. A
  writer that takes the lock later reads the clock later, so after the cutoff: its change belongs
  to the next protocol.

  Nobody ever takes the lock exclusively: the protocol reads its holders from pg_locks and waits
  for those transactions, so a writer never waits for the protocol (the claim path pays one
  statement that never blocks), and a writer that takes the lock while holding row locks cannot
  end up in a cycle with the protocol, which holds no lock while it waits.

  It relies on the servers' clocks agreeing (NTP), as every timestamp of the portal does.
"""

import datetime as dt
import time

from django.db import connection

from indigo import clock
from indigo.locking import rows_lock

# First key of the two-key advisory lock; the second is the city's id.
_PROTOCOL_WRITERS = 0x1D160
# A two-key advisory lock shows in pg_locks with objsubid 2; a transaction by its backend and virtual id.
_HOLDERS_SQL = """
SELECT pid, virtualtransaction FROM pg_locks
WHERE locktype = 'advisory' AND classid = %s::integer::oid AND objid = %s::integer::oid AND objsubid = 2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND granted AND pid <> pg_backend_pid()
"""
_POLL_SECONDS = 0.01


def city_lock(city_id: int):
    """Lock the city row for a job that writes its protocol record; the row, read fresh."""
    from vacancies.models import City

    [city] = rows_lock(City.objects, [city_id], no_key=True)
    return city


def protocol_write_begin(city_id: int) -> dt.datetime:
    """Call inside the writer's transaction, before anything is stamped: the moment to stamp with.

    Holds the city's writer lock in shared mode to the end of the transaction (see above)."""
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("protocol_write_begin() must run inside the writer's transaction")
        with connection.cursor() as cursor:
            cursor.execute(protocol_write_lock_sql(city_id))
    return clock.now()


def protocol_write_lock_sql(city_id: int) -> str:
    """The statement of protocol_write_begin, for a writer that sends it in one round trip with its
    own locks (the claim); the caller reads the clock after it. Two integers: nothing to quote."""
    return f"SELECT pg_advisory_xact_lock_shared({_PROTOCOL_WRITERS:d}, {int(city_id):d});"


def protocol_writers_drain(city_id: int) -> None:
    """Wait until every transaction now holding the city's writer lock has committed or rolled back.

    Call once the cutoff has passed and while holding no lock. Writers that come later are not waited
    for: they stamp after this moment. The calling session's own transaction is left out."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_HOLDERS_SQL, [_PROTOCOL_WRITERS, city_id])
        waiting = set(cursor.fetchall())
        while waiting:
            time.sleep(_POLL_SECONDS)
            cursor.execute(_HOLDERS_SQL, [_PROTOCOL_WRITERS, city_id])
            waiting &= set(cursor.fetchall())
