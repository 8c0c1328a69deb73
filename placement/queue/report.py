"""The position report (R-Q-3): where the child stands, where it stood at the previous protocol, and
why it moved, by ranking the market at both moments. The definition that positions.py's fast report
is tested against (tests/placement/test_queue_fast.py)."""

import dataclasses
import datetime as dt

from placement.models import Application, Referral
from placement.queue.order import EXTRAORDINARY, FIRST, GENERAL, Market, Scope, queue_ordered
from vacancies.models import Protocol


@dataclasses.dataclass
class PositionReport:
    """R-Q-3: where the child stands, where it stood at the previous protocol, and why it moved."""

    now: int | None
    then: int | None
    then_at: dt.datetime | None
    # reason code → number of children; codes are explained by REASONS in the templates.
    reasons: dict[str, int]


def _standing(application: Application, at: dt.datetime) -> dict[int, tuple[int, int]]:
    """Every waiting application of the market at `at`: id → (tier, position)."""
    rows = queue_ordered(market=Market.of(application), city=application.city, scope=Scope.WAITING, at=at)
    return {pk: (tier, position) for pk, tier, position in rows}


@dataclasses.dataclass(frozen=True)
class Moved:
    """Another child that stood ahead at the protocol and does not now, or the other way round."""

    tier_then: int | None  # None: not waiting at the protocol
    tier_now: int | None  # None: not waiting now
    placed: bool  # a referral was issued to it since the protocol
    filed_after: bool  # its application was filed after the protocol


_NEW_BY_TIER = {EXTRAORDINARY: "new_extraordinary", FIRST: "new_privileged", GENERAL: "new_general"}


def reasons_since(
    *, tier_then: int | None, tier_now: int | None, filed_after: bool, gone: list[Moved], came: list[Moved]
) -> dict[str, int]:
    """Why the child's place changed since the protocol, from facts only: each reason names something
    that did happen. A child that is not waiting now (its referral is issued) has no place to explain,
    so nothing is said; every child ahead "left" only from its point of view."""
    if tier_now is None:
        return {}
    if tier_then is None:
        # Not in the queue at the protocol: new since (nothing to compare) or back after its referral ended.
        return {} if filed_after else {"own_returned": 1}
    reasons: dict[str, int] = {}

    def count(code: str) -> None:
        reasons[code] = reasons.get(code, 0) + 1

    own_moved = tier_now != tier_then
    if own_moved:
        count("own_privilege_granted" if tier_now < tier_then else "own_privilege_removed")
    for moved_list, direction in ((gone, "behind"), (came, "ahead")):
        for moved in moved_list:
            if moved.tier_now is None:
                count("placed" if moved.placed else "removed")
            elif moved.tier_then is None:
                count(_NEW_BY_TIER[moved.tier_now] if moved.filed_after else "returned")
            elif moved.tier_now != moved.tier_then:
                count("privilege_granted" if moved.tier_now < moved.tier_then else "privilege_removed")
            elif not own_moved:
                # Same list, still waiting: only the turn-taking of the lists moved it past the child.
                count(f"order_{direction}")
    return reasons


def previous_cutoff(application: Application, at: dt.datetime) -> dt.datetime | None:

    return (
        Protocol.objects.filter(city_id=application.city_id, cutoff__lt=at)
        .order_by("-cutoff")
        .values_list("cutoff", flat=True)
        .first()
    )


def position_report_ranked(*, application: Application, at: dt.datetime) -> PositionReport:
    """The report from two rankings of the whole market: the definition the fast one is tested against."""

    then_at = previous_cutoff(application, at)
    standing_now = _standing(application, at)
    mine_now = standing_now.get(application.pk)
    now = mine_now[1] if mine_now else None
    if then_at is None:
        return PositionReport(now=now, then=None, then_at=None, reasons={})
    standing_then = _standing(application, then_at)
    mine_then = standing_then.get(application.pk)
    then = mine_then[1] if mine_then else None
    gone: set[int] = set()
    came: set[int] = set()
    if mine_now and mine_then:
        ahead_then = {pk for pk, (_tier, position) in standing_then.items() if position < then}
        ahead_now = {pk for pk, (_tier, position) in standing_now.items() if position < now}
        gone, came = ahead_then - ahead_now, ahead_now - ahead_then
    placed = set(
        Referral.objects.filter(application_id__in=gone | came, issued_at__gt=then_at).values_list(
            "application_id", flat=True
        )
    )
    filed_after = set(Application.objects.filter(pk__in=gone | came, filed_at__gt=then_at).values_list("pk", flat=True))

    def moved(pk: int) -> Moved:
        return Moved(
            tier_then=standing_then[pk][0] if pk in standing_then else None,
            tier_now=standing_now[pk][0] if pk in standing_now else None,
            placed=pk in placed,
            filed_after=pk in filed_after,
        )

    reasons = reasons_since(
        tier_then=mine_then[0] if mine_then else None,
        tier_now=mine_now[0] if mine_now else None,
        filed_after=application.filed_at > then_at,
        gone=[moved(pk) for pk in gone],
        came=[moved(pk) for pk in came],
    )
    return PositionReport(now=now, then=then, then_at=then_at, reasons=reasons)
