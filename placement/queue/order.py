"""Queue order (R-Q-2) computed in one SQL statement per question, whatever the queue's length.

Inside a market (city, birth-year cohort, language, group type): children with an
extraordinary right first; then first-priority and general applicants interleaved at the
city's ratio (1 privileged, then 3 general); inside each list by filing time, then id.
The SQL is in placement/queue/sql.py; which applications a question counts is its Scope.
"""

import dataclasses
import datetime as dt

from django.db import connection

from indigo import clock
from placement.models import Application
from placement.queue.sql import COUNTS_SQL, ELIGIBLE_SQL, QUEUE_SQL, WAITING_SQL
from vacancies.models import City

EXTRAORDINARY, FIRST, GENERAL = 0, 1, 2


@dataclasses.dataclass(frozen=True)
class Market:
    city_id: int
    cohort: int
    language: str
    group_type: str

    @classmethod
    def of(cls, application: Application) -> "Market":
        return cls(application.city_id, application.cohort, application.language, application.group_type)

    @classmethod
    def of_group(cls, group) -> "Market":
        """The market a group's seats are claimed in (R-S-6: city, cohort, language, group type)."""
        return cls(group.kindergarten.city_id, group.cohort, group.language, group.group_type)


class Scope:
    """Which active applications a question counts."""

    # Waiting: every active application without an issued referral (what a parent's position counts).
    WAITING = "waiting"
    # Eligible now (R-S-6, sql.ELIGIBLE_SQL): waiting, not stop-listed, no referral, not only blocked
    # representatives.
    ELIGIBLE = "eligible"

    @staticmethod
    def sql(scope: str) -> str:
        return ELIGIBLE_SQL if scope == Scope.ELIGIBLE else WAITING_SQL


def market_params(market: Market, city: City, at: dt.datetime) -> dict:
    """The parameters every text of placement/queue/sql.py takes."""
    return {
        "city": market.city_id,
        "cohort": market.cohort,
        "language": market.language,
        "group_type": market.group_type,
        "at": at,
        "today": clock.local_date(at),
        "privileged": city.interleave_privileged,
        "general": city.interleave_general,
    }


def _run(
    market: Market,
    *,
    city: City,
    scope: str,
    at: dt.datetime,
    only_id: int | None = None,
    limit: int | None = None,
    upto_id: int | None = None,
) -> list[tuple[int, int, int]]:
    params = market_params(market, city, at)
    where = ""
    if only_id is not None:
        where = "WHERE id = %(only_id)s"
        params["only_id"] = only_id
    elif limit is not None:
        where = "WHERE position <= %(limit)s"
        params["limit"] = limit
    elif upto_id is not None:
        # Everyone ahead of one application and the application itself, in one pass over the market.
        where = "WHERE position <= (SELECT position FROM ordered WHERE id = %(upto_id)s)"
        params["upto_id"] = upto_id
    sql = QUEUE_SQL.format(scope=Scope.sql(scope), where=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def queue_ordered(
    *, market: Market, city: City, scope: str = Scope.WAITING, at: dt.datetime | None = None, limit: int | None = None
) -> list[tuple[int, int, int]]:
    """(application id, tier, position) for the whole market in queue order."""
    return _run(market, city=city, scope=scope, at=at or clock.now(), limit=limit)


def queue_position(
    *, application: Application, scope: str = Scope.WAITING, at: dt.datetime | None = None
) -> int | None:
    """The application's place in its market's queue, or None when it is not in that queue."""
    rows = _run(
        Market.of(application), city=application.city, scope=scope, at=at or clock.now(), only_id=application.pk
    )
    return rows[0][2] if rows else None


# ---------------------------------------------------------------------------------------------------
# Fast answers for one child. Ranking the whole market (above) costs 60–200 ms at city scale; one
# child's rank follows from counts, because the R-Q-2 order is a formula of each list's index:
# the k-th first-priority child sits at (cycle (k-1) div p, slot (k-1) mod p), the j-th general one
# at ((j-1) div g, p + (j-1) mod g), and (cycle, slot) pairs never tie. So a first-priority child with
# k-1 of its list ahead has ahead of it every extraordinary child, those k-1, and the general children
# of the earlier cycles, min(G, ((k-1) div p) * g); a general child with j-1 ahead has the
# first-priority children of its own and earlier cycles, min(P, ((j-1) div g + 1) * p). A list that
# runs out is what the min() says. tests/placement/test_queue_fast.py checks all this against
# QUEUE_SQL on random markets.


def ahead_by_list(tier: int, before: int, sizes: tuple[int, int, int], p: int, g: int) -> tuple[int, int, int]:
    """How many of each list stand ahead of a child of `tier` with `before` of its own list ahead."""
    extraordinary, first, general = sizes
    if tier == EXTRAORDINARY:
        return before, 0, 0
    if tier == FIRST:
        return extraordinary, before, min(general, before // p * g)
    return extraordinary, min(first, (before // g + 1) * p), before


def rank_from_counts(rows, city: City) -> int | None:
    """The rank from COUNTS_SQL's rows (tier, count, before, is_mine); None when the child is not counted."""
    sizes = [0, 0, 0]
    mine = None
    for tier, count, before, is_mine in rows:
        sizes[tier] = count
        if is_mine:
            mine = tier, before
    if mine is None:
        return None
    tier, before = mine
    return sum(ahead_by_list(tier, before, tuple(sizes), city.interleave_privileged, city.interleave_general)) + 1


def queue_rank(application: Application, scope: str, at: dt.datetime) -> int | None:
    """queue_position() from counts: the same answer in one pass over the market."""
    city = application.city
    params = market_params(Market.of(application), city, at)
    params.update(id=application.pk)
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL.format(scope=Scope.sql(scope)), params)
        return rank_from_counts(cursor.fetchall(), city)
