"""Issue 14, item 13 (R-S-6): no referral out of turn when the children of one market race for its
seats in priority access, on PostgreSQL with real concurrent sessions.

With the pool factor at 1 and nobody entering or leaving the queue, only the first N children of
the queue can ever be in turn for N seats: a child ahead that is placed takes one seat and moves
everyone behind up by one, a child behind that is placed takes a seat only while it is in turn
itself. So whatever the order the claims commit in, every referral must go to one of the first N.
The audit saw the child at N + 1 get one in 5 of 300 trials: the exact check under the lock read
the seats and the ranking at two moments, and a claim committing in between counted its seat as
still open but its child as gone.
"""

import datetime as dt
import random
import sys
import threading
import time
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from indigo.errors import ServiceError
from placement.models import Referral
from placement.queue import priority_turn
from placement.queue.turns import turn_snapshot, turn_snapshots_clear
from placement.services import claims
from tests.placement.conftest import family
from tests.placement.test_claim import MONDAY
from vacancies.models import Seat, SeatEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

CHILDREN = 30
TRIALS = 12
# Attempts in one trial at most; a trial ends sooner when every seat is placed.
ATTEMPTS = 400
# The claimants run in a few threads (each with its own connection) rather than one per child,
# so the suites running side by side on this machine keep their PostgreSQL connections.
THREADS = 8
# The longest pause after a statement (s): the control widens it, so the race it shows shows every time.
MAX_PAUSE = 0.002


def _jitter(rng: random.Random):
    """A pause of up to MAX_PAUSE after each statement: other claims commit between this
    claim's reads as they do between two app servers, without thousands of trials."""

    def wrapper(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        finally:
            time.sleep(rng.random() * MAX_PAUSE)

    return wrapper


def _rush(families, seats, seed: int) -> list[ServiceError]:
    """The parents claim at once, over and over, in THREADS threads: each attempt is one claim for a
    child picked at random among those not placed, of a seat not yet seen taken. A parent told "not
    your turn" tries again, as parents do in a rush, and so asks again while the claims ahead commit.
    Returns the refusals other than "taken", "busy" and "not your turn"."""
    waiting = set(range(len(families)))
    free = {seat.pk: seat for seat in seats}
    guard = threading.Lock()
    barrier = threading.Barrier(THREADS)
    attempts = [0]
    unexpected: list = []

    def pick(rng):
        with guard:
            if not free or not waiting or attempts[0] >= ATTEMPTS:
                return None
            attempts[0] += 1
            child = rng.choice(sorted(waiting))
            waiting.discard(child)  # no other thread claims for this child meanwhile
            return child, rng.choice(sorted(free))

    def run(thread_no: int):
        rng = random.Random(seed * 100 + thread_no)
        try:
            barrier.wait(timeout=30)
            with connection.execute_wrapper(_jitter(rng)):
                while (picked := pick(rng)) is not None:
                    child, seat_pk = picked
                    user, application = families[child]
                    placed = False
                    try:
                        claims.seat_claim(seat=free[seat_pk], application=application, by=user)
                        placed = True
                    except ServiceError as error:
                        if error.code == "seat_taken":
                            with guard:
                                free.pop(seat_pk, None)
                        elif error.code not in ("busy", "not_your_turn"):
                            unexpected.append(error)
                    with guard:
                        if placed:
                            free.pop(seat_pk, None)
                        else:
                            waiting.add(child)
        except Exception as error:  # noqa: BLE001 - reported by the test
            unexpected.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    with time_machine.travel(MONDAY, tick=True):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    return unexpected


def _reopen(seats: list[Seat], count: int) -> list[Seat]:
    """The market as before a rush: all the seats open while every process reads its snapshot of the
    turn (placement/queue/turns.py), then all but `count` of them withdrawn. The snapshots still say the
    first twelve are in turn, so they let every one of them through to the exact check under the
    lock, which alone decides, as it must for any claim a snapshot lets through."""
    SeatEvent.objects.filter(kind=SeatEvent.Kind.CLAIMED).delete()
    Referral.objects.all().delete()
    Seat.objects.filter(pk__in=[s.pk for s in seats]).update(state=Seat.State.OPEN, claimed_at=None, withdrawn_at=None)
    turn_snapshots_clear()
    return seats


def _withdraw(seats: list[Seat]) -> None:
    Seat.objects.filter(pk__in=[s.pk for s in seats]).update(
        state=Seat.State.WITHDRAWN, withdrawn_at=MONDAY - dt.timedelta(hours=1)
    )


def _out_of_turn(count: int, rank: dict[int, int], plain: bool) -> list[str]:
    """The referrals a serial reading of the rush would not have issued.

    With the pool factor at 1 and no privileges this is simply a child ranked beyond the seats.
    Otherwise each referral is judged, in the order of their moments (one claim at a time, so the
    order they committed in), against the market as it stood just before: every earlier referral
    issued, this one's seat still open and its child still waiting."""
    referrals = list(Referral.objects.select_related("application__city").order_by("issued_at", "pk"))
    wrong = []
    for referral in referrals:
        turn = priority_turn(application=referral.application, at=referral.issued_at - dt.timedelta(microseconds=1))
        if not turn.has_come or (plain and rank[referral.application_id] > count):
            wrong.append(f"rank {rank[referral.application_id]} ({turn.rank} of {turn.allowed} just before)")

    return wrong


def _market(city, open_seats):
    """Twelve seats and the children queueing for them; made once per test, as the trials reopen them."""
    return open_seats(12), [family(city, n) for n in range(1, CHILDREN + 1)]


def _trials(city, seats, families, trials: int) -> tuple[list[str], int]:
    rank = {application.pk: n for n, (_user, application) in enumerate(families, start=1)}
    out_of_turn = []
    placed = 0
    for trial in range(trials):
        count = 6 + trial % 6
        _reopen(seats, count)
        with time_machine.travel(MONDAY, tick=False):
            assert turn_snapshot(application=families[0][1], at=MONDAY).rank == 1
        _withdraw(seats[count:])
        unexpected = _rush(families, seats[:count], seed=trial)
        assert not unexpected, unexpected
        assert Referral.objects.count() <= count
        placed += Referral.objects.count()
        if wrong := _out_of_turn(count, rank, plain=city.priority_pool_factor == 1):
            out_of_turn.append(f"trial {trial}, {count} seats: {', '.join(wrong)}")
    return out_of_turn, placed


@pytest.fixture
def market(city, settings):
    settings.TURN_SNAPSHOT_MS = 60_000
    return city


@pytest.mark.parametrize("pool_factor", ["1", "1.5"])
def test_issue14_item13_no_referral_out_of_turn_under_contention_R_S_6(market, open_seats, pool_factor):
    market.priority_pool_factor = Decimal(pool_factor)
    market.save()
    trials = TRIALS if pool_factor == "1" else TRIALS // 2
    out_of_turn, placed = _trials(market, *_market(market, open_seats), trials)
    assert not out_of_turn, "\n".join(out_of_turn)
    # The rush really happened: most seats were placed (a claim may end "busy" or out of tries).
    assert placed >= trials * 5


def test_issue14_item13_control_without_the_market_lock_children_come_in_out_of_turn(market, open_seats, monkeypatch):
    """The control: the same rush with the market's lock switched off. Even with the seats and the rank
    read in one statement, each check misses the claims still in flight; with a pool factor, placing
    the child ahead takes more turns than it frees, and children beyond the turn get referrals."""
    monkeypatch.setattr(claims, "_market_locks", lambda markets: [])
    monkeypatch.setattr(sys.modules[__name__], "MAX_PAUSE", 0.01)
    market.priority_pool_factor = Decimal("1.5")
    market.save()
    # The race is real but not certain in a few trials: up to three rounds of four, until it shows.
    out_of_turn = []
    seats, families = _market(market, open_seats)
    for _round in range(3):
        out_of_turn, _placed = _trials(market, seats, families, 4)
        if out_of_turn:
            break
    assert out_of_turn
