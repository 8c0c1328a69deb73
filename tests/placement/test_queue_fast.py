"""R-Q-2, R-Q-3, R-S-6: the fast answers (a rank from counts, the position report from the cached queue at
the protocol and the applications changed since) equal the answers of the whole-market ranking, _QUEUE_SQL,
on random markets: tiers, privileges claimed, decided and expiring around the moments asked, referrals,
closings, stop-lists, blocked representatives, filing-time ties, several interleave ratios, lists that
run out, and moments asked exactly at an event's time.
"""

import datetime as dt
import os
import random

import pytest

from accounts.models import AccountBlock, RepresentativeLink
from indigo import clock
from indigo.clock import at_local
from placement import queue
from placement.day_close import day_close
from placement.models import Application, Privilege, Referral
from placement.queue import Scope, position_report, priority_turn, queue_position
from placement.tasks import prepare_positions
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory, PrivilegeCategoryFactory, UserFactory
from vacancies.services import seat_release

START = at_local(dt.date(2024, 5, 1), dt.time(9))
CUTOFFS = (at_local(dt.date(2024, 5, 14), dt.time(18)), at_local(dt.date(2024, 5, 21), dt.time(18)))
END = at_local(dt.date(2024, 5, 28), dt.time(18))
RATIOS = ((1, 3), (1, 1), (2, 5), (2, 1), (3, 2), (1, 4))
# More random markets on demand: QUEUE_FAST_SEEDS=500 pytest tests/placement/test_queue_fast.py
SEEDS = int(os.environ.get("QUEUE_FAST_SEEDS", "24"))


def reference_position_report(*, application, at):
    """The report from two rankings of the whole market (what the SQLite demo runs)."""
    return queue.position_report_ranked(application=application, at=at)


class RandomMarket:
    """One market (2021, kk, general) and a little of its neighbour, with a random history."""

    def __init__(self, rng: random.Random, city, group):
        self.rng = rng
        self.city = city
        # Event times on a coarse grid, so that filing times tie and moments asked hit events exactly.
        self.grid = [START + dt.timedelta(hours=12 * n) for n in range(int((END - START) / dt.timedelta(hours=12)) + 1)]
        self.grid += list(CUTOFFS)
        self.categories = [
            PrivilegeCategoryFactory(city=city, code=f"c{n}", tier=tier)
            for n, tier in enumerate(("extraordinary", "extraordinary", "first", "first", "first"))
        ]
        self.seat = seat_release(group=group, count=1, at=START)[0]
        self.users = [UserFactory() for _ in range(4)]
        self.referrals = 0

    def moment(self) -> dt.datetime:
        return self.rng.choice(self.grid)

    def later(self, moment: dt.datetime) -> dt.datetime:
        return self.rng.choice([m for m in self.grid if m > moment] or [moment + dt.timedelta(hours=1)])

    def application(self, *, neighbour: bool = False) -> Application:
        rng = self.rng
        filed = self.moment()
        fields = {}
        if rng.random() < 0.25:
            fields["state"] = rng.choice(("placed", "withdrawn", "cancelled"))
            fields["closed_at"] = self.later(filed)
        elif rng.random() < 0.05:
            fields["closed_at"] = self.later(filed)  # active again, with an old closing time
        if rng.random() < 0.15:
            fields["stop_listed_until"] = self.moment()
        if neighbour:
            fields["language"] = "ru"
        application = ApplicationFactory(city=self.city, child=ChildFactory(), filed_at=filed, **fields)
        tier_draw = rng.random()
        categories = rng.sample(self.categories, rng.choice((1, 1, 2))) if tier_draw < 0.4 else []
        for index, category in enumerate(categories):
            # Distinct claim times per child: the old report took "the last claimed" privilege, and
            # left a tie to the sort.
            claimed = rng.choice((filed, self.moment())) + dt.timedelta(minutes=index)
            state = rng.choice(("pending", "confirmed", "confirmed", "rejected", "removed"))
            Privilege.objects.create(
                application=application,
                category=category,
                evidence="doc",
                claimed_at=claimed,
                state=state,
                decided_at=None if state == "pending" else self.later(claimed),
                expires_on=rng.choice((None, None, clock.local_date(self.moment()))),
            )
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            self.referral(application, closings=(None, True, True))
        for user in rng.sample(self.users, rng.choice((0, 1, 1, 2))):
            RepresentativeLink.objects.create(
                user=user, child=application.child, relation="parent", state=rng.choice(("verified", "pending"))
            )
        return application

    def referral(self, application: Application, *, closings: tuple) -> Referral:
        """A referral of the application's child at a random moment; closed later (True) or open (None)
        as a random one of `closings` says."""
        issued = self.moment()
        self.referrals += 1
        return Referral.objects.create(
            number=f"R-{application.pk}-{self.referrals}",
            seat=self.seat,
            application=application,
            child=application.child,
            state="expired",
            issued_at=issued,
            valid_until=issued + dt.timedelta(days=5),
            closed_at=self.later(issued) if self.rng.choice(closings) else None,
        )

    def blocks(self) -> None:
        for user in self.users[:2]:
            starts = self.moment()
            AccountBlock.objects.create(
                user=user,
                reason="shared",
                starts_at=starts,
                ends_at=self.later(starts),
                lifted_at=self.rng.choice((None, None, self.later(starts))),
            )


@pytest.fixture
def group(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=80, name="Айгөлек")


@pytest.mark.parametrize("seed", range(SEEDS))
def test_the_fast_answers_equal_the_whole_market_ranking(city, group, seed):
    rng = random.Random(seed)
    city.interleave_privileged, city.interleave_general = RATIOS[seed % len(RATIOS)]
    city.save()
    for cutoff in CUTOFFS:
        day_close(city=city, cutoff=cutoff)
    market = RandomMarket(rng, city, group)
    size = rng.choice((0, 1, 3, 8, 15, 25, 35))
    applications = [market.application() for _ in range(size)] + [market.application(neighbour=True)]
    market.blocks()
    moments = [*rng.sample(market.grid, 4), START + dt.timedelta(hours=5), END + dt.timedelta(days=1)]
    checked = 0
    for at in moments:
        for application in Application.objects.filter(pk__in=[a.pk for a in applications]).select_related("city"):
            expected = reference_position_report(application=application, at=at)
            assert position_report(application=application, at=at) == expected, (seed, application.pk, at)
            waiting = queue_position(application=application, at=at)
            eligible = queue_position(application=application, scope=Scope.ELIGIBLE, at=at)
            assert queue.queue_rank(application, Scope.WAITING, at) == waiting
            assert priority_turn(application=application, at=at).rank == eligible
            checked += 1
    assert checked == len(moments) * len(applications)


def test_the_cached_queue_at_the_protocol_answers_like_a_fresh_one(city, group):
    """A second question after the same protocol reads the cached queue, and still answers exactly."""
    from django.core.cache import cache

    rng = random.Random(99)
    day_close(city=city, cutoff=CUTOFFS[0])
    market = RandomMarket(rng, city, group)
    applications = [market.application() for _ in range(30)]
    at = END
    cold = [position_report(application=a, at=at) for a in applications]
    assert any(key for key in cache._cache), "the queue at the protocol was not cached"
    warm = [position_report(application=a, at=at) for a in applications]
    assert cold == warm == [reference_position_report(application=a, at=at) for a in applications]


def test_a_turn_is_one_query_for_the_rank_and_the_seats(city, group, django_assert_num_queries):
    rng = random.Random(5)
    market = RandomMarket(rng, city, group)
    application = Application.objects.select_related("city").get(pk=market.application().pk)
    # One statement, so the seats and the rank are read from one snapshot (issue 14, item 13).
    with django_assert_num_queries(1):
        priority_turn(application=application, at=END)


def test_the_queues_at_a_protocol_can_be_prepared_for_the_first_parents(city, group, django_assert_max_num_queries):
    rng = random.Random(7)
    day_close(city=city, cutoff=CUTOFFS[0])
    market = RandomMarket(rng, city, group)
    applications = [market.application() for _ in range(10)]
    # What the 18:00 job queues once the cutoff has settled (placement/day_close.py).
    assert prepare_positions(city.pk, CUTOFFS[0].isoformat()) == 1
    application = Application.objects.select_related("city").get(pk=applications[0].pk)
    expected = reference_position_report(application=application, at=END)
    # The protocol, the changed applications, maybe the reasons: no ranking of the market.
    with django_assert_max_num_queries(3):
        assert position_report(application=application, at=END) == expected
