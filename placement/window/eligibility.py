"""The window's one door to R-S-6 and R-Q-2: who may bid, and the ranking at the close.

Every question the window asks of the queue goes through these functions, each a thin call to the
one definition in placement/queue/eligibility.py.
"""

import datetime as dt

from placement.models import Application
from placement.queue import eligibility
from placement.queue.order import Market
from placement.queue.turns import turn_snapshot
from placement.window.snapshot import OpenWindow, window_turn
from vacancies.models import City


def application_check(application: Application, at: dt.datetime) -> None:
    """R-S-6 without the turn: in the queue, not stop-listed, no active referral; raises the claim's
    own ServiceError (its code and message) when the child may not take a seat now. An application
    read by claim_applications carries `holds_referral` already."""
    holds = getattr(application, "holds_referral", None)
    if holds is None:
        holds = eligibility.holds_referral(application)
    eligibility.application_check(application.state, application.stop_listed_until, holds, at)


def turn_check(application: Application, at: dt.datetime, window: OpenWindow | None = None) -> int | None:
    """R-S-6 in priority access: the child's turn has come (raises the claim's "not your turn").

    From the window's snapshot (placement/window/snapshot.py) when the open window is given, else from
    the market's snapshot of at most a moment ago when snapshots are on (placement/queue/turns.py): a
    bid decides nothing, and the allocation judges the turn again, exactly, at the close."""
    if window is not None:
        turn = window_turn(window=window, application=application, at=at)
    else:
        turn = turn_snapshot(application=application, at=at) or eligibility.priority_turn(
            application=application, at=at
        )
    return eligibility.turn_check(turn)


def eligible_ranks(*, market: Market, city: City, at: dt.datetime) -> dict[int, int]:
    """R-Q-2 as of `at`: application id → rank among the market's children who may claim then
    (waiting, not stop-listed, not blocked). A child absent from it may not take a seat."""
    return dict(eligibility.ranked_eligible(market, at=at, city=city))


def priority_allowed(*, market: Market, city: City, at: dt.datetime) -> int:
    """R-S-6: how many of the ranked children are in turn in priority access at `at` (the seats then
    in priority access times the pool factor)."""
    return eligibility.priority_seat_count(market, at=at, city=city)
