"""Who may claim a seat, and when (R-S-6): the one definition.

Every question about it is answered here: the claim (placement/services/claims.py), the seats a
child may claim (placement/selectors.py), the turn notifications (placement/tasks.py) and the claim
window's allocation. A claim is allowed when

- the claimant is the child's verified legal representative and is not blocked (claimant_check);
- the city is not in its August pause (R-S-4: no referrals while groups move up a year);
- the application is active, the child is not stop-listed and holds no active referral;
- the seat's group is in the application's market (city, cohort, language, group type);
- the seat is open: published, not taken, its access begun (not waiting for the summer schedule);
- in priority access the child's rank among the market's eligible children (R-Q-2 order) is within
  the market's seats now in priority access times the city's pool factor; in general access any rank.

The eligible children of a market, as a set, are sql.ELIGIBLE_SQL: the same conditions on every
application, with "not represented by blocked accounts only" standing for the claimant's, which a
verified unblocked claimant implies. The checks below raise the ServiceError a claim answers with;
may_claim() turns them into a Verdict for callers that list rather than claim.
"""

import dataclasses
import datetime as dt

from django.db import connection
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import RepresentativeLink
from indigo import clock
from indigo.errors import Busy, Conflict, NotAllowed, ServiceError
from placement.guards import block_check
from placement.models import Application, Referral, WindowAllocation
from placement.queue.order import Market, Scope, market_params, queue_ordered, rank_from_counts
from placement.queue.sql import PRIORITY_SEATS_SQL, TURN_SQL
from vacancies.access import Stage, stage_at
from vacancies.models import City, Seat


@dataclasses.dataclass(frozen=True)
class Turn:
    """A child's rank among the eligible children of its market, and how many of them may claim now."""

    rank: int | None
    allowed: int

    @property
    def has_come(self) -> bool:
        return self.rank is not None and self.rank <= self.allowed


@dataclasses.dataclass(frozen=True)
class Verdict:
    """may_claim's answer: allowed (true), or the refusal a claim would raise."""

    refusal: ServiceError | None = None
    stage: Stage | None = None
    turn: Turn | None = None

    def __bool__(self) -> bool:
        return self.refusal is None

    @property
    def code(self) -> str | None:
        return None if self.refusal is None else self.refusal.code


def claim_paused(city: City, at: dt.datetime) -> bool:
    """R-S-4: no referral is issued during the city's August pause."""
    return city.in_august_pause(clock.local_date(at))


def allowed_in_turn(seats: int, city: City, at: dt.datetime) -> int:
    """How many children may claim in priority access: the seats times the city's pool factor,
    rounded down; none during the August pause."""
    return 0 if claim_paused(city, at) else int(seats * city.priority_pool_factor)


def priority_seat_count(market: Market, *, at: dt.datetime, city: City | None = None) -> int:
    """How many children of the market may claim now in priority access (R-S-6): its seats in
    priority access times the city's pool factor; 0 during the August pause."""
    city = city or City.objects.get(pk=market.city_id)
    if claim_paused(city, at):
        return 0
    with connection.cursor() as cursor:
        cursor.execute(PRIORITY_SEATS_SQL, market_params(market, city, at))
        [seats] = cursor.fetchone()
    return allowed_in_turn(seats, city, at)


def ranked_eligible(
    market: Market, *, at: dt.datetime, city: City | None = None, limit: int | None = None
) -> list[tuple[int, int]]:
    """(application id, rank) of the market's eligible children in R-Q-2 order, as of `at`: the
    ranking a priority turn is judged by (the first `limit` only, when given)."""
    city = city or City.objects.get(pk=market.city_id)
    rows = queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=at, limit=limit)
    return [(application_id, rank) for application_id, _tier, rank in rows]


def priority_turn(*, application: Application, at: dt.datetime | None = None) -> Turn:
    """The child's rank among the eligible children against the seats now in priority access, in
    one statement. Under the claim's market lock (placement/services/claims.py) no other priority
    claim of the market commits meanwhile, so the answer is the market as it is."""
    at = at or clock.now()
    city = application.city
    params = market_params(Market.of(application), city, at)
    params.update(id=application.pk)
    with connection.cursor() as cursor:
        cursor.execute(TURN_SQL, params)
        rows = cursor.fetchall()
    seats = next(count for tier, count, _before, _mine in rows if tier == -1)
    # From counts, not a ranking of the market: the same rank without sorting it (order.ahead_by_list).
    rank = rank_from_counts([row for row in rows if row[0] != -1], city)
    return Turn(rank=rank, allowed=allowed_in_turn(seats, city, at))


# -- The checks, each raising what a claim answers -----------------------------------------------------


def claimant_check(user, *, verified: bool) -> None:
    """The claimant: not blocked (R-A-3), and the child's verified legal representative (R-A-2)."""
    block_check(user)
    if not verified:
        raise NotAllowed("not_your_child", _("Only the child's verified legal representative may act for the child."))


def pause_check(city: City, at: dt.datetime) -> None:
    if claim_paused(city, at):
        raise Conflict("paused", _("Groups are moving up a year in August: no referrals are issued until it ends."))


def has_referral() -> Conflict:
    return Conflict("has_referral", _("The child already holds a referral; enrol or refuse it first."))


def application_check(state: str, stop_listed_until: dt.datetime | None, holds_referral: bool, at) -> None:
    if state != Application.State.ACTIVE:
        raise Conflict("application_closed", _("This application is no longer in the queue."))
    if stop_listed_until and stop_listed_until > at:
        raise Conflict(
            "stop_listed",
            _("The child is on the stop-list until %(until)s and cannot claim a seat before then."),
            until=formats.date_format(clock.local_date(stop_listed_until)),
        )
    if holds_referral:
        raise has_referral()


def seat_match_check(seat, application: Application) -> None:
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


def seat_taken() -> Conflict:
    return Conflict("seat_taken", _("This seat has just been taken or withdrawn. Choose another one."))


def seat_open_check(seat, at: dt.datetime) -> Stage:
    """The seat's access stage, when a claim may take it at all."""
    stage = seat_stage_check(seat, at)
    _not_in_window_check(seat, at)
    return stage


def seat_stage_check(seat, at: dt.datetime) -> Stage:
    """seat_open_check without R-W-2: what a claim window's own allocation checks of its seats."""
    stage = stage_at(seat, at)
    if seat.state == Seat.State.RELEASED:
        raise Conflict("not_published", _("This seat is not published yet; the 18:00 protocol will open it."))
    if seat.state != Seat.State.OPEN:
        raise seat_taken()
    if stage == Stage.SCHEDULED:
        raise Conflict("not_open_yet", _("This seat opens on the summer schedule's date, not yet."))
    return stage


def _not_in_window_check(seat, at: dt.datetime) -> None:
    """R-W-2: a window's seats are given by the queue at its close, and are first come only after its
    allocation has run."""
    window = seat.window_at(at)
    if window is not None:
        raise Conflict(
            "seat_in_window",
            _(
                "This seat is given by the queue when its claim window closes at %(time)s. "
                "List its group in your child's bid instead of claiming it."
            ),
            time=formats.time_format(window[2].astimezone(clock.ASTANA), "H:i"),
        )
    closed = seat.window_closed_at(at)
    if closed is not None:
        stage, opens_at, closes_at = closed
        group = seat.group
        done = WindowAllocation.objects.filter(
            window__city_id=group.kindergarten.city_id,
            window__cohort=group.cohort,
            window__language=group.language,
            window__group_type=group.group_type,
            window__stage=stage,
            window__opens_at=opens_at,
            window__closes_at=closes_at,
        ).exists()
        if not done:
            raise Busy(
                "window_allocating",
                _("The queue is deciding this seat's claim window right now. Try again in a minute."),
            )


def turn_check(turn: Turn) -> int | None:
    """In priority access the child's rank must be within the seats now in priority access."""
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


def holds_referral(application: Application) -> bool:
    return Referral.objects.filter(child_id=application.child_id, state=Referral.State.ISSUED).exists()


def may_claim(
    *,
    application: Application,
    at: dt.datetime,
    seat=None,
    by=None,
    turn: Turn | None = None,
    referral_held: bool | None = None,
) -> Verdict:
    """May this child claim now: this seat (its stage decides whether the turn counts), or, without a
    seat, any seat at all? With `by`, also whether that user may claim for the child. `turn` and
    `referral_held` save the queries when the caller has them already."""
    try:
        if by is not None:
            verified = getattr(application, "claimant_verified", None)
            if verified is None:
                verified = RepresentativeLink.objects.filter(
                    user_id=by.pk, child_id=application.child_id, state=RepresentativeLink.State.VERIFIED
                ).exists()
            claimant_check(by, verified=verified)
        pause_check(application.city, at)
        if referral_held is None:
            referral_held = holds_referral(application)
        application_check(application.state, application.stop_listed_until, referral_held, at)
        if seat is None:
            return Verdict()
        seat_match_check(seat, application)
        stage = seat_open_check(seat, at)
        if stage == Stage.PRIORITY:
            turn = turn or priority_turn(application=application, at=at)
            turn_check(turn)
        return Verdict(stage=stage, turn=turn)
    except ServiceError as refusal:
        return Verdict(refusal=refusal)
