"""R-S-6 is written once (placement/queue/eligibility.py) and its four callers agree on random markets:
the claim's checks before the lock, the list of seats a child may claim, the eligible ranking against
the seats in priority access (what the claim window's allocation reads), and the turn notifications.

Each market is drawn from a seeded random: blocked parents (some with a second, unblocked one),
unverified links, stop-lists past and running, active referrals, withdrawn applications,
privileges, seats in every stage of several markets (mismatched language, group type, cohort),
a pool factor above one, and a moment inside the August pause (R-S-4)."""

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AccountBlock, RepresentativeLink
from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.models import Application, Privilege, PrivilegeCategory, Referral, TurnNotice
from placement.queue import Market, priority_seat_count, ranked_eligible
from placement.queue.eligibility import claim_paused
from placement.selectors import claimable_seats
from placement.services import claims
from placement.tasks import notify_turns
from tests.factories import (
    ApplicationFactory,
    ChildFactory,
    GroupFactory,
    KindergartenFactory,
    PrivilegeCategoryFactory,
    UserFactory,
)
from vacancies.models import Seat, Stage

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(10))
IN_PAUSE = at_local(dt.date(2024, 8, 5), dt.time(10))
MARKETS = [(2021, "kk", "general"), (2021, "ru", "general"), (2021, "kk", "speech"), (2020, "kk", "general")]
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _seat(group, rng, at) -> Seat:
    """A seat in a random stage at `at`."""
    kind = rng.choice(["priority", "priority", "priority", "general", "scheduled", "released", "withdrawn"])
    fields = {"group": group, "released_at": at - 3 * DAY}
    if kind == "released":
        return Seat.objects.create(**fields)
    opens = {"priority": at - DAY, "general": at - 5 * DAY, "scheduled": at + 2 * DAY}.get(kind, at - DAY)
    closes = {"priority": at + 2 * DAY, "general": at - HOUR, "scheduled": at + 6 * DAY}.get(kind, at + DAY)
    return Seat.objects.create(
        **fields,
        state=Seat.State.WITHDRAWN if kind == "withdrawn" else Seat.State.OPEN,
        withdrawn_at=at - HOUR if kind == "withdrawn" else None,
        published_at=opens,
        priority_from=opens,
        general_from=closes,
    )


def _referral(application, group, at) -> None:
    """An active referral for the child, on a seat of its own."""
    seat = Seat.objects.create(
        group=group,
        state=Seat.State.CLAIMED,
        released_at=at - 3 * DAY,
        published_at=at - 2 * DAY,
        priority_from=at - 2 * DAY,
        general_from=at + DAY,
        claimed_at=at - DAY,
    )
    Referral.objects.create(
        number=f"R-{application.pk}",
        seat=seat,
        application=application,
        child=application.child,
        issued_at=at - DAY,
        valid_until=at + 3 * DAY,
    )


def _link(user, child, state="verified") -> None:
    RepresentativeLink.objects.create(user=user, child=child, relation="parent", state=state)


def _block(user, at) -> None:
    AccountBlock.objects.create(user=user, reason="shared", starts_at=at - DAY, ends_at=at + 180 * DAY)


def _random_city(city, rng: random.Random, at: dt.datetime):
    """Seats in every stage and 30 children with everything R-S-6 looks at drawn at random. Returns
    each application with the user who claims for it (None: nobody may)."""
    city.priority_pool_factor = Decimal(rng.choice(["1", "1", "1.5", "2"]))
    city.save()
    groups = {}
    for cohort, language, group_type in MARKETS:
        kindergarten = KindergartenFactory(district__city=city, city=city)
        groups[cohort, language, group_type] = group = GroupFactory(
            kindergarten=kindergarten, cohort=cohort, language=language, group_type=group_type, capacity=60
        )
        for _ in range(rng.randint(0, 4)):
            _seat(group, rng, at)
    first = PrivilegeCategoryFactory(city=city)
    extraordinary = PrivilegeCategoryFactory(city=city, code="military", tier=PrivilegeCategory.Tier.EXTRAORDINARY)
    families = []
    for n in range(30):
        cohort, language, group_type = rng.choice(MARKETS)
        child = ChildFactory(birth_date=dt.date(cohort, 3, 15))
        application = ApplicationFactory(
            city=city,
            child=child,
            language=language,
            group_type=group_type,
            filed_at=at - dt.timedelta(days=400 - n),
            stop_listed_until=rng.choice([None, None, None, at + 5 * DAY, at - DAY]),
        )
        if rng.random() < 0.1:
            Application.objects.filter(pk=application.pk).update(state="withdrawn", closed_at=at - DAY)
        if rng.random() < 0.15:
            _referral(application, groups[cohort, language, group_type], at)
        if rng.random() < 0.25:
            Privilege.objects.create(
                application=application,
                category=rng.choice([first, extraordinary]),
                evidence="doc",
                state=Privilege.State.CONFIRMED,
                claimed_at=at - 30 * DAY,
                decided_at=at - 20 * DAY,
            )
        parent, claimant = UserFactory(), None
        links = rng.choice(["verified", "verified", "verified", "pending", "none", "blocked", "blocked_and_other"])
        if links in ("verified", "blocked", "blocked_and_other"):
            _link(parent, child)
            claimant = parent
        elif links == "pending":
            _link(parent, child, state="pending")
            claimant = parent  # tries, and must be refused
        if links in ("blocked", "blocked_and_other"):
            _block(parent, at)
        if links == "blocked_and_other":
            other = UserFactory()
            _link(other, child)
            claimant = other if rng.random() < 0.5 else parent
        families.append((Application.objects.select_related("child", "city").get(pk=application.pk), claimant))
    return families


def _claim_verdict(seat: Seat, application, claimant, at) -> str | None:
    """The claim's own checks before the lock: None when they let the claim through, else the code."""
    [read] = claims.claim_applications([application.pk], claimant)
    try:
        claims._precheck([claims._claim_seats([seat.pk])[seat.pk]], [read], claimant, at)
    except ServiceError as refusal:
        return refusal.code
    return None


@pytest.mark.parametrize("seed", range(6))
def test_the_four_readers_of_R_S_6_agree_on_random_markets(city, seed):
    rng = random.Random(seed)
    at = IN_PAUSE if seed % 3 == 2 else MONDAY
    families = _random_city(city, rng, at)
    city.refresh_from_db()
    seats = list(Seat.objects.filter(group__kindergarten__city=city).select_related("group__kindergarten"))
    codes = set()
    with time_machine.travel(at, tick=False):
        rankings = {market: ranked_eligible(Market(city.pk, *market), at=at) for market in MARKETS}
        in_turn = {market: priority_seat_count(Market(city.pk, *market), at=at) for market in MARKETS}
        notify_turns(at=at.isoformat())
        notified = set(TurnNotice.objects.values_list("application_id", flat=True))
        for application, claimant in families:
            if claimant is None:
                continue
            listed = {seat.pk for seat, _stage in claimable_seats(application=application, by=claimant, at=at)}
            may_in_priority = False
            for seat in seats:
                code = _claim_verdict(seat, application, claimant, at)
                codes.add(code)
                # The ranking's answer: the child is eligible in the seat's market and, in priority
                # access, ranked within the seats; in general access any rank, outside the pause.
                group = seat.group
                market = (group.cohort, group.language, group.group_type)
                ranks = dict(rankings[market])
                stage = seat.stage_at(at)
                by_queue = (
                    application.pk in ranks
                    and application.city_id == city.pk
                    and (
                        (stage == Stage.PRIORITY and ranks[application.pk] <= in_turn[market])
                        or (stage == Stage.GENERAL and not claim_paused(city, at))
                    )
                )
                verified_unblocked = code not in ("blocked", "not_your_child")
                context = f"seed {seed}, application {application.pk}, seat {seat.pk} ({stage}): claim says {code}"
                assert (code is None) == (seat.pk in listed), context
                if verified_unblocked:
                    assert (code is None) == by_queue, context
                if code is None and stage == Stage.PRIORITY:
                    may_in_priority = True
            if claimant_may_claim := (_claim_codes(application, claimant) not in ("blocked", "not_your_child")):
                has_priority_seats = any(
                    s.stage_at(at) == Stage.PRIORITY and Market.of_group(s.group) == Market.of(application)
                    for s in seats
                )
                if has_priority_seats:
                    assert (application.pk in notified) == may_in_priority, f"seed {seed}, {application.pk}"
            assert claimant_may_claim or not listed
    # The draw reached the outcomes the rule tells apart: refusals of every kind and claims let through.
    if at == IN_PAUSE:
        assert "paused" in codes and codes <= {"paused", "blocked", "not_your_child"}, codes
    else:
        assert None in codes and len(codes) >= 5, codes


def _claim_codes(application, claimant) -> str | None:
    """What the claimant check says of this user and child, whatever the seat."""
    [read] = claims.claim_applications([application.pk], claimant)
    try:
        claims.claimant_check(claimant, verified=read.claimant_verified)
    except ServiceError as refusal:
        return refusal.code
    return None
