"""Writes on seats: release, withdraw, publish, return, and the record of access moves.

Every change writes a SeatEvent in the same transaction; the protocol is built from them.
Locks follow STYLE.md: the row that becomes less available is locked, in pk order.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.scoping import can_manage_kindergarten
from indigo import clock
from indigo.errors import Conflict, NotAllowed, ServiceError
from indigo.locking import locking_atomic, rows_lock
from vacancies.access import WindowPlanner, window_closes
from vacancies.locking import city_lock, protocol_write_begin
from vacancies.models import City, Group, Seat, SeatEvent
from vacancies.reasons import WithdrawalReason, reason_clean

MAX_RELEASE_AT_ONCE = 200
WITHDRAWABLE = (Seat.State.RELEASED, Seat.State.OPEN)


def _require_manager(by, kindergarten) -> None:
    # by=None is the system itself (jobs, the demo loader); people must manage the kindergarten.
    if by is not None and not can_manage_kindergarten(by, kindergarten):
        raise NotAllowed("not_your_kindergarten", _("You can act only on the kindergartens you work in."))


def group_free_places(*, group: Group) -> int:
    holding = Seat.objects.filter(group=group, state__in=Seat.HOLDING_STATES).count()
    return max(group.capacity - holding, 0)


def seat_release(*, group: Group, count: int, by=None, at: dt.datetime | None = None, request=None) -> list[Seat]:
    """R-S-1: release `count` seats of a group; each is its own row, published by the next protocol."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ServiceError("invalid_count", _("Give the number of seats to release: a whole number from 1."))
    if count > MAX_RELEASE_AT_ONCE:
        raise ServiceError(
            "invalid_count", _("At most %(limit)s seats can be released at once."), limit=MAX_RELEASE_AT_ONCE
        )
    _require_manager(by, group.kindergarten)
    with locking_atomic():
        # Stamped under the city's writer lock, so the protocol of this moment waits for the commit.
        stamped = protocol_write_begin(group.kindergarten.city_id)
        at = at or stamped
        # The group row is the lock: two releases for one group cannot both pass the capacity check.
        [group] = rows_lock(Group.objects.select_related("kindergarten"), [group.pk])
        if not group.is_active:
            raise Conflict("group_inactive", _("This group is closed; seats cannot be released in it."))
        free = group_free_places(group=group)
        if count > free:
            raise Conflict(
                "not_enough_places",
                _("Only %(free)s of the group's %(capacity)s places are free to release."),
                free=free,
                capacity=group.capacity,
            )
        seats = Seat.objects.bulk_create(
            [Seat(group=group, state=Seat.State.RELEASED, released_at=at, released_by=by) for _ in range(count)]
        )
        SeatEvent.objects.bulk_create(
            [SeatEvent(seat=seat, kind=SeatEvent.Kind.RELEASED, at=at, actor=by) for seat in seats]
        )
        audit_record(
            actor=by,
            action="seat.release",
            obj=group,
            city=group.kindergarten.city,
            request=request,
            data={"count": count, "seats": [seat.pk for seat in seats]},
        )
    return seats


def seat_withdraw(
    *, seat: Seat, reason: str, note: str = "", by=None, at: dt.datetime | None = None, request=None
) -> Seat:
    """R-S-5: take back an unclaimed seat, with a reason from the list the protocol shows (R-P-4) and
    an optional note that only staff and the department read."""
    reason, note = reason_clean(reason, note, WithdrawalReason)
    _require_manager(by, seat.group.kindergarten)
    with locking_atomic():
        stamped = protocol_write_begin(seat.group.kindergarten.city_id)
        at = at or stamped
        # Locked like a claim locks it, so a withdrawal and a claim of one seat never both win.
        [locked] = rows_lock(Seat.objects, [seat.pk])
        if locked.state not in WITHDRAWABLE:
            raise Conflict(
                "seat_not_withdrawable",
                _("This seat is %(state)s and can no longer be withdrawn."),
                state=locked.get_state_display(),
            )
        Seat.objects.filter(pk=locked.pk).update(state=Seat.State.WITHDRAWN, withdrawn_at=at, withdraw_reason=reason)
        SeatEvent.objects.create(seat=locked, kind=SeatEvent.Kind.WITHDRAWN, at=at, actor=by, reason=reason, note=note)
        audit_record(
            actor=by,
            action="seat.withdraw",
            obj=locked,
            city=seat.group.kindergarten.city,
            request=request,
            data={"reason": reason, "note": note, "state_before": locked.state},
        )
    locked.refresh_from_db()
    return locked


def seats_publish(*, city: City, cutoff: dt.datetime) -> int:
    """Open every seat released by `cutoff` with the windows of that publication (R-S-2…R-S-4).

    Runs inside the protocol's transaction. Nothing is published during the August pause:
    those seats wait for the first protocol after it.
    """
    if city.in_august_pause(clock.local_date(cutoff)):
        return 0
    seats = list(
        Seat.objects.select_for_update(of=("self",))
        .filter(group__kindergarten__city=city, state=Seat.State.RELEASED, released_at__lte=cutoff)
        .select_related("group")
        .order_by("pk")
    )
    if not seats:
        return 0
    planner = WindowPlanner(city, cutoff)
    events = []
    # Seats sharing a window are opened by one UPDATE: a protocol has a handful of windows, whatever
    # its number of seats (bulk_update grew by a query per 2,000 seats and took seconds of Python).
    by_window: dict = defaultdict(list)
    for seat in seats:
        window = planner.window_for(kindergarten_id=seat.group.kindergarten_id, cohort=seat.group.cohort)
        by_window[window].append(seat.pk)
        data = window.as_data()
        # R-W-1: the city's mode as of this publication goes with the seat; the protocol shows it.
        priority_close, general_close = window_closes(city, window)
        if priority_close:
            data["priority_window_until"] = priority_close.isoformat()
        if general_close:
            data["general_window_until"] = general_close.isoformat()
        events.append(SeatEvent(seat=seat, kind=SeatEvent.Kind.PUBLISHED, at=cutoff, data=data))
    for window, seat_ids in by_window.items():
        priority_close, general_close = window_closes(city, window)
        Seat.objects.filter(pk__in=seat_ids).update(
            state=Seat.State.OPEN,
            published_at=cutoff,
            priority_from=window.priority_from,
            priority_until=window.priority_until,
            general_from=window.general_from,
            priority_window_until=priority_close,
            general_window_until=general_close,
        )
    SeatEvent.objects.bulk_create(events)
    return len(seats)


def access_moves_record(*, city: City, until: dt.datetime) -> int:
    """Write a GENERAL_ACCESS event, dated at its general_from, for each open seat that has reached it.

    Only a record for the protocol and for notifications: claims judge access from the timestamps.
    The city row lock serialises this with the protocol and with itself (two midnight runs at once
    both found no record and both wrote one), so the NOT EXISTS is safe; the partial unique
    constraint seat_event_general_once_per_opening is the backstop.
    """
    with locking_atomic():
        city_lock(city.pk)
        already = SeatEvent.objects.filter(
            seat=OuterRef("pk"), kind=SeatEvent.Kind.GENERAL_ACCESS, at__gte=OuterRef("published_at")
        )
        due = (
            Seat.objects.filter(group__kindergarten__city=city, state=Seat.State.OPEN, general_from__lte=until)
            .filter(~Exists(already))
            .values_list("pk", "general_from")
        )
        events = [
            SeatEvent(seat_id=pk, kind=SeatEvent.Kind.GENERAL_ACCESS, at=general_from) for pk, general_from in due
        ]
        SeatEvent.objects.bulk_create(events)
    return len(events)
