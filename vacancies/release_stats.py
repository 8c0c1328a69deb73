"""Per kindergarten, from the published protocols of the last 12 months (issue 16, item 2): how many
seats it released and how fast they went — the median time from the moment a seat could be claimed
(its priority access opening) to the referral that took it. Families see where their chances are better.
"""

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict

from django.core.cache import cache
from django.db.models.fields.json import KT

from indigo import clock
from vacancies.models import City, Kindergarten, Protocol, ProtocolEntry, SeatEvent

YEAR = dt.timedelta(days=365)
CACHE_SECONDS = 36 * 3600

MarketKey = tuple[int, str, str]  # (cohort, language, group type)
ALL: MarketKey = (0, "", "")  # every market together


@dataclasses.dataclass(frozen=True)
class KindergartenReleases:
    kindergarten_id: int
    name_kk: str
    name_ru: str
    released: int  # distinct seats published
    claimed: int
    median_hours: float | None  # publication (access opening) to claim

    @property
    def name(self) -> str:
        """The name as published (kk or ru); pages use release_rows_named for the reader's language."""
        from django.utils.translation import get_language

        return self.name_ru if (get_language() or "kk").startswith(("ru", "en")) else self.name_kk

    @property
    def median_days(self) -> float | None:
        return None if self.median_hours is None else round(self.median_hours / 24, 1)


def _opening(entry_at: dt.datetime, priority_from: str | None) -> dt.datetime:
    # A seat held for the summer schedule is published before it can be claimed: count from its opening.
    if priority_from:
        try:
            return max(entry_at, dt.datetime.fromisoformat(priority_from))
        except ValueError:
            pass
    return entry_at


def release_stats_compute(*, city: City, until: dt.datetime) -> dict[MarketKey, list[KindergartenReleases]]:
    """Every market's kindergartens with their releases in the 12 months before `until` (published by then)."""
    rows = (
        ProtocolEntry.objects.filter(
            protocol__city=city,
            protocol__cutoff__lte=until,
            at__gt=until - YEAR,
            kind__in=[SeatEvent.Kind.PUBLISHED, SeatEvent.Kind.CLAIMED],
        )
        .annotate(
            kindergarten=KT("payload__kindergarten__id"),
            name_kk=KT("payload__kindergarten__name_kk"),
            name_ru=KT("payload__kindergarten__name_ru"),
            cohort=KT("payload__cohort"),
            language=KT("payload__language"),
            group_type=KT("payload__group_type"),
            opening=KT("payload__priority_from"),
        )
        .values_list(
            "seat_id", "kind", "at", "kindergarten", "name_kk", "name_ru", "cohort", "language", "group_type", "opening"
        )
        .order_by("at", "pk")
    )
    opened: dict[int, dt.datetime] = {}
    seats: dict[tuple, set[int]] = defaultdict(set)
    waits: dict[tuple, list[float]] = defaultdict(list)
    names: dict[int, tuple[str, str]] = {}
    for seat_id, kind, at, kindergarten, name_kk, name_ru, cohort, language, group_type, opening in rows:
        if kindergarten is None:
            continue
        # Each row counts in its market and in the kindergarten's total over all markets (ALL).
        keys = ((int(cohort), language, group_type, int(kindergarten)), (*ALL, int(kindergarten)))
        names[int(kindergarten)] = (name_kk or "", name_ru or "")
        if kind == SeatEvent.Kind.PUBLISHED:
            for key in keys:
                seats[key].add(seat_id)
            opened[seat_id] = _opening(at, opening)
        elif seat_id in opened:
            hours = max((at - opened.pop(seat_id)).total_seconds(), 0) / 3600
            for key in keys:
                waits[key].append(hours)
    result: dict[MarketKey, list[KindergartenReleases]] = defaultdict(list)
    for key in sorted(seats, key=lambda k: (k[:3], -len(seats[k]), k[3])):
        kindergarten_id = key[3]
        result[key[:3]].append(
            KindergartenReleases(
                kindergarten_id=kindergarten_id,
                name_kk=names[kindergarten_id][0],
                name_ru=names[kindergarten_id][1],
                released=len(seats[key]),
                claimed=len(waits[key]),
                median_hours=round(statistics.median(waits[key]), 1) if waits[key] else None,
            )
        )
    return dict(result)


def release_stats(*, city: City, at: dt.datetime | None = None) -> dict[MarketKey, list[KindergartenReleases]]:
    """The figures at the city's last protocol, kept in the cache until the next one."""
    protocol = Protocol.objects.filter(city=city, cutoff__lte=at or clock.now()).order_by("-cutoff").first()
    if protocol is None:
        return {}
    key = f"release-stats:{city.pk}:{int(protocol.cutoff.timestamp())}"
    stats = cache.get(key)
    if stats is None:
        stats = release_stats_compute(city=city, until=protocol.cutoff)
        cache.set(key, stats, CACHE_SECONDS)
    return stats


def release_stats_by_kindergarten(*, city: City, at: dt.datetime | None = None) -> list[KindergartenReleases]:
    """All markets together, per kindergarten (the public kindergartens page), most seats first."""
    return release_stats(city=city, at=at).get(ALL, [])


@dataclasses.dataclass(frozen=True)
class NamedReleases:
    row: KindergartenReleases
    name: str


def release_rows_named(rows: list[KindergartenReleases]) -> list[NamedReleases]:
    """The rows with each kindergarten's name in the reader's language (one query)."""
    kindergartens = Kindergarten.objects.in_bulk([row.kindergarten_id for row in rows])
    named = []
    for row in rows:
        kindergarten = kindergartens.get(row.kindergarten_id)
        named.append(NamedReleases(row, kindergarten.name if kindergarten else row.name))
    return named
