"""The demo city's past: months of seats released, published, claimed and enrolled, day by day.

The expected wait (issue 16) is computed from the protocols of the last 12 months, and its backtest
replays it on past days, so the demo needs well over a year of published history. This simulates it:
every working day children leave (most in the summer, before school), their kindergartens release the
places, the 18:00 protocol publishes them (none in the August pause: those open in September), and the
families whose turn has come claim them — mostly the head of the queue in priority access, sometimes
someone further back in general access, sometimes nobody for a while; most enrol within days, some let
the referral lapse (the protocol then returns the seat and stop-lists the child, as in real life).

Seats are released and protocols published through the services; a claim and an enrolment are written
as the services write them (placement.services.claims._issue, referral_enrol) but dated in the past,
because those services take their time from the clock. The demo accounts' children are left in the
queue, so the demo parent can still claim at once.
"""

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction

from accounts.models import RepresentativeLink
from indigo import clock
from indigo.errors import ServiceError
from indigo.workdays import WorkingCalendar
from placement.day_close import days_close
from placement.models import Application, Referral
from placement.queue import Market, Scope, queue_ordered
from placement.services.claims import _valid_until
from placement.services.referrals import referral_public_facts
from vacancies.access import Stage, stage_at
from vacancies.models import City, Group, Protocol, Seat, SeatEvent
from vacancies.services import seat_release

# Departures (hence releases) per month, relative: the summer recruitment and September dominate;
# August is the pause (groups move up), its releases open with September's first protocol.
MONTH_WEIGHT = {1: 0.5, 2: 0.5, 3: 0.6, 4: 0.7, 5: 1.5, 6: 3.5, 7: 2.5, 8: 1.5, 9: 2.0, 10: 0.8, 11: 0.6, 12: 0.4}
# Seats released per year, as a share of the queue at the start.
YEARLY_SHARE = 0.25
DEMO_USERNAMES = ("parent", "parent2")


def demo_history_load(*, city: City, rng: random.Random, months: int, until: dt.date | None = None) -> dt.date | None:
    """Simulate `months` of history ending `until` (default 13 days ago, just before the recent activity
    of placement/demo/seats.py); only on a city with no protocol yet. Returns the last day simulated."""
    if months <= 0 or Protocol.objects.filter(city=city).exists():
        return None
    until = until or clock.local_today() - dt.timedelta(days=13)
    start = until - dt.timedelta(days=round(months * 30.44))
    _Simulation(city, rng, start, until).run()
    return until


class _Simulation:
    def __init__(self, city: City, rng: random.Random, start: dt.date, until: dt.date):
        self.city, self.rng, self.start, self.until = city, rng, start, until
        self.calendar = WorkingCalendar(city)
        self.groups = list(Group.objects.filter(kindergarten__city=city, is_active=True).select_related("kindergarten"))
        kept = set(
            RepresentativeLink.objects.filter(user__username__in=DEMO_USERNAMES).values_list("child_id", flat=True)
        )
        moment = clock.at_local(start, dt.time(0, 0))
        self.order: dict[tuple, list[int]] = {}
        for cohort, language, group_type in (
            Application.objects.filter(city=city, state=Application.State.ACTIVE)
            .values_list("cohort", "language", "group_type")
            .distinct()
        ):
            market = Market(city.pk, cohort, language, group_type)
            self.order[(cohort, language, group_type)] = [
                pk for pk, _tier, _pos in queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=moment)
            ]
        self.kept_applications = set(
            Application.objects.filter(city=city, child_id__in=kept).values_list("pk", flat=True)
        )
        self.applications = Application.objects.filter(city=city).select_related("child").in_bulk()
        self.taken: set[int] = set()  # holds a referral or was placed
        self.lapsing: set[int] = set()  # referrals never enrolled, left to expire
        waiting = sum(len(ids) for ids in self.order.values())
        weights = sum(MONTH_WEIGHT.values()) / 12
        # Per group and working day, so that a year releases about YEARLY_SHARE of the queue.
        self.base = YEARLY_SHARE * waiting / max(len(self.groups), 1) / 250 / weights

    def run(self) -> int:
        # One transaction: the demo's SQLite would otherwise sync the disk for every protocol.
        with transaction.atomic():
            return self._run()

    def _run(self) -> int:
        issued = 0
        day = self.start
        while day <= self.until:
            if self.calendar.is_working_day(day):
                # The day's order: departures and releases, claims and enrolments, then the 18:00 protocol.
                self._release(day)
                issued += self._claim(day)
                self._enrol(day)
                days_close(city=self.city, until=clock.at_local(day, self.city.publication_time))
                self._lapsed()
            day += dt.timedelta(days=1)
        days_close(city=self.city, until=clock.at_local(self.until, self.city.publication_time))
        return issued

    def _release(self, day: dt.date) -> None:
        chance = self.base * MONTH_WEIGHT[day.month]
        for group in self.groups:
            if self.rng.random() >= chance:
                continue
            moment = clock.at_local(day, dt.time(self.rng.randint(9, 16), self.rng.randrange(60)))
            # A child leaves; the place it frees is what the kindergarten releases.
            leaving = (
                Seat.objects.filter(group=group, state=Seat.State.OCCUPIED, occupied_at__lt=moment)
                .order_by("occupied_at", "pk")
                .first()
            )
            if leaving is not None:
                Seat.objects.filter(pk=leaving.pk).update(state=Seat.State.VACATED, vacated_at=moment)
                Referral.objects.filter(seat=leaving, state=Referral.State.ENROLLED).update(
                    state=Referral.State.LEFT, closed_at=moment, close_reason="school"
                )
            try:
                seat_release(group=group, count=1, at=moment)
            except ServiceError:
                continue  # a group with no free place releases nothing

    def _lapsed(self) -> None:
        """Who holds or used a referral, read again after each protocol: a child whose referral
        expired waits again in its place (after the stop-list)."""
        self.taken = set(
            Referral.objects.filter(application__city=self.city)
            .exclude(state__in=[Referral.State.EXPIRED, Referral.State.REFUSED, Referral.State.CANCELLED])
            .values_list("application_id", flat=True)
        )

    def _head(self, market: tuple, at: dt.datetime, *, deep: bool) -> Application | None:
        ids = self.order.get(market, [])
        now_stopped = set(Application.objects.filter(pk__in=ids, stop_listed_until__gt=at).values_list("pk", flat=True))
        candidates = []
        for pk in ids:
            if pk in self.taken or pk in self.kept_applications or pk in now_stopped:
                continue
            candidates.append(pk)
            if len(candidates) >= (30 if deep else 1):
                break
        return self.applications[self.rng.choice(candidates)] if candidates else None

    def _claim(self, day: dt.date) -> int:
        moment = clock.at_local(day, dt.time(10, 0))
        issued = 0
        seats = list(
            Seat.objects.filter(group__kindergarten__city=self.city, state=Seat.State.OPEN, priority_from__lte=moment)
            .select_related("group")
            .order_by("pk")
        )
        for seat in seats:
            stage = stage_at(seat, moment)
            if stage not in (Stage.PRIORITY, Stage.GENERAL) or self.rng.random() < 0.25:
                continue  # nobody took it today
            market = (seat.group.cohort, seat.group.language, seat.group.group_type)
            application = self._head(market, moment, deep=stage == Stage.GENERAL and self.rng.random() < 0.5)
            if application is None:
                continue
            at = moment + dt.timedelta(minutes=self.rng.randrange(420))
            self._issue(seat, application, at, stage)
            issued += 1
        return issued

    def _issue(self, seat: Seat, application: Application, at: dt.datetime, stage: Stage) -> None:
        referral = Referral.objects.create(
            number=f"{self.city.code}-{clock.local_date(at):%y}-H{Referral.objects.count() + 1:06d}",
            seat=seat,
            application=application,
            child=application.child,
            issued_at=at,
            valid_until=_valid_until(at, self.city),
        )
        Seat.objects.filter(pk=seat.pk).update(state=Seat.State.CLAIMED, claimed_at=at)
        SeatEvent.objects.create(
            seat=seat,
            kind=SeatEvent.Kind.CLAIMED,
            at=at,
            data={
                **referral_public_facts(referral),
                "stage": stage.value,
                "published_at": seat.published_at.isoformat(),
            },
        )
        self.taken.add(application.pk)

    def _enrol(self, day: dt.date) -> None:
        due = defaultdict(list)
        for referral in Referral.objects.filter(
            application__city=self.city,
            state=Referral.State.ISSUED,
            issued_at__lt=clock.at_local(day, dt.time(0, 0)),
            valid_until__gt=clock.at_local(day, dt.time(23, 0)),
        ).select_related("application", "child"):
            due[referral.application_id].append(referral)
        for referrals in due.values():
            referral = referrals[0]
            if referral.pk in self.lapsing:
                continue
            if self.rng.random() < 0.08:
                # This family lets the referral lapse: the protocol expires it, returns the seat and
                # stop-lists the child, who then waits again in its place.
                self.lapsing.add(referral.pk)
                continue
            if self.rng.random() < 0.5:
                continue  # enrols another day
            at = clock.at_local(day, dt.time(self.rng.randint(9, 16), self.rng.randrange(60)))
            Seat.objects.filter(pk=referral.seat_id).update(state=Seat.State.OCCUPIED, occupied_at=at)
            Referral.objects.filter(pk=referral.pk).update(state=Referral.State.ENROLLED, closed_at=at)
            Application.objects.filter(pk=referral.application_id).update(state=Application.State.PLACED, closed_at=at)
            SeatEvent.objects.create(
                seat_id=referral.seat_id, kind=SeatEvent.Kind.ENROLLED, at=at, data=referral_public_facts(referral)
            )
