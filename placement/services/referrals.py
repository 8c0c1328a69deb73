"""A referral's life after it is issued (R-S-8, R-S-9, R-Q-5, R-A-3).

Ending an unused referral returns its seat to the next protocol in priority access; expiry,
refusal and an unconfirmed extraordinary privilege also stop-list the child for the city's
stop-list length, after which the application keeps its old place (the queue is computed
from filing time, so nothing has to be restored).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo import clock
from indigo.errors import Conflict
from indigo.locking import locking_atomic, rows_lock
from placement.models import Application, Referral
from placement.notifications import referrals_expired_notify
from vacancies.locking import protocol_write_begin
from vacancies.models import City, Seat, SeatEvent
from vacancies.reasons import DepartureReason, RefusalReason, SystemReason, reason_clean
from vacancies.seat_states import SeatReturn, seat_mark_occupied, seat_mark_vacated, seats_mark_returned

_END_EVENT = {
    Referral.State.EXPIRED: SeatEvent.Kind.EXPIRED,
    Referral.State.REFUSED: SeatEvent.Kind.REFUSED,
    Referral.State.CANCELLED: SeatEvent.Kind.CANCELLED,
}


def referral_public_facts(referral: Referral) -> dict:
    """What a protocol may say about a referral: its application reference and initials (R-P-4)."""
    return {
        "application": referral.application.reference,
        "child": referral.child.initials,
        "referral": referral.number,
    }


def _lock_issued(referral_ids: Iterable[int]) -> list[Referral]:
    """The issued ones of these referrals, locked, then their seats, each list in pk order as a claim
    locks them; inside locking_atomic()."""
    referrals = rows_lock(
        Referral.objects.filter(state=Referral.State.ISSUED).select_related("application__city", "child"),
        referral_ids,
    )
    rows_lock(Seat.objects.only("pk"), [r.seat_id for r in referrals])
    return referrals


def _end_unused(
    referrals: list[Referral],
    *,
    state: str,
    reason: str,
    stop_list: bool,
    note: str = "",
    by=None,
    at: dt.datetime | None = None,
) -> None:
    """End issued referrals whose seats go back to the next protocol; a fixed number of queries.

    `reason` is a code of vacancies/reasons.py (published); `note` is never published (R-P-4)."""
    returns, applications = [], []
    for referral in referrals:
        ended = at or referral.valid_until
        referral.state = state
        referral.closed_at = ended
        referral.close_reason = reason
        referral.close_note = note
        if stop_list:
            application = referral.application
            application.stop_listed_until = ended + dt.timedelta(days=application.city.stop_list_days)
            applications.append(application)
        returns.append(SeatReturn(referral.seat_id, _END_EVENT[state], ended, referral_public_facts(referral)))
    # One UPDATE per distinct end moment (expiries share their midnight) instead of bulk_update,
    # whose CASE per row grew a query per 2,000 rows and seconds of Python (docs/performance.md).
    ended_at: dict[dt.datetime, list[int]] = defaultdict(list)
    for referral in referrals:
        ended_at[referral.closed_at].append(referral.pk)
    for ended, referral_ids in ended_at.items():
        Referral.objects.filter(pk__in=referral_ids).update(
            state=state, closed_at=ended, close_reason=reason, close_note=note
        )
    stop_until: dict[dt.datetime, list[int]] = defaultdict(list)
    for application in applications:
        stop_until[application.stop_listed_until].append(application.pk)
    for until, application_ids in stop_until.items():
        Application.objects.filter(pk__in=application_ids).update(stop_listed_until=until)
    seats_mark_returned(returns=returns, reason=reason, note=note, by=by)


def referrals_expire_due(*, city: City, until: dt.datetime) -> int:
    """Expire every issued referral of the city whose validity ended by `until` (the 18:00 job)."""
    with locking_atomic():
        due_ids = Referral.objects.filter(
            application__city=city, state=Referral.State.ISSUED, valid_until__lte=until
        ).values_list("pk", flat=True)
        due = _lock_issued(due_ids)
        if due:
            _end_unused(due, state=Referral.State.EXPIRED, reason=SystemReason.EXPIRED, stop_list=True)
            referrals_expired_notify([referral.pk for referral in due])
    return len(due)


def referral_refuse(*, referral: Referral, reason: str = "", note: str = "", by=None, request=None) -> Referral:
    """The family turned the seat down (recorded by staff or by the parent): seat back, child stop-listed.

    The reason is a choice from RefusalReason ("other" when none is given), the note is never published."""
    reason, note = reason_clean(reason, note, RefusalReason, default=RefusalReason.OTHER)
    return _end_one(referral, Referral.State.REFUSED, reason, note=note, stop_list=True, by=by, request=request)


def referral_cancel(*, referral: Referral, reason: str, stop_list: bool = False, by=None, request=None) -> Referral:
    """Cancel an issued referral (a blocked cabinet, an unconfirmed extraordinary privilege): a SystemReason."""
    reason, _note = reason_clean(reason, "", SystemReason)
    return _end_one(referral, Referral.State.CANCELLED, reason, stop_list=stop_list, by=by, request=request)


def _lock_one(referral: Referral) -> Referral:
    [locked] = rows_lock(Referral.objects.select_related("application__city", "child"), [referral.pk])
    return locked


def _city_id(referral: Referral) -> int:
    return Application.objects.values_list("city_id", flat=True).get(pk=referral.application_id)


def _end_one(referral: Referral, state: str, reason: str, *, stop_list: bool, by, request, note: str = "") -> Referral:
    with locking_atomic():
        # The writer lock before any row lock (vacancies/locking.py), and before the stamp.
        at = protocol_write_begin(_city_id(referral))
        locked = _lock_issued([referral.pk])
        if not locked:
            raise Conflict("referral_not_active", _("This referral is no longer active."))
        _end_unused(locked, state=state, reason=reason, note=note, stop_list=stop_list, by=by, at=at)
        audit_record(
            actor=by,
            action=f"referral.{state}",
            obj=locked[0],
            city=locked[0].application.city,
            request=request,
            data={"reason": reason, "note": note},
        )
    referral.refresh_from_db()
    return referral


def _end_enrolment(
    referral: Referral, *, state: str, reason: str, action: str, by, request, note: str = ""
) -> Referral:
    """The enrolled child leaves the group: the seat is vacated and the group may release a place again."""
    with locking_atomic():
        at = protocol_write_begin(_city_id(referral))
        locked = _lock_one(referral)
        if locked.state != Referral.State.ENROLLED:
            raise Conflict("referral_not_enrolled", _("This child is not enrolled on this referral."))
        Referral.objects.filter(pk=locked.pk).update(state=state, closed_at=at, close_reason=reason, close_note=note)
        seat_mark_vacated(
            seat_id=locked.seat_id, at=at, by=by, reason=reason, note=note, data=referral_public_facts(locked)
        )
        audit_record(
            actor=by,
            action=action,
            obj=locked,
            city=locked.application.city,
            request=request,
            data={"reason": reason, "note": note},
        )
    referral.refresh_from_db()
    return referral


def referral_terminate(*, referral: Referral, reason: str, by=None, request=None) -> Referral:
    """End an enrolment contract (R-A-3 block): the child leaves and the group's place is free to release."""
    reason, _note = reason_clean(reason, "", SystemReason)
    return _end_enrolment(
        referral, state=Referral.State.TERMINATED, reason=reason, action="referral.terminate", by=by, request=request
    )


def referral_extend(*, referral: Referral, until: dt.date, by=None, request=None) -> Referral:
    """R-S-8: one extension, to at most the city's limit of calendar days after the current end."""
    with locking_atomic():
        locked = _lock_one(referral)
        if locked.state != Referral.State.ISSUED:
            raise Conflict("referral_not_active", _("This referral is no longer active."))
        if locked.extended_at is not None:
            raise Conflict("already_extended", _("A referral can be extended only once."))
        city = locked.application.city
        current_end = locked.enrol_by
        latest = current_end + dt.timedelta(days=city.referral_extension_max_days)
        if not current_end < until <= latest:
            raise Conflict(
                "bad_extension",
                _("Extend the referral to a day after %(current)s and no later than %(latest)s."),
                current=current_end.isoformat(),
                latest=latest.isoformat(),
            )
        new_end = clock.at_local(until + dt.timedelta(days=1), dt.time(0, 0))
        Referral.objects.filter(pk=locked.pk).update(valid_until=new_end, extended_at=clock.now())
        audit_record(
            actor=by,
            action="referral.extend",
            obj=locked,
            city=city,
            request=request,
            data={"until": until.isoformat()},
        )
    referral.refresh_from_db()
    return referral


def referral_enrol(*, referral: Referral, by=None, request=None) -> Referral:
    """R-S-9: the kindergarten signs the contract; the application leaves the queue as placed."""
    with locking_atomic():
        at = protocol_write_begin(_city_id(referral))
        locked = _lock_one(referral)
        if not locked.is_active_at(at):
            raise Conflict("referral_not_active", _("This referral is no longer active."))
        Referral.objects.filter(pk=locked.pk).update(state=Referral.State.ENROLLED, closed_at=at)
        Application.objects.filter(pk=locked.application_id).update(state=Application.State.PLACED, closed_at=at)
        seat_mark_occupied(seat_id=locked.seat_id, at=at, by=by, data=referral_public_facts(locked))
        audit_record(actor=by, action="referral.enrol", obj=locked, city=locked.application.city, request=request)
    referral.refresh_from_db()
    return referral


def referral_departure(*, referral: Referral, reason: str = "", note: str = "", by=None, request=None) -> Referral:
    """R-S-9: an enrolled child left; the group then has a place its staff may release.

    The reason is a choice from DepartureReason ("other" when none is given), the note is never published."""
    reason, note = reason_clean(reason, note, DepartureReason, default=DepartureReason.OTHER)
    return _end_enrolment(
        referral,
        state=Referral.State.LEFT,
        reason=reason,
        note=note,
        action="referral.departure",
        by=by,
        request=request,
    )


def referrals_unconfirmed_extraordinary_cancel(*, city: City, until: dt.datetime) -> int:
    """R-Q-5: an extraordinary privilege still unconfirmed N working days after the referral was issued:
    referral cancelled (seat back), privilege removed, child stop-listed."""
    from indigo.workdays import WorkingCalendar
    from placement.models import Privilege

    calendar = WorkingCalendar(city)
    candidates = (
        Referral.objects.filter(application__city=city, state=Referral.State.ISSUED)
        .filter(
            application__privileges__state=Privilege.State.PENDING,
            application__privileges__category__tier="extraordinary",
        )
        .distinct()
        .values_list("pk", "issued_at")
    )
    due = [
        pk
        for pk, issued in candidates
        if clock.at_local(
            calendar.add_window_days(clock.local_date(issued), city.extraordinary_confirm_working_days)
            + dt.timedelta(days=1),
            dt.time(0, 0),
        )
        <= until
    ]
    if not due:
        return 0
    with locking_atomic():
        locked = _lock_issued(due)
        _end_unused(
            locked,
            state=Referral.State.CANCELLED,
            reason=SystemReason.PRIVILEGE_NOT_CONFIRMED,
            stop_list=True,
            at=until,
        )
        Privilege.objects.filter(
            application_id__in=[r.application_id for r in locked],
            state=Privilege.State.PENDING,
            category__tier="extraordinary",
        ).update(state=Privilege.State.REMOVED, decided_at=until, decision_reason="not confirmed in time (R-Q-5)")
    return len(locked)
