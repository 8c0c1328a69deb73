"""The allocation at a claim window's close (R-W-4): serial dictatorship in queue order, exactly once.

One run per window, whatever runs twice, at once, crashes half-way or runs late (R-P-2's discipline):
the window row is locked, a run that finds its WindowAllocation returns it, and the referrals, the seat
changes, the run row and the protocol notice are written in one durable transaction, so a crash leaves
all of it or none. The claim's own code issues the referrals (placement/services/claims.py: the locks
in the same order, the constraints behind them, the notification after commit).

The ranking is the queue as of the close (R-Q-2), among the children who may claim then (R-S-6); in
priority access only those within the turn limit at the close. Each child (twins: the family, at the
better twin's rank) gets a seat in the first group of its list that still has one (twins: two).
"""

import dataclasses
import datetime as dt
import functools
import json
import logging
from collections import defaultdict
from typing import NamedTuple

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo import clock
from indigo.errors import Busy
from placement.models import Application
from placement.queue import Market
from placement.services.claim_reads import applications_with_child
from placement.services.claims import _lock_applications, _lock_seats, _market_locks, referrals_issue
from placement.window.eligibility import eligible_ranks, priority_allowed
from placement.window.models import WINDOW_LOCK, Bid, ClaimWindow, WindowAllocation
from placement.window.record import FORMAT, NOTICE_KIND, last_ranks
from vacancies.locking import protocol_write_begin, protocol_writers_drain
from vacancies.models import City, ProtocolNotice, Seat

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Bidder:
    """A child of a family's bid, as the allocation needs it: its application's id and reference. The
    applications of the families placed are read in full once the allocation has decided."""

    pk: int
    reference: str


@dataclasses.dataclass
class Family:
    applications: list[Bidder]
    groups: list[int]
    by_id: int | None
    rank: int | None = None
    eligible: bool = False
    result: int | None = None

    @functools.cached_property
    def references(self) -> list[str]:
        return sorted(application.reference for application in self.applications)


def serial_dictatorship(families: list[Family], seats: dict[int, int], turn_limit: int | None) -> None:
    """R-W-4: set each family's result; best rank first, each takes its highest listed group with room."""
    left = dict(seats)
    for family in sorted(families, key=lambda f: (f.rank is None, f.rank or 0, f.references)):
        if not family.eligible or family.rank is None or (turn_limit is not None and family.rank > turn_limit):
            continue
        need = len(family.applications)
        for group_id in family.groups:
            if left.get(group_id, 0) >= need:
                left[group_id] -= need
                family.result = group_id
                break


def _window_seats(window: ClaimWindow):
    stage_fields = (
        {"priority_from": window.opens_at, "priority_window_until": window.closes_at}
        if window.stage == ClaimWindow.Stage.PRIORITY
        else {"general_from": window.opens_at, "general_window_until": window.closes_at}
    )
    return Seat.objects.filter(
        state=Seat.State.OPEN,
        group__kindergarten__city_id=window.city_id,
        group__cohort=window.cohort,
        group__language=window.language,
        group__group_type=window.group_type,
        **stage_fields,
    )


def _families(window: ClaimWindow) -> list[Family]:
    # Plain values: 20,000 bids read as model rows with their application, child, city and parent cost
    # seconds of Python (docs/performance.md), and only the families placed need more.
    by_batch: dict = defaultdict(list)
    if connection.vendor == "postgresql":
        # Written out: the ORM's converters (a UUID and a JSON decode per row) were a second of 20,000.
        with connection.cursor() as cursor:
            cursor.execute(_BIDS_SQL, [window.pk])
            rows = [(batch, pk, ref, json.loads(groups), by) for batch, pk, ref, groups, by in cursor.fetchall()]
    else:
        rows = (
            Bid.objects.filter(window=window)
            .values_list("batch", "application_id", "application__reference", "groups", "placed_by_id")
            .order_by("pk")
        )
    for batch, application_id, reference, groups, by_id in rows:
        by_batch[batch].append((Bidder(application_id, reference), groups, by_id))
    return [
        Family(applications=[bidder for bidder, _g, _b in bids], groups=list(bids[0][1]), by_id=bids[0][2])
        for bids in by_batch.values()
    ]


# The list as text, decoded here (Django leaves psycopg2's jsonb undecoded); the batch as text too: it
# only groups twins.
_BIDS_SQL = """
SELECT b.batch::text, b.application_id, a.reference, b.groups::text, b.placed_by_id
FROM placement_bid b JOIN placement_application a ON a.id = b.application_id
WHERE b.window_id = %s ORDER BY b.id
"""


def _placed_applications(families: list[Family], city: City) -> dict[int, Application]:
    """The placed families' applications in full, with their child, for the referrals: one statement."""
    ids = [bidder.pk for family in families if family.result is not None for bidder in family.applications]
    applications = applications_with_child(ids)
    for application in applications.values():
        application.city = city
    return applications


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _record(window: ClaimWindow, groups: dict, seats: dict[int, int], families, turn_limit) -> dict:
    record = {
        "format": FORMAT,
        "window": window.key,
        "market": {"cohort": window.cohort, "language": window.language, "group_type": window.group_type},
        "stage": window.stage,
        "opens_at": _utc(window.opens_at),
        "closes_at": _utc(window.closes_at),
        "turn_limit": turn_limit,
        "groups": [
            {
                "id": group_id,
                "kindergarten": {
                    "id": groups[group_id].kindergarten_id,
                    "number": groups[group_id].kindergarten.number,
                    "name_kk": groups[group_id].kindergarten.name_kk,
                    "name_ru": groups[group_id].kindergarten.name_ru,
                },
                "group": groups[group_id].name,
                "seats": seats[group_id],
            }
            for group_id in sorted(seats)
        ],
        "bids": [
            {
                "applications": family.references,
                "rank": family.rank,
                "eligible": family.eligible,
                "groups": family.groups,
                "result": family.result,
            }
            for family in sorted(families, key=lambda f: (f.rank is None, f.rank or 0, f.references))
        ],
    }
    record["last_rank"] = {str(group_id): rank for group_id, rank in last_ranks(record).items()}
    return record


class Claimant(NamedTuple):
    """The parent a referral is issued to, as referrals_issue needs it: the id."""

    pk: int


def window_allocate(*, window: ClaimWindow) -> WindowAllocation:
    """Allocate one closed window, or return its allocation if it ran already (R-W-4)."""
    if clock.now() < window.closes_at:
        raise ValueError("a window is allocated only once it has closed")
    existing = WindowAllocation.objects.filter(window=window).first()
    if existing is not None:
        return existing
    # Every withdrawal stamped before the close has committed past this line (vacancies/locking.py); a
    # bid is ordered against the run by the window's lock (bids.py, _lock_window).
    protocol_writers_drain(window.city_id)
    try:
        with transaction.atomic(durable=True):
            return _allocate(window)
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == "55P03":  # lock_not_available: the next beat retries
            raise Busy("busy", _("Many parents are claiming right now. Please try again in a moment.")) from None
        raise


def _lock_window(window: ClaimWindow) -> ClaimWindow:
    """A second run waits here, then finds the first one's allocation. First the window's lock, taken
    alone: the bids in flight, which share it, are waited for, and a later bid waits and is refused
    (bids.py); then the row. Tests switch it off to show what it prevents."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [WINDOW_LOCK, window.pk])
    return ClaimWindow.objects.select_for_update().select_related("city").get(pk=window.pk)


def _allocate(window: ClaimWindow) -> WindowAllocation:
    window = _lock_window(window)
    existing = WindowAllocation.objects.filter(window=window).first()
    if existing is not None:
        return existing
    city: City = window.city
    market = Market(window.city_id, window.cohort, window.language, window.group_type)
    families = _families(window)
    applications = sorted({a.pk: a for f in families for a in f.applications}.values(), key=lambda a: a.pk)
    # The claim's locks, in its order: writer lock and market lock, then the applications, then the seats.
    if applications:
        rows = {row.pk: row for row in _lock_applications([a.pk for a in applications], {market}, city_id=city.pk)}
    else:
        rows = {}
        protocol_write_begin(city.pk)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("".join(_market_locks({market})))
    now = clock.now()
    seat_rows = list(_window_seats(window).select_related("group__kindergarten").order_by("pk"))
    locked = {seat.pk: seat for seat in _lock_seats([seat.pk for seat in seat_rows])} if seat_rows else {}
    seat_rows = [seat for seat in seat_rows if seat.pk in locked and locked[seat.pk].state == Seat.State.OPEN]
    by_group: dict[int, list[Seat]] = defaultdict(list)
    for seat in seat_rows:
        by_group[seat.group_id].append(seat)
    seats = {group_id: len(group_seats) for group_id, group_seats in by_group.items()}
    groups = {group_id: group_seats[0].group for group_id, group_seats in by_group.items()}

    # R-Q-2 and R-S-6 as of the close; and still able to take a seat now (no referral meanwhile).
    ranks = eligible_ranks(market=market, city=city, at=window.closes_at)
    turn_limit = (
        priority_allowed(market=market, city=city, at=window.closes_at)
        if window.stage == ClaimWindow.Stage.PRIORITY
        else None
    )
    for family in families:
        family_ranks = [ranks.get(a.pk) for a in family.applications]
        family.rank = min((rank for rank in family_ranks if rank is not None), default=None)
        family.eligible = all(rank is not None for rank in family_ranks) and all(
            rows[a.pk].state == Application.State.ACTIVE and not rows[a.pk].holds_referral for a in family.applications
        )
    serial_dictatorship(families, seats, turn_limit)

    rank_of = {a.pk: family.rank for family in families for a in family.applications}
    placed = _placed_applications(families, city)
    # Who placed each bid, by id only: a User made for each of 6,000 parents cost a second of Python.
    parents: dict[int | None, Claimant | None] = {None: None}
    claims = []
    for family in families:
        if family.result is None:
            continue
        group_seats = by_group[family.result]
        children = sorted(family.applications, key=lambda a: a.pk)
        pairs = [(group_seats.pop(0), placed[bidder.pk]) for bidder in children]
        pairs.sort(key=lambda pair: pair[0].pk)
        if family.by_id not in parents:
            parents[family.by_id] = Claimant(family.by_id)
        claims.append((pairs, parents[family.by_id]))
    # The claim's own code writes them, in one INSERT of the referrals, one UPDATE of the seats and one
    # INSERT of the events whatever the number of families (the query count stays flat).
    issued = referrals_issue(claims, locked, at=now, serialised={market}, window={"key": window.key, "ranks": rank_of})
    record = _record(window, groups, seats, families, turn_limit)
    allocation = WindowAllocation.objects.create(
        window=window, ran_at=now, bids=len(families), placed=len(issued), record=record
    )
    ProtocolNotice.objects.create(city=city, at=now, kind=NOTICE_KIND, key=window.key, payload=record)
    audit_record(
        actor=None,
        action="window.allocate",
        obj=window,
        city=city,
        data={"window": window.key, "families": len(families), "referrals": [r.number for r in issued]},
    )
    from placement.notifications import referrals_issued_notify, window_unplaced_notify

    if issued:
        transaction.on_commit(lambda: referrals_issued_notify(now))
    unplaced = [a.pk for family in families if family.result is None for a in family.applications]
    if unplaced:
        transaction.on_commit(lambda: window_unplaced_notify(allocation.pk, unplaced))
    return allocation


def windows_due(*, until: dt.datetime) -> list[ClaimWindow]:
    """Every window closed by `until` with no allocation yet, oldest close first; the rows are made
    here for windows nobody bid in, so their seats too become first come (R-W-2)."""
    due = set()
    for stage, opens, closes in (
        (ClaimWindow.Stage.PRIORITY, "priority_from", "priority_window_until"),
        (ClaimWindow.Stage.GENERAL, "general_from", "general_window_until"),
    ):
        rows = (
            Seat.objects.filter(state=Seat.State.OPEN, **{f"{closes}__lte": until})
            .values_list(
                "group__kindergarten__city_id", "group__cohort", "group__language", "group__group_type", opens, closes
            )
            .distinct()
        )
        due |= {(city_id, cohort, language, kind, stage, o, c) for city_id, cohort, language, kind, o, c in rows}
    windows = []
    # Oldest close first; at one close, priority before general (a child placed in one is done).
    due = sorted(due, key=lambda w: (w[6], w[4] != "priority", w[:4]))
    for city_id, cohort, language, group_type, stage, opens_at, closes_at in due:
        fields = {"city_id": city_id, "cohort": cohort, "language": language, "group_type": group_type}
        fields.update(stage=stage, opens_at=opens_at, closes_at=closes_at)
        try:
            with transaction.atomic():
                window = ClaimWindow.objects.get_or_create(**fields)[0]
        except IntegrityError:  # a late bid made it meanwhile
            window = ClaimWindow.objects.get(**fields)
        if not WindowAllocation.objects.filter(window=window).exists():
            windows.append(window)
    return windows


def windows_allocate_due(*, until: dt.datetime | None = None) -> list[WindowAllocation]:
    """Allocate every window due by `until` (default now), each on its own, priority before general."""
    until = until or clock.now()
    done = []
    for window in windows_due(until=until):
        try:
            done.append(window_allocate(window=window))
        except Busy:
            # Its rows are held by a rush of claims: the next minute's run takes it (nothing was written).
            log.warning("Claim window %s busy; left to the next run", window.key)
    return done
