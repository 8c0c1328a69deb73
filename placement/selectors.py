"""Reads about applications and the queue."""

from accounts.models import RepresentativeLink
from indigo import clock
from placement.models import Application, Child, PrivilegeCategoryChange, Referral
from placement.queue import priority_turn
from vacancies.access import stage_at
from vacancies.models import City, Seat


def privilege_category_log(*, city: City | None, limit: int = 50) -> list[PrivilegeCategoryChange]:
    """The public log of privilege categories taken out of the queue (R-Q-2), newest first."""
    if city is None:
        return []
    return list(
        PrivilegeCategoryChange.objects.filter(city=city).select_related("category").order_by("-at", "-pk")[:limit]
    )


def child_ids_of(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        RepresentativeLink.objects.filter(user=user, state=RepresentativeLink.State.VERIFIED).values_list(
            "child_id", flat=True
        )
    )


def children_of(user) -> list:
    """The children a user is the verified legal representative of, with their applications."""
    return list(
        Child.objects.filter(
            representative_links__user=user, representative_links__state=RepresentativeLink.State.VERIFIED
        )
        .prefetch_related("applications__city", "applications__privileges__category")
        .order_by("birth_date", "pk")
        .distinct()
    )


def claimable_seats(*, application, at=None, limit: int = 100) -> list:
    """Seats this child may claim now (R-S-6): general access for any eligible child, priority access
    only when the child's turn has come. Empty when the application cannot claim at all."""
    at = at or clock.now()
    if application.state != Application.State.ACTIVE:
        return []
    if application.stop_listed_until and application.stop_listed_until > at:
        return []
    if application.city.in_august_pause(clock.local_date(at)):
        return []
    if Referral.objects.filter(child_id=application.child_id, state=Referral.State.ISSUED).exists():
        return []
    seats = (
        Seat.objects.filter(
            state=Seat.State.OPEN,
            group__kindergarten__city_id=application.city_id,
            group__cohort=application.cohort,
            group__language=application.language,
            group__group_type=application.group_type,
            priority_from__lte=at,
        )
        .select_related("group__kindergarten__district")
        .order_by("general_from", "group__kindergarten__number", "pk")
    )
    turn = None
    result = []
    for seat in seats[: limit * 2]:
        stage = stage_at(seat, at)
        if stage == "priority":
            turn = turn or priority_turn(application=application, at=at)
            if not turn.has_come:
                continue
        result.append((seat, stage))
        if len(result) >= limit:
            break
    return result
