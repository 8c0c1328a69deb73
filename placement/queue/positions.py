"""The position report (R-Q-3) at city scale: from the queue kept at the previous protocol.

Ranking a market of 20,000–30,000 applications twice per request (now, and at the previous
protocol) cost 100–200 ms; this answers the same report in a few queries of a few ms
(docs/performance.md). report.position_report_ranked is the definition it is tested against
(tests/placement/test_queue_fast.py). PostgreSQL only (arrays, LATERAL); the demo's SQLite ranks.
"""

import array
import bisect
import dataclasses
import datetime as dt

from django.core.cache import cache
from django.db import connection

from indigo import clock
from placement.models import Application
from placement.queue.order import Market, Scope, ahead_by_list, market_params, queue_rank
from placement.queue.report import Moved, PositionReport, position_report_ranked, previous_cutoff, reasons_since
from placement.queue.sql import BASE_SQL, HASHED_BASE_SQL, WAITING_SQL
from vacancies.models import City

# -- The position report ------------------------------------------------------------------------------
#
# The queue at the previous protocol's cutoff depends only on rows dated before it (filing, closing,
# referral and privilege times; the services never back-date nor delete them), so it is ranked once per
# market and cutoff and kept in the cache as three sorted arrays (filing time in µs, id), one per tier.
# The queue now is that one with the applications that changed since the cutoff taken out and put back
# where they stand now. "Changed" is a superset of every application whose row set differs between the
# two moments: filed, closed, referral issued or closed, privilege claimed, decided or expired since the
# cutoff, or its privilege's category deactivated since. For any other application each condition of
# BASE_SQL has the same value at both moments, so it is in the same tier at both, and its order against
# the others of that tier is the same. Those unchanged applications therefore keep their relative order
# in each list, and the children ahead of one child at either moment are a prefix of each list — which
# gives who is gone and who came from a few bisections, whatever the size of the market.

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
# Stored only once the cutoff is this far behind: a claim stamped just before the cutoff may commit
# just after it.
_SETTLED = dt.timedelta(minutes=1)
_THEN_TIMEOUT = 36 * 3600

# Filing times travel as whole microseconds since the epoch (exact, and compact in the cache).
_THEN_TEMPLATE = """
SELECT tier, array_agg((extract(epoch FROM filed_at) * 1000000)::bigint ORDER BY filed_at, id),
       array_agg(id ORDER BY filed_at, id)
FROM ({base}) AS base GROUP BY tier
"""
_THEN_SQL = _THEN_TEMPLATE.format(base=HASHED_BASE_SQL.format(scope=WAITING_SQL))

# The applications of the market that changed since the cutoff, each with its tier now (NULL: not
# waiting now), read with BASE_SQL itself; and a fingerprint of the privilege categories (a category
# moved to another tier, or deactivated at another moment, invalidates the cached queue) and of the
# database (a copy or a re-created test database has another oid, so it never reads a queue cached for
# another one through a shared cache).
# "state < 'active' OR state > 'active'" is state <> 'active' as two ranges of the market index.
_CHANGED_TEMPLATE = """
WITH changed AS (
    SELECT a.id FROM placement_application a
    WHERE a.city_id = %(city)s AND a.cohort = %(cohort)s AND a.language = %(language)s
      AND a.group_type = %(group_type)s
      AND (a.filed_at > %(then)s OR ((a.state < 'active' OR a.state > 'active') AND a.closed_at > %(then)s))
    UNION SELECT r.application_id FROM placement_referral r WHERE r.issued_at > %(then)s OR r.closed_at > %(then)s
    UNION SELECT p.application_id FROM placement_privilege p
          WHERE p.claimed_at > %(then)s OR p.decided_at > %(then)s
             OR (p.expires_on >= %(then_today)s AND p.expires_on < %(today)s)
    UNION SELECT p.application_id FROM placement_privilege p
          JOIN placement_privilegecategory c ON c.id = p.category_id WHERE c.deactivated_at > %(then)s
    UNION SELECT %(id)s
),
base AS ({base})
SELECT a.id, (extract(epoch FROM a.filed_at) * 1000000)::bigint, base.tier, ({fingerprint})
FROM placement_application a JOIN changed ON changed.id = a.id LEFT JOIN base ON base.id = a.id
WHERE a.city_id = %(city)s AND a.cohort = %(cohort)s AND a.language = %(language)s
  AND a.group_type = %(group_type)s
"""
_FINGERPRINT_SQL = """
SELECT md5(string_agg(c.id || c.tier || coalesce(c.deactivated_at::text, ''), ',' ORDER BY c.id)
           || (SELECT oid FROM pg_database WHERE datname = current_database()))
FROM placement_privilegecategory c"""
_CHANGED_ONLY = """
      AND a.id IN (SELECT id FROM changed)
"""
_CHANGED_SQL = _CHANGED_TEMPLATE.format(
    base=BASE_SQL.format(scope=WAITING_SQL + _CHANGED_ONLY), fingerprint=_FINGERPRINT_SQL
)

# What today's reasons are read from, for the changed children gone from ahead or come ahead.
_REASONS_SQL = """
SELECT a.id,
    EXISTS (SELECT 1 FROM placement_referral r WHERE r.application_id = a.id AND r.issued_at > %(then)s),
    a.filed_at > %(then)s
FROM placement_application a
WHERE a.id = ANY(%(ids)s)
"""

Key = tuple[int, int]  # (filing time in µs, id): the order inside each list


class _Then:
    """One list (tier) at the cutoff, in queue order."""

    def __init__(self, filed: array.array, ids: array.array):
        self.filed, self.ids = filed, ids

    def __len__(self) -> int:
        return len(self.ids)

    def before(self, key: Key) -> int:
        filed, pk = key
        low = bisect.bisect_left(self.filed, filed)
        high = bisect.bisect_right(self.filed, filed, low)
        return bisect.bisect_left(self.ids, pk, low, high)

    def find(self, key: Key) -> int | None:
        index = self.before(key)
        return index if index < len(self.ids) and self.ids[index] == key[1] else None

    def kept(self, removed: list[int], low: int, high: int) -> list[int]:
        """Ids at ranks low..high-1 among the entries whose index is not in `removed` (sorted)."""
        index, skip = low, 0
        while skip < len(removed) and removed[skip] <= index:
            index, skip = index + 1, skip + 1
        found = []
        while len(found) < high - low:
            if skip < len(removed) and removed[skip] == index:
                skip += 1
            else:
                found.append(self.ids[index])
            index += 1
        return found


class _Now:
    """The same list now: without the changed applications it held, with those in this tier now."""

    def __init__(self, then: _Then, removed: list[int], added: list[Key]):
        self.then, self.removed, self.added = then, removed, added
        self.removed_keys = [(then.filed[index], then.ids[index]) for index in removed]

    def __len__(self) -> int:
        return len(self.then) - len(self.removed) + len(self.added)

    def before(self, key: Key) -> int:
        return self.then.before(key) - bisect.bisect_left(self.removed_keys, key) + bisect.bisect_left(self.added, key)


def _then_lists(market: Market, city: City, then_at: dt.datetime, fingerprint: str) -> list[_Then]:
    key = ":".join(
        str(part)
        for part in (
            "queue-then",
            *dataclasses.astuple(market),
            _micros(then_at),
            city.interleave_privileged,
            city.interleave_general,
            fingerprint,
        )
    )
    stored = cache.get(key)
    if stored is None:
        with connection.cursor() as cursor:
            cursor.execute(_THEN_SQL, market_params(market, city, then_at))
            rows = cursor.fetchall()
        stored = [(array.array("q"), array.array("q")) for _ in range(3)]
        for tier, filed, ids in rows:
            stored[tier] = (array.array("q", filed), array.array("q", ids))
        if clock.now() - then_at >= _SETTLED:
            cache.set(key, stored, _THEN_TIMEOUT)
    return [_Then(filed, ids) for filed, ids in stored]


def position_queues_prepare(*, city: City, cutoff: dt.datetime) -> int:
    """Rank every market of the city at this protocol's cutoff into the cache, so that the first parent
    of each market to ask does not wait for it. For a job to call a minute or more after the cutoff
    (before, nothing is stored: see _SETTLED)."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        fingerprint = cursor.fetchone()[0]
    markets = (
        Application.objects.filter(city=city, filed_at__lte=cutoff)
        .values_list("cohort", "language", "group_type")
        .order_by()
        .distinct()
    )
    for cohort, language, group_type in markets:
        _then_lists(Market(city.pk, cohort, language, group_type), city, cutoff, fingerprint)
    return len(markets)


def _micros(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def position_report(*, application: Application, at: dt.datetime | None = None) -> PositionReport:
    """R-Q-3 for one child. On PostgreSQL from the queue kept at the previous protocol and what changed
    since (a few ms at city scale); elsewhere (the SQLite demo) by ranking the market at both moments,
    which gives the same report."""
    if connection.vendor == "postgresql":
        return position_report_from_cutoff(application=application, at=at or clock.now())
    return position_report_ranked(application=application, at=at or clock.now())


def position_report_from_cutoff(*, application: Application, at: dt.datetime) -> PositionReport:
    then_at = previous_cutoff(application, at)
    if then_at is None:
        return PositionReport(now=queue_rank(application, Scope.WAITING, at), then=None, then_at=None, reasons={})
    city = application.city
    p, g = city.interleave_privileged, city.interleave_general
    market = Market.of(application)
    params = market_params(market, city, at)
    params.update(then=then_at, then_today=clock.local_date(then_at), id=application.pk)
    with connection.cursor() as cursor:
        cursor.execute(_CHANGED_SQL, params)
        changed = cursor.fetchall()
    then = _then_lists(market, city, then_at, changed[0][3])

    # Where each changed application stood at the cutoff (if it was waiting) and stands now.
    removed: list[list[int]] = [[], [], []]
    added: list[list[Key]] = [[], [], []]
    was: dict[int, tuple[int, int]] = {}
    keys: dict[int, Key] = {}
    tier_now: dict[int, int] = {}
    for pk, filed, tier, _fingerprint in changed:
        keys[pk] = (filed, pk)
        for then_tier, listed in enumerate(then):
            index = listed.find(keys[pk])
            if index is not None:
                removed[then_tier].append(index)
                was[pk] = then_tier, index
                break
        if tier is not None:
            added[tier].append(keys[pk])
            tier_now[pk] = tier
    for lists in (removed, added):
        for listed in lists:
            listed.sort()
    now = [_Now(then[tier], removed[tier], added[tier]) for tier in range(3)]

    mine = application.pk
    ahead_then = ahead_now = (0, 0, 0)
    position_then = position_now = None
    if mine in was:
        tier, index = was[mine]
        ahead_then = ahead_by_list(tier, index, (len(then[0]), len(then[1]), len(then[2])), p, g)
        position_then = sum(ahead_then) + 1
    if mine in tier_now:
        tier = tier_now[mine]
        ahead_now = ahead_by_list(tier, now[tier].before(keys[mine]), (len(now[0]), len(now[1]), len(now[2])), p, g)
        position_now = sum(ahead_now) + 1

    mine_tiers = {"tier_then": was[mine][0] if mine in was else None, "tier_now": tier_now.get(mine)}
    filed_after = application.filed_at > then_at
    if position_then is None or position_now is None:
        reasons = reasons_since(**mine_tiers, filed_after=filed_after, gone=[], came=[])
        return PositionReport(now=position_now, then=position_then, then_at=then_at, reasons=reasons)

    # Unchanged applications keep their order inside their list, so those ahead at either moment are
    # the first u_then / u_now of them: the difference of the two prefixes went or came. Unchanged,
    # each is waiting in the same list at both moments.
    gone: list[Moved] = []
    came: list[Moved] = []
    for tier in range(3):
        kept_then = ahead_then[tier] - bisect.bisect_left(removed[tier], ahead_then[tier])
        kept_now = ahead_now[tier] - sum(1 for key in added[tier] if now[tier].before(key) < ahead_now[tier])
        unchanged = Moved(tier_then=tier, tier_now=tier, placed=False, filed_after=False)
        moved_list = gone if kept_then > kept_now else came
        moved_list.extend([unchanged] * abs(kept_then - kept_now))
    # Changed applications, one by one.
    gone_changed: list[int] = []
    came_changed: list[int] = []
    for pk, key in keys.items():
        if pk == mine:
            continue
        before_then = pk in was and was[pk][1] < ahead_then[was[pk][0]]
        before_now = pk in tier_now and now[tier_now[pk]].before(key) < ahead_now[tier_now[pk]]
        if before_then and not before_now:
            gone_changed.append(pk)
        elif before_now and not before_then:
            came_changed.append(pk)
    if gone_changed or came_changed:
        with connection.cursor() as cursor:
            cursor.execute(_REASONS_SQL, {"then": then_at, "ids": gone_changed + came_changed})
            facts = {pk: (placed, filed) for pk, placed, filed in cursor.fetchall()}
        for pks, moved_list in ((gone_changed, gone), (came_changed, came)):
            for pk in pks:
                placed, filed = facts[pk]
                tier_then = was[pk][0] if pk in was else None
                moved_list.append(
                    Moved(tier_then=tier_then, tier_now=tier_now.get(pk), placed=placed, filed_after=filed)
                )
    reasons = reasons_since(**mine_tiers, filed_after=filed_after, gone=gone, came=came)
    return PositionReport(now=position_now, then=position_then, then_at=then_at, reasons=reasons)
