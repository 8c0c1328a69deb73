"""Refusing "not your turn" quickly (R-S-6) when a market in priority access is rushed.

Every claim in priority access needs the child's rank among the eligible children of its market,
one pass over the market (30–50 ms at city scale, eligibility.priority_turn); in a rush most
of those claims are refusals. So each process keeps, per market, the whole eligible ranking and the
seats in priority access as they were at most TURN_SNAPSHOT_MS ago, and refuses from it. Only a
refusal is decided from the snapshot: a claim it lets through is checked exactly under the lock
(placement.services.claims), so no referral is ever issued out of turn. What staleness can do is
refuse a child that came into turn within that last moment (someone ahead withdrew); the parent
tries again a second later.
"""

import dataclasses
import datetime as dt
import threading
import time

from django.conf import settings

from placement.models import Application
from placement.queue.eligibility import Turn, priority_seat_count, ranked_eligible
from placement.queue.order import Market


@dataclasses.dataclass(frozen=True)
class _Snapshot:
    taken: float  # time.monotonic() when it was read
    at: dt.datetime  # the moment it describes
    ranks: dict[int, int]  # application id → rank among the eligible
    allowed: int

    def fresh(self, at: dt.datetime, max_age: float) -> bool:
        return time.monotonic() - self.taken <= max_age and abs((at - self.at).total_seconds()) <= max_age


_snapshots: dict[Market, _Snapshot] = {}
_guard = threading.Lock()
_reading: dict[Market, threading.Lock] = {}


def _read(application: Application, market: Market, at: dt.datetime) -> _Snapshot:
    taken = time.monotonic()
    # The seats first, then the ranking: claims committing in between lower both, and read in this
    # order a child can only look further ahead than it is, never behind (read the other way round,
    # the last children in turn were refused in the priority rush: docs/performance.md).
    allowed = priority_seat_count(market, at=at, city=application.city)
    ranks = dict(ranked_eligible(market, at=at, city=application.city))
    return _Snapshot(taken=taken, at=at, ranks=ranks, allowed=allowed)


def turn_snapshot(*, application: Application, at: dt.datetime) -> Turn | None:
    """The child's turn as of at most TURN_SNAPSHOT_MS ago; None when snapshots are off."""
    max_age = settings.TURN_SNAPSHOT_MS / 1000
    if max_age <= 0:
        return None
    market = Market.of(application)
    snapshot = _snapshots.get(market)
    if snapshot is None or not snapshot.fresh(at, max_age):
        with _guard:
            lock = _reading.setdefault(market, threading.Lock())
        # One thread of the process reads the market; the others wait for its snapshot, not a second read.
        with lock:
            snapshot = _snapshots.get(market)
            if snapshot is None or not snapshot.fresh(at, max_age):
                snapshot = _snapshots[market] = _read(application, market, at)
    return Turn(rank=snapshot.ranks.get(application.pk), allowed=snapshot.allowed)


def turn_snapshots_clear() -> None:
    _snapshots.clear()
