"""R-S-7 under a rush, on PostgreSQL with real concurrent sessions (STYLE.md: the control and the real test).

Each claimant is a thread with its own database connection; a barrier releases them together.
"""

import datetime as dt
import random
import threading

import pytest
import time_machine
from django.db import connection

from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.models import Referral
from placement.services import claims
from tests.placement.conftest import family
from vacancies.models import Seat

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

THURSDAY = at_local(dt.date(2024, 6, 6), dt.time(10, 0))  # general access: the turn does not matter


def rush(attempts):
    """Run every attempt in its own thread at once; collect (referral or error) per attempt."""
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(index, attempt):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = attempt()
        except ServiceError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    with time_machine.travel(THURSDAY, tick=True):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return outcomes


def test_it_gives_one_seat_to_exactly_one_of_fifty(city, open_seats):
    [seat] = open_seats(1)
    families = [family(city, n) for n in range(1, 51)]
    outcomes = rush([lambda u=u, a=a: claims.seat_claim(seat=seat, application=a, by=u) for u, a in families])

    referrals = [o for o in outcomes if isinstance(o, Referral)]
    refusals = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(referrals) == 1
    assert len(refusals) == 49
    assert {r.code for r in refusals} <= {"seat_taken", "busy"}
    assert Referral.objects.filter(seat=seat).count() == 1
    assert Seat.objects.get(pk=seat.pk).state == "claimed"


def test_it_gives_one_child_one_referral_when_it_claims_two_seats_at_once(city, open_seats):
    seats = open_seats(2)
    user, application = family(city, 1)
    outcomes = rush([lambda s=s: claims.seat_claim(seat=s, application=application, by=user) for s in seats])
    assert sum(isinstance(o, Referral) for o in outcomes) == 1
    assert [o.code for o in outcomes if isinstance(o, ServiceError)] == ["has_referral"]
    assert Referral.objects.filter(child=application.child).count() == 1
    assert Seat.objects.filter(state="open").count() == 1


def test_it_places_ten_of_twenty_on_ten_seats(city, open_seats):
    seats = open_seats(10)
    families = [family(city, n) for n in range(1, 21)]

    def parent(user, application, seed):
        # A parent whose seat is taken picks another one, as people do.
        order = seats[:]
        random.Random(seed).shuffle(order)
        for seat in order:
            try:
                return claims.seat_claim(seat=seat, application=application, by=user)
            except ServiceError as error:
                if error.code not in ("seat_taken", "busy"):
                    raise
        return None

    outcomes = rush([lambda u=u, a=a, n=n: parent(u, a, n) for n, (u, a) in enumerate(families)])
    assert sum(isinstance(o, Referral) for o in outcomes) == 10
    assert Referral.objects.count() == 10
    assert Referral.objects.values("seat").distinct().count() == 10
    assert Referral.objects.values("child").distinct().count() == 10
    assert not Seat.objects.filter(state="open").exists()


class TestControl:
    """Switch the lock off and two claimants both pass the checks; only the constraint is left, and
    without it too the double booking really happens."""

    @pytest.fixture
    def without_lock(self, monkeypatch):
        def no_lock(seat_ids):
            return list(Seat.objects.filter(pk__in=seat_ids).select_related("group__kindergarten").order_by("pk"))

        barrier = threading.Barrier(2)
        checked = claims.seat_open_check

        def check_then_wait(seat, at):
            stage = checked(seat, at)
            barrier.wait(timeout=10)  # both claimants have passed the check before either writes
            return stage

        monkeypatch.setattr(claims, "_lock_seats", no_lock)
        monkeypatch.setattr(claims, "seat_open_check", check_then_wait)

    @pytest.fixture
    def without_constraint(self):
        from django.db.models import Q, UniqueConstraint

        constraint = UniqueConstraint(
            fields=["seat"], condition=Q(state__in=["issued", "enrolled"]), name="referral_one_live_per_seat"
        )
        with connection.schema_editor() as editor:
            editor.remove_constraint(Referral, constraint)
        yield
        Referral.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Referral, constraint)

    def race(self, city, open_seats):
        [seat] = open_seats(1)
        families = [family(city, n) for n in (1, 2)]
        return seat, rush([lambda u=u, a=a: claims.seat_claim(seat=seat, application=a, by=u) for u, a in families])

    def test_it_double_books_without_the_lock_and_the_constraint(
        self, city, open_seats, without_lock, without_constraint
    ):
        seat, outcomes = self.race(city, open_seats)
        assert all(isinstance(o, Referral) for o in outcomes)
        assert Referral.objects.filter(seat=seat, state="issued").count() == 2

    def test_it_is_still_stopped_by_the_constraint_without_the_lock(self, city, open_seats, without_lock):
        seat, outcomes = self.race(city, open_seats)
        assert sum(isinstance(o, Referral) for o in outcomes) == 1
        assert [o.code for o in outcomes if isinstance(o, ServiceError)] == ["seat_taken"]
        assert Referral.objects.filter(seat=seat).count() == 1
