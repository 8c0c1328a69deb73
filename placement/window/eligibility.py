"""The window's one door to R-S-6 and R-Q-2: who may bid, and the ranking at the close.

Every question the window asks of the queue goes through these functions, so that when the queue's
rules move to one module (placement/eligibility.py) only this file changes.
"""

import datetime as dt

from placement.models import Application, Referral
from placement.queue import Market, Scope, priority_seats, priority_turn, queue_ordered
from placement.services.claims import _check_application, _check_turn
from vacancies.models import City


def application_check(application: Application, at: dt.datetime) -> None:
    """R-S-6 without the turn: in the queue, not stop-listed, no active referral; raises the claim's
    own ServiceError (its code and message) when the child may not take a seat now."""
    holds = Referral.objects.filter(child_id=application.child_id, state=Referral.State.ISSUED).exists()
    _check_application(application.state, application.stop_listed_until, holds, at)


def turn_check(application: Application, at: dt.datetime) -> int | None:
    """R-S-6 in priority access: the child's turn has come (raises the claim's "not your turn")."""
    return _check_turn(priority_turn(application=application, at=at))


def eligible_ranks(*, market: Market, city: City, at: dt.datetime) -> dict[int, int]:
    """R-Q-2 as of `at`: application id → rank among the market's children who may claim then
    (waiting, not stop-listed, not blocked). A child absent from it may not take a seat."""
    rows = queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=at)
    return {pk: position for pk, _tier, position in rows}


def priority_allowed(*, market: Market, city: City, at: dt.datetime) -> int:
    """R-S-6: how many of the ranked children are in turn in priority access at `at` (the seats then
    in priority access times the pool factor)."""
    probe = Application(city=city, cohort=market.cohort, language=market.language, group_type=market.group_type)
    return priority_seats(application=probe, at=at)
