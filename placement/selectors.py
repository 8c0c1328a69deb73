"""Reads about applications and the queue."""

from indigo import clock
from placement.models import PrivilegeCategoryChange
from placement.queue.eligibility import may_claim, priority_turn
from vacancies.access import Stage
from vacancies.models import City
from vacancies.selectors import seats_open_in_market


def privilege_category_log(*, city: City | None, limit: int = 50) -> list[PrivilegeCategoryChange]:
    """The public log of privilege categories taken out of the queue (R-Q-2), newest first."""
    if city is None:
        return []
    return list(
        PrivilegeCategoryChange.objects.filter(city=city).select_related("category").order_by("-at", "-pk")[:limit]
    )


def claimable_seats(*, application, by=None, at=None, limit: int = 100) -> list:
    """Seats this child may claim now, with their stage (R-S-6, placement/queue/eligibility.py):
    general access for any eligible child, priority access only when the child's turn has come.
    Empty when the application cannot claim at all, or `by` may not claim for it."""
    at = at or clock.now()
    if not may_claim(application=application, at=at, by=by):
        return []
    seats = seats_open_in_market(
        city_id=application.city_id,
        cohort=application.cohort,
        language=application.language,
        group_type=application.group_type,
        at=at,
    ).order_by("general_from", "group__kindergarten__number", "pk")
    turn = None
    result = []
    for seat in seats[: limit * 2]:
        if seat.stage_at(at) == Stage.PRIORITY:
            turn = turn or priority_turn(application=application, at=at)
        verdict = may_claim(application=application, at=at, seat=seat, turn=turn, referral_held=False)
        if verdict:
            result.append((seat, verdict.stage))
        if len(result) >= limit:
            break
    return result
