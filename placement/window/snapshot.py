"""What a bid is judged against (R-W-3), read once per window instead of once per bid.

In a window's first minute every family of the market bids, and each bid asks the same two questions:
which windows are open with which groups and seats, and (in priority access) whether the child's turn
has come. Neither answer is a decision: the allocation counts the seats and judges every turn again,
exactly, at the close (R-W-4). So both are read once and kept:

- the market's open windows, their row ids and each group's window seats, in the shared cache for
  WINDOW_SNAPSHOT_S seconds, and in each process for the same slot (an empty answer is never kept: a
  window opening, or its seats being stamped a moment late by the 18:00 job, is seen by the next bid);
- a priority window's ranking (the market's eligible children in R-Q-2 order) and its turn limit, per
  process for WINDOW_TURN_SNAPSHOT_S seconds. During a window no seat of it is claimed, so the turn
  limit does not move and the ranking moves only when a child leaves the queue or is stop-listed: the
  snapshot is the market as placement/queue/eligibility.py defines it, at most that old.
"""

import dataclasses
import datetime as dt
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from placement.models import Application
from placement.queue import Market
from placement.queue.eligibility import Turn, priority_seat_count, ranked_eligible
from placement.window.models import ClaimWindow
from vacancies.models import Seat
from vacancies.selectors import seats_open_in_market


@dataclasses.dataclass(frozen=True)
class OpenWindow:
    """One open window of a market as a bid needs it: its row, its moments and each group's seats."""

    window_id: int
    stage: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    key: str
    seats: dict[int, int]

    def seats_of(self, group_id: int) -> int:
        return self.seats.get(group_id, 0)

    def is_open(self, moment: dt.datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


_TIMES = ("priority_from", "priority_window_until", "general_from", "general_window_until")


def window_seat_counts(*, market: Market, at: dt.datetime, group_ids: list[int] | None = None) -> Counter:
    """(window, group id) → the group's seats in that window, for the market's windows open at `at`;
    a window is (stage, opens_at, closes_at). One grouped count, whatever the number of seats."""
    seats = seats_open_in_market(
        city_id=market.city_id, cohort=market.cohort, language=market.language, group_type=market.group_type, at=at
    ).filter(
        Q(priority_window_until__gt=at, general_from__gt=at) | Q(general_window_until__gt=at, general_from__lte=at)
    )
    if group_ids is not None:
        seats = seats.filter(group_id__in=group_ids)
    rows = seats.values("group_id", *_TIMES).annotate(seats=Count("id"))
    counts: Counter = Counter()
    for row in rows:
        seat = Seat(state=Seat.State.OPEN, **{key: row[key] for key in _TIMES})
        window = seat.window_at(at)
        if window is not None:
            counts[(window, row["group_id"])] += row["seats"]
    return counts


def _cache_key(market: Market, at: dt.datetime, seconds: int) -> str:
    # The moment's slot is in the key: every slot starts afresh at a whole multiple of the period, so a
    # window opening at 18:00:00 never meets a slot read before it.
    slot = int(at.timestamp()) // seconds
    return f"window-open:v1:{market.city_id}:{market.cohort}:{market.language}:{market.group_type}:{slot}"


# The shared cache's answer for a slot, kept by the process for that slot too: the same answer, without
# a cache round trip for every bid (it is what a bid would read there). Only the current slots are kept.
_slots: dict[str, list[OpenWindow]] = {}


def open_windows(*, market: Market, at: dt.datetime) -> list[OpenWindow]:
    """The market's windows open at `at`, soonest close first, from the process's or the shared cache
    when they have them."""
    seconds = settings.WINDOW_SNAPSHOT_S
    key = _cache_key(market, at, seconds) if seconds > 0 else None
    windows = _slots.get(key) if key else None
    if windows is None and key:
        windows = cache.get(key)
    if windows is None:
        windows = _read(market, at)
        if key and windows:
            cache.set(key, windows, seconds)
    if key and windows and key not in _slots:
        slot = key.rsplit(":", 1)[1]
        for old in list(_slots):  # list() copies the keys at once: other threads may add meanwhile
            if old.rsplit(":", 1)[1] != slot:
                _slots.pop(old, None)
        _slots[key] = windows
    return [window for window in windows if window.is_open(at)]


def _read(market: Market, at: dt.datetime) -> list[OpenWindow]:
    by_window: dict[tuple, dict[int, int]] = {}
    for (window, group_id), seats in window_seat_counts(market=market, at=at).items():
        by_window.setdefault(window, {})[group_id] = seats
    windows = []
    for (stage, opens_at, closes_at), seats in by_window.items():
        row = window_row(market=market, stage=stage, opens_at=opens_at, closes_at=closes_at)
        windows.append(OpenWindow(row.pk, stage, opens_at, closes_at, row.key, seats))
    return sorted(windows, key=lambda w: (w.closes_at, w.stage != ClaimWindow.Stage.PRIORITY, w.opens_at))


def window_row(*, market: Market, stage: str, opens_at: dt.datetime, closes_at: dt.datetime) -> ClaimWindow:
    """The window's row, made by the first bid (or the close, whichever comes first)."""
    fields = {
        "city_id": market.city_id,
        "cohort": market.cohort,
        "language": market.language,
        "group_type": market.group_type,
        "stage": stage,
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    try:
        with transaction.atomic():
            return ClaimWindow.objects.get_or_create(**fields)[0]
    except IntegrityError:
        # Another parent's first bid made it meanwhile.
        return ClaimWindow.objects.get(**fields)


@dataclasses.dataclass(frozen=True)
class _Turns:
    taken: float  # time.monotonic() when read
    at: dt.datetime  # the moment it describes
    ranks: dict[int, int]
    allowed: int


_turns: dict[int, _Turns] = {}
_reading: dict[int, threading.Lock] = {}
_guard = threading.Lock()


def window_turn(*, window: OpenWindow, application: Application, at: dt.datetime) -> Turn:
    """R-S-6 in a priority window: the child's rank among the market's eligible children against the
    turn limit, from the window's snapshot (exact when WINDOW_TURN_SNAPSHOT_S is 0)."""
    max_age = settings.WINDOW_TURN_SNAPSHOT_S
    snapshot = _turns.get(window.window_id)
    if snapshot is None or not _fresh(snapshot, at, max_age):
        with _guard:
            lock = _reading.setdefault(window.window_id, threading.Lock())
        # One thread of the process reads the market; the others wait for its ranking, not a second read.
        with lock:
            snapshot = _turns.get(window.window_id)
            if snapshot is None or not _fresh(snapshot, at, max_age):
                snapshot = _read_turns(application, at)
                if max_age > 0:
                    _turns[window.window_id] = snapshot
    return Turn(rank=snapshot.ranks.get(application.pk), allowed=snapshot.allowed)


def _fresh(snapshot: _Turns, at: dt.datetime, max_age: float) -> bool:
    return time.monotonic() - snapshot.taken <= max_age and abs((at - snapshot.at).total_seconds()) <= max_age


def _read_turns(application: Application, at: dt.datetime) -> _Turns:
    taken = time.monotonic()
    market = Market.of(application)
    allowed = priority_seat_count(market, at=at, city=application.city)
    ranks = dict(ranked_eligible(market, at=at, city=application.city))
    return _Turns(taken=taken, at=at, ranks=ranks, allowed=allowed)


def window_snapshots_clear() -> None:
    _turns.clear()
    _slots.clear()
