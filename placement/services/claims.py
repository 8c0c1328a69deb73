"""Claiming a seat (R-S-6, R-S-7): one seat, one referral, decided under a lock.

Checks that can fail cheaply run first, outside any lock, so a rush of refusals costs little.
Then, in one durable transaction: the applications and the seats are locked (applications
first, each list in pk order, so two claims never wait on each other in a circle), every
rule is checked again under the lock, the referrals are written and the seats marked claimed.
A lock not had within a few seconds answers "busy, try again" instead of hanging. The
database's partial unique constraints are the backstop behind all of it.
"""

import datetime as dt
import uuid

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.audit import audit_record
from indigo import clock
from indigo.errors import Busy, Conflict, ServiceError
from indigo.workdays import WorkingCalendar
from placement.models import Application, Referral
from placement.queue import priority_turn
from placement.services.guards import representative_check
from placement.services.referrals import referral_public_facts
from vacancies.access import Stage, stage_at
from vacancies.models import Seat, SeatEvent

LOCK_TIMEOUT = "3s"
# Per parent: enough to try seat after seat in a rush, too few for a script hammering the portal.
CLAIM_RATE = "20/m"
_NOT_YET_TAKEN = (Seat.State.RELEASED, Seat.State.OPEN)
TWIN_MAX_GAP = dt.timedelta(days=31)


def _lock_seats(seat_ids: list[int]) -> list[Seat]:
    """The lock that makes a claim safe; tests switch it off to show what it prevents."""
    return list(
        Seat.objects.select_for_update(of=("self",))
        .filter(pk__in=seat_ids)
        .select_related("group__kindergarten")
        .order_by("pk")
    )


def _check_twins(applications: list[Application]) -> None:
    births = sorted(application.child.birth_date for application in applications)
    if births[-1] - births[0] > TWIN_MAX_GAP:
        raise Conflict("not_twins", _("Seats are claimed together only for twins (born at most a month apart)."))


def _check_match(seat: Seat, application: Application) -> None:
    group = seat.group
    if application.city_id != group.kindergarten.city_id:
        raise Conflict("wrong_city", _("This seat is in another city than the application."))
    for field, label in (
        ("cohort", _("birth year")),
        ("language", _("language of instruction")),
        ("group_type", _("group type")),
    ):
        if getattr(application, field) != getattr(group, field):
            raise Conflict("mismatch", _("This seat does not match the application's %(what)s."), what=label)


def _check_application(application: Application, at: dt.datetime) -> None:
    if application.state != Application.State.ACTIVE:
        raise Conflict("application_closed", _("This application is no longer in the queue."))
    if application.stop_listed_until and application.stop_listed_until > at:
        raise Conflict(
            "stop_listed",
            _("The child is on the stop-list until %(until)s and cannot claim a seat before then."),
            until=formats.date_format(clock.local_date(application.stop_listed_until)),
        )


def _check_seat_open(seat: Seat, at: dt.datetime) -> Stage:
    stage = stage_at(seat, at)
    if seat.state == Seat.State.RELEASED:
        raise Conflict("not_published", _("This seat is not published yet; the 18:00 protocol will open it."))
    if seat.state != Seat.State.OPEN:
        raise Conflict("seat_taken", _("This seat has just been taken or withdrawn. Choose another one."))
    if stage == Stage.SCHEDULED:
        raise Conflict("not_open_yet", _("This seat opens on the summer schedule's date, not yet."))
    return stage


def _check_turn(seat: Seat, application: Application, at: dt.datetime) -> int | None:
    """R-S-6: in priority access the child's rank must be within the seats now in priority access."""
    turn = priority_turn(application=application, at=at)
    if not turn.has_come:
        raise Conflict(
            "not_your_turn",
            ngettext_lazy(
                "Not your turn yet: the child is number %(rank)s among the children who may claim, and "
                "%(seats)s seat is in priority access. Every seat left unclaimed moves to general access.",
                "Not your turn yet: the child is number %(rank)s among the children who may claim, and "
                "%(seats)s seats are in priority access. Every seat left unclaimed moves to general access.",
                "seats",
            ),
            rank=turn.rank or "—",
            seats=turn.allowed,
        )
    return turn.rank


def _valid_until(issued: dt.datetime, city) -> dt.datetime:
    """R-S-8: valid to the end of the N-th working day after the day of issue."""
    last_day = WorkingCalendar(city).add_working_days(clock.local_date(issued), city.referral_valid_working_days)
    return clock.at_local(last_day + dt.timedelta(days=1), dt.time(0, 0))


def seat_claim(*, seat: Seat, application: Application, by, request=None) -> Referral:
    """Claim one seat for one child; the referral or a clear ServiceError."""
    [referral] = seats_claim(seats=[seat], applications=[application], by=by, request=request)
    return referral


def seats_claim(*, seats: list[Seat], applications: list[Application], by, request=None) -> list[Referral]:
    """Claim seats for one child, or for twins together in one group (R-S-7): all or nothing."""
    if len(seats) != len(applications) or not seats:
        raise ServiceError("claim_shape", _("Claim one seat for each child."))
    if len({s.pk for s in seats}) != len(seats) or len({a.pk for a in applications}) != len(applications):
        raise ServiceError("claim_shape", _("Claim one seat for each child."))
    now = clock.now()
    applications = list(
        Application.objects.filter(pk__in=[a.pk for a in applications]).select_related("child", "city").order_by("pk")
    )
    representative_check(by, [a.child_id for a in applications], now)
    if len(applications) > 1:
        _check_twins(applications)
        if len({seat.group_id for seat in seats}) != 1:
            raise Conflict("twins_apart", _("Twins claim seats in one group together, or not at all."))
    city = applications[0].city
    if city.in_august_pause(clock.local_date(now)):
        raise Conflict("paused", _("Groups are moving up a year in August: no referrals are issued until it ends."))
    for application in applications:
        _check_application(application, now)
    # A seat someone already holds is refused before any transaction or lock: in a rush most claims
    # are these (docs/performance.md). Read fresh here; the check under the lock stays the authority.
    if Seat.objects.filter(pk__in=[seat.pk for seat in seats]).exclude(state__in=_NOT_YET_TAKEN).exists():
        raise Conflict("seat_taken", _("This seat has just been taken or withdrawn. Choose another one."))
    try:
        with transaction.atomic(durable=True):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            locked_applications = list(
                Application.objects.select_for_update(of=("self",))
                .filter(pk__in=[a.pk for a in applications])
                .select_related("child", "city")
                .order_by("pk")
            )
            locked_seats = _lock_seats([seat.pk for seat in seats])
            if len(locked_seats) != len(seats):
                raise Conflict("seat_taken", _("This seat has just been taken or withdrawn. Choose another one."))
            issued = _issue(locked_seats, locked_applications, by=by, at=clock.now())
            audit_record(
                actor=by,
                action="referral.issue",
                obj=issued[0],
                city=city,
                request=request,
                data={"referrals": [r.number for r in issued], "seats": [s.pk for s in locked_seats]},
            )
    except IntegrityError:
        # The constraints caught what the checks should have: report it as the clear outcome it is.
        raise Conflict("seat_taken", _("This seat has just been taken or withdrawn. Choose another one.")) from None
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == "55P03":  # lock_not_available
            raise Busy("busy", _("Many parents are claiming right now. Please try again in a moment.")) from None
        raise
    from placement.notifications import referral_issued_notify

    for referral in issued:
        transaction.on_commit(lambda pk=referral.pk: referral_issued_notify(pk))
    return issued


def _issue(seats: list[Seat], applications: list[Application], *, by, at: dt.datetime) -> list[Referral]:
    batch = uuid.uuid4() if len(seats) > 1 else None
    issued = []
    for seat, application in zip(seats, applications, strict=True):
        _check_application(application, at)
        _check_match(seat, application)
        stage = _check_seat_open(seat, at)
        if Referral.objects.filter(child_id=application.child_id, state=Referral.State.ISSUED).exists():
            raise Conflict("has_referral", _("The child already holds a referral; enrol or refuse it first."))
        position = _check_turn(seat, application, at) if stage == Stage.PRIORITY else None
        city = application.city
        referral = Referral.objects.create(
            number=uuid.uuid4().hex[:24],
            seat=seat,
            application=application,
            child=application.child,
            batch=batch,
            issued_at=at,
            issued_to=by,
            valid_until=_valid_until(at, city),
        )
        # The public number follows the row's id: short, unique, and it tells nothing about the seat.
        referral.number = f"{city.code}-{clock.local_date(at):%y}-{referral.pk:07d}"
        Referral.objects.filter(pk=referral.pk).update(number=referral.number)
        Seat.objects.filter(pk=seat.pk).update(state=Seat.State.CLAIMED, claimed_at=at)
        SeatEvent.objects.create(
            seat=seat,
            kind=SeatEvent.Kind.CLAIMED,
            at=at,
            actor=by,
            data={
                **referral_public_facts(referral),
                "stage": stage.value,
                "published_at": seat.published_at.isoformat(),
                "position": position,
            },
        )
        issued.append(referral)
    return issued
