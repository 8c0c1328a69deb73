"""The demo city's 2024 summer schedule: each cohort's dates, a few kindergartens' own dates, and the log."""

import dataclasses
import datetime as dt
from collections import Counter

from accounts.models import User
from indigo.clock import at_local
from placement.demo.common import SCHEDULE_APPROVED_AT, SCHEDULE_YEAR
from vacancies.models import City, Kindergarten, ScheduleLogEntry, SummerWindow, SummerWindowChange

# The city department's 2024 dates: (priority start, priority end, general access).
SUMMER_2024 = {
    2021: (dt.date(2024, 6, 3), dt.date(2024, 6, 5), dt.date(2024, 6, 6)),
    2020: (dt.date(2024, 6, 10), dt.date(2024, 6, 12), dt.date(2024, 6, 13)),
    2019: (dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
    2022: (dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
}


SCHEDULE_APPROVED_REASON = "Жазғы жинақтау кестесі бекітілді / График летнего комплектования утверждён"


@dataclasses.dataclass(frozen=True)
class ScheduleChangeSpec:
    kindergarten_index: int
    cohort: int
    dates: tuple[dt.date, dt.date, dt.date]
    reason: str
    at: dt.datetime


SCHEDULE_CHANGES = (
    ScheduleChangeSpec(
        2,
        2021,
        (dt.date(2024, 6, 17), dt.date(2024, 6, 19), dt.date(2024, 6, 20)),
        "Ағымдағы жөндеу / текущий ремонт",
        at_local(dt.date(2024, 5, 28), dt.time(11, 15)),
    ),
    ScheduleChangeSpec(
        4,
        2019,
        (dt.date(2024, 6, 24), dt.date(2024, 6, 26), dt.date(2024, 6, 27)),
        "Су құбырын ауыстыру / замена водопровода",
        at_local(dt.date(2024, 6, 7), dt.time(16, 40)),
    ),
)


def _dates(priority_start: dt.date, priority_end: dt.date, general_date: dt.date) -> dict[str, str]:
    return {
        "priority_start": priority_start.isoformat(),
        "priority_end": priority_end.isoformat(),
        "general_date": general_date.isoformat(),
    }


def load_schedule(city: City, kindergartens: list[Kindergarten], officer: User, added: Counter) -> None:
    windows = {}
    for cohort, (start, end, general) in SUMMER_2024.items():
        window, created = SummerWindow.objects.get_or_create(
            city=city,
            year=SCHEDULE_YEAR,
            cohort=cohort,
            defaults={"priority_start": start, "priority_end": end, "general_date": general},
        )
        windows[cohort] = window
        if created:
            added[SummerWindow] += 1
            added[ScheduleLogEntry] += 1
            ScheduleLogEntry.objects.create(
                city=city,
                year=SCHEDULE_YEAR,
                cohort=cohort,
                at=SCHEDULE_APPROVED_AT,
                actor=officer,
                before={},
                after=_dates(start, end, general),
                reason=SCHEDULE_APPROVED_REASON,
            )
    if not kindergartens:
        return
    for spec in SCHEDULE_CHANGES:
        window = windows[spec.cohort]
        kindergarten = kindergartens[min(spec.kindergarten_index, len(kindergartens) - 1)]
        start, end, general = spec.dates
        _, created = SummerWindowChange.objects.get_or_create(
            window=window,
            kindergarten=kindergarten,
            defaults={
                "priority_start": start,
                "priority_end": end,
                "general_date": general,
                "reason": spec.reason,
                "created_at": spec.at,
                "created_by": officer,
            },
        )
        if created:
            added[SummerWindowChange] += 1
            added[ScheduleLogEntry] += 1
            ScheduleLogEntry.objects.create(
                city=city,
                year=SCHEDULE_YEAR,
                cohort=spec.cohort,
                kindergarten=kindergarten,
                at=spec.at,
                actor=officer,
                before=_dates(window.priority_start, window.priority_end, window.general_date),
                after=_dates(start, end, general),
                reason=spec.reason,
            )
