"""The backtest of the expected wait (issue 16, item 3): replay the estimate as it would have been
computed on past protocol days, for every child then waiting, and compare it with when each child was
actually placed. docs/wait.md explains what is counted.

A child counts ("judged") when its outcome is known: placed (its first referral after the replayed day
that did not end unused), or still waiting when the data ends although the interval's end has passed
(late: outside). Children still waiting with the interval reaching past the data, or who left the
queue unplaced, are not judged. Children of a market with too little history get no estimate (thin).
"""

import dataclasses
import datetime as dt
import statistics
import time
from collections import defaultdict

from django.db.models import F

from indigo import clock
from placement.models import Application, Referral, WaitBacktest
from placement.queue import Market, Scope, queue_ordered
from placement.wait import YEAR, Status, market_history_build, net_placements_by_day, wait_estimate_compute
from vacancies.models import City, Protocol

# A referral that ended like these did not place the child: it went back to its place.
UNUSED = (Referral.State.EXPIRED, Referral.State.REFUSED, Referral.State.CANCELLED)


@dataclasses.dataclass
class _Day:
    day: dt.date
    estimated: int = 0
    thin: int = 0
    inside: int = 0
    early: int = 0
    late: int = 0
    errors: list[int] = dataclasses.field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.inside + self.early + self.late

    def row(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "estimated": self.estimated,
            "thin": self.thin,
            "judged": self.judged,
            "inside": self.inside,
            "early": self.early,
            "late": self.late,
            "median_error": statistics.median(self.errors) if self.errors else None,
        }


def replay_days(*, city: City, step_days: int = 28, until: dt.date | None = None) -> list[Protocol]:
    """Protocols to replay: from the first with 12 months of history behind it, every `step_days`,
    stopping 8 weeks before the end of the data (the last protocol, or `until`) so that the near part
    of an interval can be seen."""
    protocols = list(Protocol.objects.filter(city=city).order_by("cutoff").only("pk", "day", "cutoff"))
    if not protocols:
        return []
    start = protocols[0].day + dt.timedelta(days=YEAR)
    stop = min(protocols[-1].day, until or protocols[-1].day) - dt.timedelta(weeks=8)
    chosen, next_day = [], start
    for protocol in protocols:
        if next_day <= protocol.day <= stop:
            chosen.append(protocol)
            next_day = protocol.day + dt.timedelta(days=step_days)
    return chosen


def _placements(city: City) -> dict[int, list[dt.datetime]]:
    placed: dict[int, list[dt.datetime]] = defaultdict(list)
    rows = (
        Referral.objects.filter(application__city=city)
        .exclude(state__in=UNUSED)
        .values_list("application_id", "issued_at")
        .order_by("issued_at")
    )
    for application_id, issued_at in rows:
        placed[application_id].append(issued_at)
    return placed


def wait_backtest_run(*, city: City, step_days: int = 28, until: dt.date | None = None, log=None) -> WaitBacktest:
    """`until`: judge outcomes up to this day only (placements after it count as not yet happened)."""
    started = time.monotonic()
    days = replay_days(city=city, step_days=step_days, until=until)
    last = Protocol.objects.filter(city=city).order_by("-cutoff").first()
    if until is not None:
        last = Protocol.objects.filter(city=city, day__lte=until).order_by("-cutoff").first() or last
    first_day = Protocol.objects.filter(city=city).order_by("cutoff").values_list("day", flat=True).first()
    results: list[_Day] = []
    if days:
        counts = net_placements_by_day(city=city, until=last.cutoff)
        placed = _placements(city)
        # Left the queue without a seat: closed, not placed.
        left = dict(
            Application.objects.filter(city=city, closed_at__isnull=False)
            .exclude(state=Application.State.PLACED)
            .values_list("pk", "closed_at")
        )
        markets = list(
            Application.objects.filter(city=city)
            .values_list("cohort", "language", "group_type")
            .distinct()
            .order_by("cohort", "language", "group_type")
        )
        end = clock.local_date(last.cutoff)
        for protocol in days:
            result = _Day(protocol.day)
            today = protocol.day + dt.timedelta(days=1)
            for cohort, language, group_type in markets:
                market = Market(city.pk, cohort, language, group_type)
                history = market_history_build(
                    counts=counts.get((cohort, language, group_type), {}), last_day=protocol.day, first_day=first_day
                )
                queue = queue_ordered(market=market, city=city, scope=Scope.WAITING, at=protocol.cutoff)
                for application_id, _tier, position in queue:
                    estimate = wait_estimate_compute(history=history, position=position, today=today)
                    if estimate.status == Status.THIN:
                        result.thin += 1
                        continue
                    if estimate.status != Status.ESTIMATED:
                        continue
                    result.estimated += 1
                    outcome = placed.get(application_id, []), left.get(application_id)
                    _judge(result, estimate, protocol.cutoff, *outcome, end)
            results.append(result)
            if log:
                log(f"  {protocol.day}: {result.row()}")
    errors = [error for result in results for error in result.errors]
    return WaitBacktest.objects.create(
        city=city,
        ran_at=clock.now(),
        seconds=round(time.monotonic() - started, 1),
        first_day=days[0].day if days else (first_day or clock.local_today()),
        last_day=days[-1].day if days else (first_day or clock.local_today()),
        judged=sum(result.judged for result in results),
        inside=sum(result.inside for result in results),
        median_error_days=statistics.median(errors) if errors else None,
        thin=sum(result.thin for result in results),
        rows=[result.row() for result in results],
    )


def _judge(result: _Day, estimate, since: dt.datetime, placements, left_at, end: dt.date) -> None:
    placed_at = next((moment for moment in placements if moment > since), None)
    if placed_at is not None and clock.local_date(placed_at) > end:
        placed_at = None  # after the end of the data judged
    if placed_at is None or (left_at is not None and left_at < placed_at):
        if left_at is None and estimate.high is not None and estimate.high < end:
            result.late += 1  # the interval has passed and the child still waits
        return
    day = clock.local_date(placed_at)
    result.errors.append(abs((day - estimate.expected).days))
    if day < estimate.low:
        result.early += 1
    elif estimate.high is not None and day > estimate.high:
        result.late += 1
    else:
        result.inside += 1


def wait_backtest_latest(*, city: City) -> WaitBacktest | None:
    return WaitBacktest.objects.filter(city=city).order_by(F("ran_at").desc()).first()
