"""Queue order (R-Q-2) computed in one SQL statement per question, whatever the queue's length.

Inside a market (city, birth-year cohort, language, group type): children with an
extraordinary right first; then first-priority and general applicants interleaved at the
city's ratio (1 privileged, then 3 general); inside each list by filing time, then id.
The k-th first-priority applicant lands in cycle (k-1) div p at slot (k-1) mod p, the k-th
general one in cycle (k-1) div g at slot p + (k-1) mod g, so when one list runs out the other
simply continues.
"""

import dataclasses
import datetime as dt

from django.db import connection

from indigo import clock
from placement.models import Application
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


class Scope:
    """Which active applications a question counts."""

    # Waiting: every active application without an issued referral (what a parent's position counts).
    WAITING = "waiting"
    # Eligible now (R-S-6): waiting, not stop-listed, and not only represented by blocked accounts.
    ELIGIBLE = "eligible"


_QUEUE_SQL = """
WITH base AS (
    SELECT a.id, a.filed_at,
        CASE
            WHEN EXISTS (SELECT 1 FROM placement_privilege p
                         JOIN placement_privilegecategory c ON c.id = p.category_id
                         WHERE p.application_id = a.id AND p.state IN ('pending', 'confirmed')
                           AND (p.expires_on IS NULL OR p.expires_on >= %(today)s)
                           AND c.tier = 'extraordinary') THEN 0
            WHEN EXISTS (SELECT 1 FROM placement_privilege p
                         JOIN placement_privilegecategory c ON c.id = p.category_id
                         WHERE p.application_id = a.id AND p.state IN ('pending', 'confirmed')
                           AND (p.expires_on IS NULL OR p.expires_on >= %(today)s)
                           AND c.tier = 'first') THEN 1
            ELSE 2
        END AS tier
    FROM placement_application a
    WHERE a.city_id = %(city)s AND a.cohort = %(cohort)s AND a.language = %(language)s
      AND a.group_type = %(group_type)s AND a.state = 'active' AND a.filed_at <= %(at)s
      AND NOT EXISTS (SELECT 1 FROM placement_referral r WHERE r.application_id = a.id AND r.state = 'issued')
      {eligible}
),
ranked AS (
    SELECT id, filed_at, tier, ROW_NUMBER() OVER (PARTITION BY tier ORDER BY filed_at, id) AS k FROM base
),
keyed AS (
    SELECT id, filed_at, tier,
        CASE WHEN tier = 0 THEN 0 ELSE 1 END AS band,
        CASE WHEN tier = 1 THEN (k - 1) / %(privileged)s WHEN tier = 2 THEN (k - 1) / %(general)s ELSE 0 END AS cycle,
        CASE WHEN tier = 1 THEN (k - 1) %% %(privileged)s
             WHEN tier = 2 THEN %(privileged)s + (k - 1) %% %(general)s ELSE 0 END AS slot
    FROM ranked
),
ordered AS (
    SELECT id, tier, ROW_NUMBER() OVER (ORDER BY band, cycle, slot, filed_at, id) AS position FROM keyed
)
SELECT id, tier, position FROM ordered {where} ORDER BY position
"""

_ELIGIBLE_SQL = """
      AND (a.stop_listed_until IS NULL OR a.stop_listed_until <= %(at)s)
      AND (NOT EXISTS (SELECT 1 FROM accounts_representativelink l
                       WHERE l.child_id = a.child_id AND l.state = 'verified')
           OR EXISTS (SELECT 1 FROM accounts_representativelink l
                      WHERE l.child_id = a.child_id AND l.state = 'verified'
                        AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b
                                        WHERE b.user_id = l.user_id AND b.lifted_at IS NULL
                                          AND b.starts_at <= %(at)s AND b.ends_at > %(at)s)))
"""


def _run(
    market: Market, *, city: City, scope: str, at: dt.datetime, only_id: int | None = None, limit: int | None = None
) -> list[tuple[int, int, int]]:
    params = {
        "city": market.city_id,
        "cohort": market.cohort,
        "language": market.language,
        "group_type": market.group_type,
        "at": at,
        "today": clock.local_date(at),
        "privileged": city.interleave_privileged,
        "general": city.interleave_general,
    }
    where = ""
    if only_id is not None:
        where = "WHERE id = %(only_id)s"
        params["only_id"] = only_id
    elif limit is not None:
        where = "WHERE position <= %(limit)s"
        params["limit"] = limit
    sql = _QUEUE_SQL.format(eligible=_ELIGIBLE_SQL if scope == Scope.ELIGIBLE else "", where=where)
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
