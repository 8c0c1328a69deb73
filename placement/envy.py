"""Justified envy: how often a child was passed over for a lower-ranked child on a seat both could take.

A city compares its first-come days with its window days (R-W) by this one count, per local day and
market (city, cohort, language, group type). The definitions, also in docs/rules.md:

**Window days (R-W-4).** The preferences are the bid lists. Child A envies child B of the same window
when A ranks above B at the close (the rank the allocation used), B was given a seat in group g, A
listed g above the group A was given (or A was given nothing), and at A's turn g still had a seat
for A: the seats of g taken by bidders ranked above A leave at least as many as A needs (one, or two
for twins bidding together). Serial dictatorship makes this 0; anything else is a wrong allocation.

**First-come days.** Nobody states a ranked list, so the evidence that exists stands in for one:
- the order: the market's eligible queue (R-Q-2, R-S-6) just before the day's first claim in that
  market, taken as the queue just before the market's first claim in the period less the children
  that left it with a referral since, interleaved again (one ranking per market, not per day;
  privileges granted or lost, stop-lists and applications filed within the period are not followed).
  A child not in it ranks below everyone in it;
- what A wanted: the kindergartens A's application prefers, in the order the parent listed them
  (R-Q-4); and, if A ended the day without a seat, the batch of seats A went back for: A's next
  referral after that day is for a seat of group g published at the same moment as B's seat;
- what A got that day: the referral issued to A on that local day, if any.
A envies B's claim of a seat (kindergarten k, group g) on day D when both are in the market's queue,
A ranks above B, and either k is among A's preferred kindergartens and A ended D with no seat, with a
seat outside its list, or with one further down its list than k; or A ended D without a seat and
later took a seat of the same batch of g. A child without preferences and without such a later
claim shows no evidence and is never counted, so the figure is a lower bound; twins are counted
child by child.

For both modes a day's row counts the seats placed, the seats that went to a child ranked below
one who envied that seat ("seats over a better-ranked child") and the children passed over at least
once. A window's allocation belongs to the local day of its close; claims after the close are
first-come claims of that day.

Queries: one for the referrals (the day's claims and the later claims), one for the preferred
kindergartens, one for the windows' records, and one queue ranking per market that had first-come
claims in the period: never one per day, claim or child (a ranking costs 0.1–0.2 s at Almaty's size).
"""

import bisect
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from indigo import clock
from indigo.choices import GroupType, Language
from placement.models import Application, Referral
from placement.queue import Market, Scope, queue_ordered
from placement.window.models import WindowAllocation
from vacancies.models import City, SeatEvent

LAST = float("inf")
FIRST_COME, WINDOW = "first_come", "window"


@dataclasses.dataclass
class Envy:
    placed: int = 0
    seats_over: int = 0  # seats that went to a child ranked below one who envied them
    passed_over: int = 0  # children passed over at least once

    def add(self, other: "Envy") -> None:
        self.placed += other.placed
        self.seats_over += other.seats_over
        self.passed_over += other.passed_over


def envy_count(claims: Iterable[tuple[float, frozenset]], wants: Iterable[tuple[float, frozenset]]) -> Envy:
    """The counting both modes share.

    `claims`: (rank of the child placed, the keys of its seat), one per seat placed. `wants`: (rank of
    a child, the keys of the seats it would have preferred to what it got), one per child with any.
    A key names something a seat is (its group, its kindergarten, its batch); A envies B's seat when
    A ranks above B and one of the seat's keys is among A's. O((claims + wants) · keys · log).
    """
    claims, wants = list(claims), list(wants)
    lowest_claim: dict = defaultdict(lambda: -LAST)
    for rank, keys in claims:
        for key in keys:
            lowest_claim[key] = max(lowest_claim[key], rank)
    best_want: dict = defaultdict(lambda: LAST)
    for rank, keys in wants:
        for key in keys:
            best_want[key] = min(best_want[key], rank)
    seats_over = sum(1 for rank, keys in claims if any(best_want[key] < rank for key in keys))
    passed_over = sum(1 for rank, keys in wants if any(lowest_claim[key] > rank for key in keys))
    return Envy(placed=len(claims), seats_over=seats_over, passed_over=passed_over)


# --- window days ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Bid:
    """One bid as published (R-W-5): whose, the rank at the close, the groups in order, how many seats."""

    reference: str
    rank: int
    groups: tuple
    children: int = 1


def window_envy(bids: Iterable[Bid], given: dict[str, object], seats: dict[object, int]) -> Envy:
    """Justified envy in one window: `given` maps a bid's reference to its group (None or absent: no
    seat); `seats` the window seats of each group. Works on published data alone."""
    bids = sorted(bids, key=lambda bid: bid.rank)
    taken: dict[object, list[int]] = defaultdict(list)  # group → ranks given a seat there, one per seat
    claims = []
    for bid in bids:
        group = given.get(bid.reference)
        if group is not None:
            taken[group].extend([bid.rank] * bid.children)
            claims.extend((bid.rank, frozenset([group])) for _ in range(bid.children))
    wants = []
    for bid in bids:
        group = given.get(bid.reference)
        above = bid.groups[: bid.groups.index(group)] if group in bid.groups else bid.groups
        # A seat "A could take": at A's turn the group still had enough for A's children.
        could = [g for g in above if seats.get(g, 0) - bisect.bisect_left(taken[g], bid.rank) >= bid.children]
        if could:
            wants.append((bid.rank, frozenset(could)))
    return envy_count(claims, wants)


def record_envy(record: dict) -> Envy:
    """Justified envy of one window from its public record (R-W-5, placement/window/record.py) alone."""
    bids, given, seats = record_parts(record)
    return window_envy(bids, given, seats)


def record_parts(record: dict) -> tuple[list[Bid], dict[str, object], dict[object, int]]:
    """The bids, the result and the seats of a window's public record, as window_envy reads them.

    A family is named by its references joined; one the record shows could not take a seat at the
    close (not eligible, no rank, beyond the priority turn) wanted nothing it could have had, so it
    counts only if it was given a seat (which would itself be an error the recomputation names)."""
    limit = record.get("turn_limit")
    bids, given = [], {}
    for row in record["bids"]:
        family = ",".join(row["applications"])
        could = row["eligible"] and row["rank"] is not None and (limit is None or row["rank"] <= limit)
        if row["result"] is not None:
            given[family] = row["result"]
        if could or row["result"] is not None:
            rank = row["rank"] if row["rank"] is not None else LAST
            groups = tuple(row["groups"]) if could else ()
            bids.append(Bid(family, rank, groups, len(row["applications"])))
    return bids, given, {group["id"]: group["seats"] for group in record["groups"]}


def window_days(*, city: City, start: dt.date, end: dt.date) -> dict[tuple[dt.date, Market], Envy]:
    """Justified envy of the windows that closed from `start` to `end`, by the local day of the close.
    One query: the allocations with their public records."""
    since = clock.at_local(start, dt.time(0, 0))
    until = clock.at_local(end + dt.timedelta(days=1), dt.time(0, 0))
    days: dict[tuple[dt.date, Market], Envy] = {}
    allocations = WindowAllocation.objects.filter(
        window__city=city, window__closes_at__gte=since, window__closes_at__lt=until
    ).select_related("window")
    for allocation in allocations:
        window = allocation.window
        key = (clock.local_date(window.closes_at), Market(city.pk, window.cohort, window.language, window.group_type))
        days.setdefault(key, Envy()).add(record_envy(allocation.record))
    return days


# --- first-come days --------------------------------------------------------------------------------


def _market(row: dict) -> Market:
    group = (row["seat__group__cohort"], row["seat__group__language"], row["seat__group__group_type"])
    return Market(row["application__city_id"], *group)


def _referrals(city: City, since: dt.datetime) -> list[dict]:
    # A window's allocation marks the claim event of each seat it gave (placement/services/claims.py).
    allocated = SeatEvent.objects.filter(
        seat=OuterRef("seat"), kind=SeatEvent.Kind.CLAIMED, at=OuterRef("issued_at"), data__has_key="window"
    )
    rows = (
        Referral.objects.filter(application__city=city, issued_at__gte=since)
        .annotate(allocated=Exists(allocated))
        .values(
            "pk",
            "application_id",
            "issued_at",
            "application__city_id",
            "seat__group_id",
            "seat__group__kindergarten_id",
            "seat__group__cohort",
            "seat__group__language",
            "seat__group__group_type",
            "seat__published_at",
            "allocated",
        )
        .order_by("issued_at", "pk")
    )
    return list(rows)


def _preferences(city: City, cohorts: set[int], since: dt.datetime) -> dict[int, list[int]]:
    """Each application's preferred kindergartens in the order the parent listed them (through-row ids),
    for the applications that can have waited in the period."""
    through = Application.preferred_kindergartens.through
    listed: dict[int, list[int]] = defaultdict(list)
    still = Q(application__state=Application.State.ACTIVE) | Q(application__closed_at__gte=since)
    rows = (
        through.objects.filter(still, application__city=city, application__cohort__in=cohorts)
        .order_by("application_id", "pk")
        .values_list("application_id", "kindergarten_id")
    )
    for application, kindergarten in rows:
        listed[application].append(kindergarten)
    return listed


def first_come_envy(*, city: City, start: dt.date, end: dt.date) -> dict[tuple[dt.date, Market], Envy]:
    """Justified envy of each (local day, market) from `start` to `end` with first-come claims (the
    seats a window's allocation gave are not among them)."""
    since = clock.at_local(start, dt.time(0, 0))
    until = clock.at_local(end + dt.timedelta(days=1), dt.time(0, 0))
    referrals = _referrals(city, since)
    by_day: dict[tuple[dt.date, Market], list[dict]] = defaultdict(list)
    # Each child's first-come referrals after `since` in time order: what it got on a day, and where it
    # went next; and when each child left the queue with any referral, a window's included.
    of_child: dict[int, list[dict]] = defaultdict(list)
    left_at: dict[int, dt.datetime] = {}
    for row in referrals:
        left_at.setdefault(row["application_id"], row["issued_at"])
        if row["allocated"]:
            continue
        row["day"] = clock.local_date(row["issued_at"])
        of_child[row["application_id"]].append(row)
        if row["issued_at"] < until:
            by_day[row["day"], _market(row)].append(row)
    if not by_day:
        return {}
    preferred = _preferences(city, {market.cohort for _, market in by_day}, since)
    result = {}
    orders: dict[Market, tuple[dt.datetime, list]] = {}
    for (day, market), claims in sorted(by_day.items(), key=lambda item: (item[0][0], item[0][1].cohort)):
        before_first = claims[0]["issued_at"] - dt.timedelta(microseconds=1)
        if market not in orders:
            # One ranking per market: the queue just before its first claim in the period (R-Q-2, R-S-6).
            orders[market] = (
                before_first,
                queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=before_first),
            )
        ranked_at, order = orders[market]
        gone = {pk for pk, moment in left_at.items() if ranked_at < moment <= before_first}
        rank = _reorder(order, gone, city.interleave_privileged, city.interleave_general)
        result[day, market] = _day_envy(day, claims, rank, preferred, of_child)
    return result


def _reorder(order: list[tuple[int, int, int]], gone: set[int], p: int, g: int) -> dict[int, int]:
    """A market's ranking less the children that left it since, in R-Q-2 order again.

    placement/queue/order.py's interleave on the rows that remain: inside a tier the rows keep their
    order (filing time, then id); the k-th first-priority child takes cycle (k-1) div p, slot (k-1) mod p, the
    k-th general one cycle (k-1) div g, slot p + (k-1) mod g, after every extraordinary child."""
    tiers: tuple[list[int], list[int], list[int]] = ([], [], [])
    for application, tier, _position in order:
        tiers[tier].append(application)
    extraordinary, first, general = ([pk for pk in tier if pk not in gone] for tier in tiers)
    out = extraordinary
    for cycle in range(max(-(-len(first) // p), -(-len(general) // g))):
        out += first[cycle * p : (cycle + 1) * p]
        out += general[cycle * g : (cycle + 1) * g]
    return dict(zip(out, range(1, len(out) + 1), strict=True))


def _batch(row: dict) -> tuple:
    return ("batch", row["seat__group_id"], row["seat__published_at"])


def _day_envy(day, claims, rank, preferred, of_child) -> Envy:
    seat_keys = [
        (rank.get(row["application_id"], LAST), frozenset([("k", row["seat__group__kindergarten_id"]), _batch(row)]))
        for row in claims
    ]
    # Only a child ranked above the day's lowest-ranked claimer can have been passed over.
    lowest = max(position for position, _keys in seat_keys)
    wants = []
    for application, position in rank.items():
        if position >= lowest:
            continue
        listed = preferred.get(application, ())
        mine = of_child.get(application)
        if not listed and not mine:
            continue
        got = next((row for row in mine if row["day"] == day), None) if mine else None
        if got is None:
            keys = {("k", kindergarten) for kindergarten in listed}
            later = next((row for row in mine if row["day"] > day), None) if mine else None
            if later is not None:
                keys.add(_batch(later))
        else:
            where = got["seat__group__kindergarten_id"]
            better = listed[: listed.index(where)] if where in listed else listed
            keys = {("k", kindergarten) for kindergarten in better}
        if keys:
            wants.append((position, frozenset(keys)))
    return envy_count(seat_keys, wants)


# --- the report's rows ------------------------------------------------------------------------------


@dataclasses.dataclass
class EnvyDay:
    """One local day of one market, both modes side by side (None: no seat placed in that mode)."""

    day: dt.date
    market: Market
    first_come: Envy | None = None
    window: Envy | None = None

    @property
    def modes(self) -> tuple[Envy | None, Envy | None]:
        return self.first_come, self.window

    @property
    def language_label(self) -> str:
        return str(Language(self.market.language).label)

    @property
    def group_type_label(self) -> str:
        group_type = self.market.group_type
        return str(GroupType(group_type).label) if group_type in GroupType.values else group_type


def envy_by_day(*, city: City, start: dt.date, end: dt.date) -> list[EnvyDay]:
    """Justified envy per local day and market from `start` to `end`, first-come and window side by side."""
    windows = window_days(city=city, start=start, end=end)
    first = first_come_envy(city=city, start=start, end=end)
    rows = {key: EnvyDay(*key, first_come=envy) for key, envy in first.items()}
    for key, envy in windows.items():
        rows.setdefault(key, EnvyDay(*key)).window = envy
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], k[1].cohort, k[1].language, k[1].group_type))]
