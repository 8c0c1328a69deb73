"""Queue order (R-Q-2) computed in one SQL statement per question, whatever the queue's length.

Every question is asked "as of" a moment, so the queue at the previous protocol can be
rebuilt from the same rows (filing, closing, referral and privilege times) to explain a move.

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


# The applications a question counts and their tier, as of %(at)s. The reference for every ranking below.
# The applications a question counts, each with its tier; {tier} is how the tier is read (below).
_BASE_TEMPLATE = """
    SELECT a.id, a.filed_at,
        {tier} AS tier
    FROM placement_application a
    WHERE a.city_id = %(city)s AND a.cohort = %(cohort)s AND a.language = %(language)s
      AND a.group_type = %(group_type)s AND a.filed_at <= %(at)s
      AND (a.state = 'active' OR a.closed_at > %(at)s)
      AND NOT EXISTS (SELECT 1 FROM placement_referral r WHERE r.application_id = a.id AND r.issued_at <= %(at)s
                      AND (r.closed_at IS NULL OR r.closed_at > %(at)s))
      {eligible}
"""
# A privilege counts as of `at`: claimed by then, not refused or revoked by then, not expired, and its
# category not deactivated by then (c is the category, joined wherever this is used).
_PRIVILEGE_IN_FORCE = """p.claimed_at <= %(at)s
                           AND (p.state IN ('pending', 'confirmed') OR p.decided_at > %(at)s)
                           AND (p.expires_on IS NULL OR p.expires_on >= %(today)s)
                           AND (c.deactivated_at IS NULL OR c.deactivated_at > %(at)s)"""
_TIER_BY_EXISTS = f"""CASE
            WHEN EXISTS (SELECT 1 FROM placement_privilege p
                         JOIN placement_privilegecategory c ON c.id = p.category_id
                         WHERE p.application_id = a.id AND {_PRIVILEGE_IN_FORCE}
                           AND c.tier = 'extraordinary') THEN 0
            WHEN EXISTS (SELECT 1 FROM placement_privilege p
                         JOIN placement_privilegecategory c ON c.id = p.category_id
                         WHERE p.application_id = a.id AND {_PRIVILEGE_IN_FORCE}
                           AND c.tier = 'first') THEN 1
            ELSE 2
        END"""  # noqa: S608 - module constants only, no input
_BASE_SQL = _BASE_TEMPLATE.format(tier=_TIER_BY_EXISTS, eligible="{eligible}")

_QUEUE_TEMPLATE = """
WITH base AS ({base}),
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
_QUEUE_SQL = _QUEUE_TEMPLATE.format(base=_BASE_SQL, where="{where}")

# Out: a child with a verified link from a blocked account and none from an unblocked one.
# Written from the (few) active blocks outwards: the equivalent "no verified link OR an unblocked
# one" made PostgreSQL hash every link of every city on each turn check (docs/performance.md).
_ELIGIBLE_SQL = """
      AND (a.stop_listed_until IS NULL OR a.stop_listed_until <= %(at)s)
      AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b
                      JOIN accounts_representativelink l ON l.user_id = b.user_id AND l.state = 'verified'
                      WHERE l.child_id = a.child_id AND b.lifted_at IS NULL
                        AND b.starts_at <= %(at)s AND b.ends_at > %(at)s
                        AND NOT EXISTS (SELECT 1 FROM accounts_representativelink l2
                                        WHERE l2.child_id = l.child_id AND l2.state = 'verified'
                                          AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b2
                                                          WHERE b2.user_id = l2.user_id AND b2.lifted_at IS NULL
                                                            AND b2.starts_at <= %(at)s AND b2.ends_at > %(at)s)))
"""


def _params(market: Market, city: City, at: dt.datetime) -> dict:
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
    params = _params(market, city, at)
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


# ---------------------------------------------------------------------------------------------------
# Fast answers for one child. Ranking the whole market (above) costs 60–200 ms at city scale; one
# child's rank follows from counts, because the R-Q-2 order is a formula of each list's index:
# the k-th first-priority child sits at (cycle (k-1) div p, slot (k-1) mod p), the j-th general one
# at ((j-1) div g, p + (j-1) mod g), and (cycle, slot) pairs never tie. So a first-priority child with
# k-1 of its list ahead has ahead of it every extraordinary child, those k-1, and the general children
# of the earlier cycles, min(G, ((k-1) div p) * g); a general child with j-1 ahead has the
# first-priority children of its own and earlier cycles, min(P, ((j-1) div g + 1) * p). A list that
# runs out is what the min() says. tests/placement/test_queue_fast.py checks all this against
# _QUEUE_SQL on random markets.

# The same base with each privilege test written as an uncorrelated IN (the same condition as its
# EXISTS): PostgreSQL hashes the privileges once instead of probing them twice per application.
_PRIVILEGED = """SELECT p.application_id FROM placement_privilege p
                   JOIN placement_privilegecategory c ON c.id = p.category_id
                   WHERE {in_force} AND c.tier = '{tier}'"""
_TIER_BY_IN = """CASE WHEN a.id IN ({extraordinary}) THEN 0
             WHEN a.id IN ({first}) THEN 1
             ELSE 2
        END""".format(
    extraordinary=_PRIVILEGED.format(in_force=_PRIVILEGE_IN_FORCE, tier="extraordinary"),
    first=_PRIVILEGED.format(in_force=_PRIVILEGE_IN_FORCE, tier="first"),
)
_HASHED_BASE_SQL = _BASE_TEMPLATE.format(tier=_TIER_BY_IN, eligible="{eligible}")

# Per tier: how many the question counts, how many of them come before the child (filing time, then
# id), and whether the child is one of them. One pass over the market, no sort, no window. The child's
# filing time is read from its row: SQLite compares timestamps as text, in the format it stored.
_COUNTS_TEMPLATE = """
SELECT tier, count(*), count(*) FILTER (WHERE (filed_at, id) < ((SELECT filed_at FROM placement_application
                                                                 WHERE id = %(id)s), %(id)s)),
       max(CASE WHEN id = %(id)s THEN 1 ELSE 0 END)
FROM ({base}) AS base
GROUP BY tier
"""
_COUNTS_SQL = _COUNTS_TEMPLATE.format(base=_HASHED_BASE_SQL)


def _prefixes(tier: int, before: int, sizes: tuple[int, int, int], p: int, g: int) -> tuple[int, int, int]:
    """How many of each list stand ahead of a child of `tier` with `before` of its own list ahead."""
    extraordinary, first, general = sizes
    if tier == EXTRAORDINARY:
        return before, 0, 0
    if tier == FIRST:
        return extraordinary, before, min(general, before // p * g)
    return extraordinary, min(first, (before // g + 1) * p), before


def _rank_from_counts(rows, application: Application, city: City) -> int | None:
    sizes = [0, 0, 0]
    mine = None
    for tier, count, before, is_mine in rows:
        sizes[tier] = count
        if is_mine:
            mine = tier, before
    if mine is None:
        return None
    tier, before = mine
    return sum(_prefixes(tier, before, tuple(sizes), city.interleave_privileged, city.interleave_general)) + 1


def _rank(application: Application, scope: str, at: dt.datetime) -> int | None:
    """queue_position() from counts: the same answer in one pass over the market."""
    city = application.city
    params = _params(Market.of(application), city, at)
    params.update(id=application.pk)
    sql = _COUNTS_SQL.format(eligible=_ELIGIBLE_SQL if scope == Scope.ELIGIBLE else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _rank_from_counts(cursor.fetchall(), application, city)


@dataclasses.dataclass
class PositionReport:
    """R-Q-3: where the child stands, where it stood at the previous protocol, and why it moved."""

    now: int | None
    then: int | None
    then_at: dt.datetime | None
    # reason code → number of children; codes are explained by REASONS in the templates.
    reasons: dict[str, int]


def _standing(application: Application, at: dt.datetime) -> dict[int, tuple[int, int]]:
    """Every waiting application of the market at `at`: id → (tier, position)."""
    rows = _run(Market.of(application), city=application.city, scope=Scope.WAITING, at=at)
    return {pk: (tier, position) for pk, tier, position in rows}


@dataclasses.dataclass(frozen=True)
class Moved:
    """Another child that stood ahead at the protocol and does not now, or the other way round."""

    tier_then: int | None  # None: not waiting at the protocol
    tier_now: int | None  # None: not waiting now
    placed: bool  # a referral was issued to it since the protocol
    filed_after: bool  # its application was filed after the protocol


_NEW_BY_TIER = {EXTRAORDINARY: "new_extraordinary", FIRST: "new_privileged", GENERAL: "new_general"}


def reasons_since(
    *, tier_then: int | None, tier_now: int | None, filed_after: bool, gone: list[Moved], came: list[Moved]
) -> dict[str, int]:
    """Why the child's place changed since the protocol, from facts only: each reason names something
    that did happen. A child that is not waiting now (its referral is issued) has no place to explain,
    so nothing is said; every child ahead "left" only from its point of view."""
    if tier_now is None:
        return {}
    if tier_then is None:
        # Not in the queue at the protocol: new since (nothing to compare) or back after its referral ended.
        return {} if filed_after else {"own_returned": 1}
    reasons: dict[str, int] = {}

    def count(code: str) -> None:
        reasons[code] = reasons.get(code, 0) + 1

    own_moved = tier_now != tier_then
    if own_moved:
        count("own_privilege_granted" if tier_now < tier_then else "own_privilege_removed")
    for moved_list, direction in ((gone, "behind"), (came, "ahead")):
        for moved in moved_list:
            if moved.tier_now is None:
                count("placed" if moved.placed else "removed")
            elif moved.tier_then is None:
                count(_NEW_BY_TIER[moved.tier_now] if moved.filed_after else "returned")
            elif moved.tier_now != moved.tier_then:
                count("privilege_granted" if moved.tier_now < moved.tier_then else "privilege_removed")
            elif not own_moved:
                # Same list, still waiting: only the turn-taking of the lists moved it past the child.
                count(f"order_{direction}")
    return reasons


def previous_cutoff(application: Application, at: dt.datetime) -> dt.datetime | None:
    from vacancies.models import Protocol

    return (
        Protocol.objects.filter(city_id=application.city_id, cutoff__lt=at)
        .order_by("-cutoff")
        .values_list("cutoff", flat=True)
        .first()
    )


def position_report(*, application: Application, at: dt.datetime | None = None) -> PositionReport:
    """R-Q-3 for one child. On PostgreSQL from the queue kept at the previous protocol and what changed
    since (placement/positions.py, a few ms at city scale); elsewhere (the SQLite demo) by ranking the
    market at both moments, which gives the same report."""
    if connection.vendor == "postgresql":
        from placement.positions import position_report_from_cutoff

        return position_report_from_cutoff(application=application, at=at or clock.now())
    return position_report_ranked(application=application, at=at or clock.now())


def position_report_ranked(*, application: Application, at: dt.datetime) -> PositionReport:
    """The report from two rankings of the whole market: the definition the fast one is tested against."""
    from placement.models import Referral

    then_at = previous_cutoff(application, at)
    standing_now = _standing(application, at)
    mine_now = standing_now.get(application.pk)
    now = mine_now[1] if mine_now else None
    if then_at is None:
        return PositionReport(now=now, then=None, then_at=None, reasons={})
    standing_then = _standing(application, then_at)
    mine_then = standing_then.get(application.pk)
    then = mine_then[1] if mine_then else None
    gone: set[int] = set()
    came: set[int] = set()
    if mine_now and mine_then:
        ahead_then = {pk for pk, (_tier, position) in standing_then.items() if position < then}
        ahead_now = {pk for pk, (_tier, position) in standing_now.items() if position < now}
        gone, came = ahead_then - ahead_now, ahead_now - ahead_then
    placed = set(
        Referral.objects.filter(application_id__in=gone | came, issued_at__gt=then_at).values_list(
            "application_id", flat=True
        )
    )
    filed_after = set(Application.objects.filter(pk__in=gone | came, filed_at__gt=then_at).values_list("pk", flat=True))

    def moved(pk: int) -> Moved:
        return Moved(
            tier_then=standing_then[pk][0] if pk in standing_then else None,
            tier_now=standing_now[pk][0] if pk in standing_now else None,
            placed=pk in placed,
            filed_after=pk in filed_after,
        )

    reasons = reasons_since(
        tier_then=mine_then[0] if mine_then else None,
        tier_now=mine_now[0] if mine_now else None,
        filed_after=application.filed_at > then_at,
        gone=[moved(pk) for pk in gone],
        came=[moved(pk) for pk in came],
    )
    return PositionReport(now=now, then=then, then_at=then_at, reasons=reasons)


@dataclasses.dataclass(frozen=True)
class Turn:
    rank: int | None
    allowed: int

    @property
    def has_come(self) -> bool:
        return self.rank is not None and self.rank <= self.allowed


# R-S-6: the market's seats in priority access as of %(at)s. A seat claimed after `at` was still open
# then, just as its child was still waiting: counting it as taken while the ranking still counts the
# child put the last children in turn one place outside it.
_PRIORITY_SEATS_SQL = """
SELECT count(*) FROM vacancies_seat s
JOIN vacancies_group g ON g.id = s.group_id
JOIN vacancies_kindergarten k ON k.id = g.kindergarten_id
WHERE k.city_id = %(city)s AND g.cohort = %(cohort)s AND g.language = %(language)s
  AND g.group_type = %(group_type)s AND s.priority_from <= %(at)s AND s.general_from > %(at)s
  AND (s.state = 'open' OR (s.state = 'claimed' AND s.claimed_at > %(at)s))
"""
# The seats (as tier -1) and the rank's counts in one statement, so both are read from one snapshot
# of the database: as two statements, a claim committing between them counted its seat as open and
# its child as gone, and let the child just outside the turn in (issue 14, item 13).
_TURN_SQL = f"""
SELECT -1, ({_PRIORITY_SEATS_SQL}), 0, 0
UNION ALL
{_COUNTS_TEMPLATE.format(base=_HASHED_BASE_SQL.format(eligible=_ELIGIBLE_SQL))}
"""  # noqa: S608 - module constants only, no input


def _allowed(seats: int, city: City) -> int:
    """The seats in priority access times the city's pool factor (R-S-6), rounded down."""
    return int(seats * city.priority_pool_factor)


def priority_seats(*, application: Application, at: dt.datetime) -> int:
    """How many children of the application's market may claim now: its seats in priority access
    times the city's pool factor (R-S-6)."""
    with connection.cursor() as cursor:
        cursor.execute(_PRIORITY_SEATS_SQL, _params(Market.of(application), application.city, at))
        [seats] = cursor.fetchone()
    return _allowed(seats, application.city)


def priority_turn(*, application: Application, at: dt.datetime | None = None) -> Turn:
    """R-S-6: the child's rank among eligible children against the seats now in priority access, in
    one statement. Under the claim's market lock (placement/services/claims.py) no other priority
    claim of the market commits meanwhile, so the answer is the market as it is."""
    at = at or clock.now()
    city = application.city
    params = _params(Market.of(application), city, at)
    params.update(id=application.pk)
    with connection.cursor() as cursor:
        cursor.execute(_TURN_SQL, params)
        rows = cursor.fetchall()
    seats = next(count for tier, count, _before, _mine in rows if tier == -1)
    # From counts, not queue_position(): the same rank without sorting the market (see _prefixes).
    rank = _rank_from_counts([row for row in rows if row[0] != -1], application, city)
    return Turn(rank=rank, allowed=_allowed(seats, city))
