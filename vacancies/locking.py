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
  it would be in none. So every writer takes the city's lock in shared mode before it reads the
  clock and keeps it to its commit (`protocol_write_begin`), and a protocol, once its cutoff has
  passed, takes it exclusively for an instant (`protocol_writers_drain`): that waits for every
  writer holding it, i.e. for every change that may be stamped at or before the cutoff, to commit
  or roll back. A writer that comes later reads the clock after that instant, so after the cutoff:
  its change belongs to the next protocol. The protocol does not keep the lock, so a claim waits at
  most for the writers already in flight, never for the protocol's own work. Shared locks do not
  conflict with each other: the claim path pays one statement, not a queue.

  It relies on the servers' clocks agreeing (NTP), as every timestamp of the portal does.
"""

import datetime as dt

from django.db import connection

from indigo import clock

# First key of the two-key advisory lock; the second is the city's id.
_PROTOCOL_WRITERS = 0x1D160


def city_lock(city_id: int):
    """Lock the city row for a job that writes its protocol record; the row, read fresh."""
    from vacancies.models import City

    return City.objects.select_for_update(no_key=True).get(pk=city_id)


def protocol_write_begin(city_id: int) -> dt.datetime:
    """Call inside the writer's transaction, before anything is stamped: the moment to stamp with.

    Holds the city's writer lock in shared mode to the end of the transaction (see above)."""
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("protocol_write_begin() must run inside the writer's transaction")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_PROTOCOL_WRITERS, city_id])
    return clock.now()


def protocol_writers_drain(city_id: int) -> None:
    """Wait until every change of the city stamped so far has committed or rolled back.

    Takes and drops the writers' lock exclusively (session level, so it is let go at once, inside a
    transaction or not). Call while holding no other lock: the writers it waits for may need them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_PROTOCOL_WRITERS, city_id])
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_PROTOCOL_WRITERS, city_id])
