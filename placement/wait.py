"""The expected wait (issue 16): when a waiting child's turn is likely to come.

Read from published data only — the protocol entries of the last 12 months in the child's market
(city, cohort, language, group type) — so anyone holding the protocols can recompute it. docs/wait.md
explains the method and the backtest that measures it.

The model, in the page's words: the market placed about N children a week in the last 12 months,
unevenly (the summer recruitment concentrates them). The next 12 months are assumed to repeat the
last 12 day by day, so the child at place P in the queue is expected on the day the projected
placements reach P. The 80 % interval treats the count of placements by a day as uncertain: Poisson
spread plus a level uncertainty (a year can be busier or quieter than the last), and takes the days
where the child is placed with probability 10 % and 90 %.

"Placements" are referrals issued minus referrals that ended without enrolment (expired, refused,
cancelled): those children went back to their place and the seat went round again.
"""

import bisect
import dataclasses
import datetime as dt
import functools
import math
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate

from indigo import clock
from placement.queue import Market
from vacancies.models import City, Protocol, ProtocolEntry, SeatEvent

YEAR = 365
# How much busier or quieter a year may be than the last (one standard deviation); checked by the
# backtest, docs/wait.md and docs/performance.md.
LEVEL_UNCERTAINTY = 0.25
Z_80 = 1.2816  # the 10th and 90th percentiles of the normal distribution
# Below this many placements in 12 months a market's history says too little to give dates.
MIN_PLACEMENTS = 12
# Beyond this the pace of the last year says nothing useful (the child may be at school by then).
MAX_YEARS = 3
CACHE_SECONDS = 36 * 3600

PLACED = (SeatEvent.Kind.CLAIMED,)
UNPLACED = (SeatEvent.Kind.EXPIRED, SeatEvent.Kind.REFUSED, SeatEvent.Kind.CANCELLED)


class Status:
    ESTIMATED = "estimated"
    THIN = "thin"  # too little history: the page says so instead of guessing
    BEYOND = "beyond"  # at the last year's pace, more than MAX_YEARS away
    NOT_WAITING = "not_waiting"


@dataclasses.dataclass(frozen=True)
class MarketHistory:
    """Net placements per local day over the 365 days ending `last_day` (the last protocol's day)."""

    last_day: dt.date
    daily: tuple[int, ...]
    # The city's protocols reach back the whole 12 months (a younger city has a partial year).
    complete: bool

    @property
    def placements(self) -> int:
        return sum(self.daily)

    @property
    def per_week(self) -> float:
        return self.placements * 7 / YEAR

    @property
    def thin(self) -> bool:
        return not self.complete or self.placements < MIN_PLACEMENTS


@dataclasses.dataclass(frozen=True)
class WaitEstimate:
    status: str
    position: int | None
    per_week: float
    placements: int
    as_of: dt.date | None  # the protocol the history ends with
    expected: dt.date | None = None
    low: dt.date | None = None
    high: dt.date | None = None  # None with an expected date: later than the horizon

    @property
    def horizon(self) -> dt.date | None:
        return self.as_of + dt.timedelta(days=MAX_YEARS * YEAR) if self.as_of else None


def _needed(position: int, z: float) -> float:
    """The expected placements m at which `position` is reached at z standard deviations:
    m + z * sqrt(m + (k m)^2) = position, solved for m (a quadratic; the root on z's side of position)."""
    if z == 0:
        return float(position)
    a = 1 - (z * LEVEL_UNCERTAINTY) ** 2
    b = 2 * position + z * z
    root = math.sqrt(b * b - 4 * a * position * position)
    return (b - root) / (2 * a) if z > 0 else (b + root) / (2 * a)


@functools.lru_cache(maxsize=256)
def _projection(history: "MarketHistory", offset: int) -> tuple[float, ...]:
    """Expected placements from the start day to each of the next MAX_YEARS years' days, never falling
    (a day with more referrals ended than issued does not move a queue back)."""
    total, running, curve = 0, 0, []
    for step in range(MAX_YEARS * YEAR):
        total += history.daily[(offset + step) % YEAR]
        running = max(running, total)
        curve.append(running)
    return tuple(curve)


def wait_estimate_compute(*, history: MarketHistory, position: int | None, today: dt.date) -> WaitEstimate:
    """The estimate for the child at `position` (1 = next) from the market's history; pure arithmetic."""
    base = {"position": position, "per_week": history.per_week, "placements": history.placements}
    if position is None:
        return WaitEstimate(Status.NOT_WAITING, as_of=history.last_day, **base)
    if history.thin:
        return WaitEstimate(Status.THIN, as_of=history.last_day, **base)
    # Day x of the future repeats day x - 365 of the history; days already gone since the protocol
    # are skipped (the position is today's).
    start = max(history.last_day + dt.timedelta(days=1), today)
    curve = _projection(history, (start - history.last_day).days - 1)

    def day_reaching(z: float) -> dt.date | None:
        step = bisect.bisect_left(curve, _needed(position, z) - 1e-9)
        return start + dt.timedelta(days=step) if step < len(curve) else None

    expected = day_reaching(0.0)
    if expected is None:
        return WaitEstimate(Status.BEYOND, as_of=history.last_day, **base)
    return WaitEstimate(
        Status.ESTIMATED,
        as_of=history.last_day,
        expected=expected,
        low=day_reaching(Z_80),
        high=day_reaching(-Z_80),
        **base,
    )


# -- Reading the protocols ----------------------------------------------------------------------------

MarketKey = tuple[int, str, str]  # (cohort, language, group type) inside one city


def net_placements_by_day(
    *, city: City, until: dt.datetime, since: dt.datetime | None = None
) -> dict[MarketKey, dict[dt.date, int]]:
    """Net placements per market and local day, from the entries of protocols published by `until`."""
    entries = ProtocolEntry.objects.filter(
        protocol__city=city, protocol__cutoff__lte=until, kind__in=[*PLACED, *UNPLACED]
    )
    if since is not None:
        entries = entries.filter(at__gt=since)
    rows = (
        entries.annotate(
            cohort=KT("payload__cohort"),
            language=KT("payload__language"),
            group_type=KT("payload__group_type"),
            day=TruncDate("at", tzinfo=clock.ASTANA),
        )
        .values("cohort", "language", "group_type", "day", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[MarketKey, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        sign = 1 if row["kind"] in PLACED else -1
        counts[(int(row["cohort"]), row["language"], row["group_type"])][row["day"]] += sign * row["n"]
    return counts


def market_history_build(*, counts: dict[dt.date, int], last_day: dt.date, first_day: dt.date | None) -> MarketHistory:
    start = last_day - dt.timedelta(days=YEAR - 1)
    daily = tuple(counts.get(start + dt.timedelta(days=i), 0) for i in range(YEAR))
    return MarketHistory(last_day=last_day, daily=daily, complete=first_day is not None and first_day <= start)


def _last_protocol(city: City, at: dt.datetime) -> Protocol | None:
    return Protocol.objects.filter(city=city, cutoff__lte=at).order_by("-cutoff").first()


def _first_day(city: City) -> dt.date | None:
    return Protocol.objects.filter(city=city).order_by("cutoff").values_list("day", flat=True).first()


def _cache_key(city_id: int, cutoff: dt.datetime, key: MarketKey) -> str:
    return f"wait:{city_id}:{int(cutoff.timestamp())}:{key[0]}:{key[1]}:{key[2]}"


def wait_histories_refresh(*, city: City, at: dt.datetime | None = None) -> int:
    """Compute every market's history at the city's last protocol and keep it in the cache.

    The 18:00 job calls this after the protocol; a page that finds nothing cached computes it too."""
    protocol = _last_protocol(city, at or clock.now())
    if protocol is None:
        return 0
    return len(_histories_store(city, protocol))


def _histories_store(city: City, protocol: Protocol) -> dict[MarketKey, MarketHistory]:
    since = protocol.cutoff - dt.timedelta(days=YEAR + 1)
    by_market = net_placements_by_day(city=city, until=protocol.cutoff, since=since)
    first_day = _first_day(city)
    histories = {
        key: market_history_build(counts=counts, last_day=protocol.day, first_day=first_day)
        for key, counts in by_market.items()
    }
    empty = market_history_build(counts={}, last_day=protocol.day, first_day=first_day)
    cache.set_many({_cache_key(city.pk, protocol.cutoff, key): h for key, h in histories.items()}, CACHE_SECONDS)
    # One marker per city and protocol: a market with no placements at all is then known to be empty.
    cache.set(f"wait:{city.pk}:{int(protocol.cutoff.timestamp())}:done", empty, CACHE_SECONDS)
    return histories


def market_history(*, market: Market, city: City, at: dt.datetime | None = None) -> MarketHistory | None:
    """The market's history at the last protocol published by `at` (None: no protocol yet)."""
    protocol = _last_protocol(city, at or clock.now())
    if protocol is None:
        return None
    key = (market.cohort, market.language, market.group_type)
    found = cache.get_many(
        [_cache_key(city.pk, protocol.cutoff, key), f"wait:{city.pk}:{int(protocol.cutoff.timestamp())}:done"]
    )
    history = found.get(_cache_key(city.pk, protocol.cutoff, key))
    if history is not None:
        return history
    empty = found.get(f"wait:{city.pk}:{int(protocol.cutoff.timestamp())}:done")
    if empty is not None:
        return empty
    histories = _histories_store(city, protocol)
    return histories.get(key) or market_history_build(counts={}, last_day=protocol.day, first_day=_first_day(city))


def wait_estimate(*, application, position: int | None, at: dt.datetime | None = None) -> WaitEstimate | None:
    """The estimate shown in the cabinet and the API; None before the city's first protocol."""
    at = at or clock.now()
    history = market_history(market=Market.of(application), city=application.city, at=at)
    if history is None:
        return None
    return wait_estimate_compute(history=history, position=position, today=clock.local_date(at))
