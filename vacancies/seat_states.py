"""Every change of a seat's state that demand (placement) causes, written here and only here.

Placement tells supply what happened to a seat — a referral took it, the child enrolled, the child
left, the referral ended unused — and these services write the seat row and its SeatEvent. They
take seats the caller has already locked (indigo/locking.py, or the claim's one locking round trip)
and add no round trip of their own beyond the UPDATE and the event that the caller used to write.
Staff's own changes (release, withdraw) and the protocol's (publish) are in vacancies/services.py.
"""

import dataclasses
import datetime as dt
from collections import defaultdict

from django.db import connection

from indigo.bulk import insert_many, insert_statement, statements_together
from vacancies.models import Seat, SeatEvent


@dataclasses.dataclass(frozen=True)
class SeatClaim:
    """A (locked) seat a referral took: who claimed it, and what its event records."""

    seat: Seat
    by: object  # who claimed: anything with the user's pk
    data: dict


def seats_mark_claimed(*, claims: list[SeatClaim], at: dt.datetime) -> list[SeatEvent]:
    """Referrals took these (locked) seats at `at` (R-S-7): one UPDATE and one INSERT of the events,
    however many seats, so a claim window's allocation costs what one claim costs. The UPDATE is
    written out: the claim is the hot path, and compiling it through the ORM cost more than running
    it (docs/performance.md)."""
    if not claims:
        return []
    if connection.vendor == "postgresql":
        events, statements = seats_claimed_statements(claims=claims, at=at)
        statements_together(statements)
        return events
    Seat.objects.filter(pk__in=[claim.seat.pk for claim in claims]).update(state=Seat.State.CLAIMED, claimed_at=at)
    events = _claimed(claims, at)
    insert_many(SeatEvent, events)
    return events


def seats_claimed_statements(*, claims: list[SeatClaim], at: dt.datetime) -> tuple[list[SeatEvent], list]:
    """seats_mark_claimed as statements, unsent (PostgreSQL): for a caller that sends them in one round
    trip with its own writes (indigo.bulk.statements_together). The events, and the statements."""
    update = (
        "UPDATE vacancies_seat SET state = %s, claimed_at = %s WHERE id = ANY(%s)",
        [Seat.State.CLAIMED, at, [claim.seat.pk for claim in claims]],
    )
    events = _claimed(claims, at)
    return events, [update, insert_statement(SeatEvent, events)]


def _claimed(claims: list[SeatClaim], at: dt.datetime) -> list[SeatEvent]:
    """The seats as claimed, in memory, and their events."""
    for claim in claims:
        claim.seat.state, claim.seat.claimed_at = Seat.State.CLAIMED, at
    return [
        SeatEvent(
            seat=claim.seat, kind=SeatEvent.Kind.CLAIMED, at=at, actor_id=getattr(claim.by, "pk", None), data=claim.data
        )
        for claim in claims
    ]


def seat_mark_occupied(*, seat_id: int, at: dt.datetime, by, data: dict) -> None:
    """The child enrolled on the seat's referral (R-S-9)."""
    Seat.objects.filter(pk=seat_id).update(state=Seat.State.OCCUPIED, occupied_at=at)
    SeatEvent.objects.create(seat_id=seat_id, kind=SeatEvent.Kind.ENROLLED, at=at, actor=by, data=data)


def seat_mark_vacated(*, seat_id: int, at: dt.datetime, by, reason: str, note: str, data: dict) -> None:
    """The enrolled child left: the seat ends, and its group may release a place again (R-S-9)."""
    Seat.objects.filter(pk=seat_id).update(state=Seat.State.VACATED, vacated_at=at)
    SeatEvent.objects.create(
        seat_id=seat_id, kind=SeatEvent.Kind.VACATED, at=at, actor=by, reason=reason, note=note, data=data
    )


@dataclasses.dataclass(frozen=True)
class SeatReturn:
    """A seat whose referral ended unused: how it ended (a SeatEvent kind), when, and what the
    protocol may say of the referral (R-P-4)."""

    seat_id: int
    kind: str
    at: dt.datetime
    data: dict


def seats_mark_returned(*, returns: list[SeatReturn], reason: str, note: str = "", by=None) -> None:
    """R-S-8: the referrals ended unused (expired, refused, cancelled), each recorded on its seat, and
    the seats go back to the next protocol in priority access. The seats are locked by the caller."""
    SeatEvent.objects.bulk_create(
        [
            SeatEvent(seat_id=r.seat_id, kind=r.kind, at=r.at, actor=by, reason=reason, note=note, data=r.data)
            for r in returns
        ]
    )
    seats_return(returns=[(r.seat_id, r.at) for r in returns], reason=reason, note=note, by=by)


def seats_return(*, returns: list[tuple[int, dt.datetime]], reason: str, note: str = "", by=None) -> None:
    """R-S-8: seats whose referral ended unused go back to the next protocol, in priority access.

    `returns` pairs a seat id with the moment it came back. The caller holds the transaction
    and has locked the seats (it is ending their referrals).
    """
    # One UPDATE per distinct moment (expiries share their midnight), not bulk_update: its CASE per
    # row costs seconds of Python at city scale and one more query per 2,000 seats (docs/performance.md).
    by_moment: dict[dt.datetime, list[int]] = defaultdict(list)
    for seat_id, at in returns:
        by_moment[at].append(seat_id)
    for at, seat_ids in by_moment.items():
        Seat.objects.filter(pk__in=seat_ids).update(
            state=Seat.State.RELEASED,
            released_at=at,
            published_at=None,
            priority_from=None,
            priority_until=None,
            general_from=None,
            priority_window_until=None,
            general_window_until=None,
            claimed_at=None,
        )
    SeatEvent.objects.bulk_create(
        [
            SeatEvent(seat_id=seat_id, kind=SeatEvent.Kind.RETURNED, at=at, actor=by, reason=reason, note=note)
            for seat_id, at in returns
        ]
    )
