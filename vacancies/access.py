"""When a published seat's priority and general access open (R-S-2, R-S-3, R-S-4).

Windows are fixed at publication and stored on the seat; the access stage at any moment
is then a comparison of timestamps, never a stored flag a late job could leave stale.
"""

import dataclasses
import datetime as dt

from indigo.clock import ASTANA, at_local, local_date
from indigo.workdays import WorkingCalendar
from vacancies.models import City, ClaimMode, Seat, Stage, SummerWindow, SummerWindowChange

MIDNIGHT = dt.time(0, 0)


@dataclasses.dataclass(frozen=True)
class AccessWindow:
    priority_from: dt.datetime
    priority_until: dt.date
    general_from: dt.datetime
    summer: bool = False

    def as_data(self) -> dict:
        return {
            "priority_from": self.priority_from.isoformat(),
            "priority_until": self.priority_until.isoformat(),
            "general_from": self.general_from.isoformat(),
            "summer": self.summer,
        }


def stage_at(seat, moment: dt.datetime) -> Stage:
    """Seat.stage_at for a seat or a row read like one (raw SQL)."""
    return Seat.stage_at(seat, moment)


class WindowPlanner:
    """Computes windows for the seats one protocol publishes, loading the city's schedule once."""

    def __init__(self, city: City, published_at: dt.datetime, calendar: WorkingCalendar | None = None):
        self.city = city
        self.published_at = published_at
        self.publication_day = local_date(published_at)
        self.calendar = calendar or WorkingCalendar(city)
        self._summer = {w.cohort: w for w in SummerWindow.objects.filter(city=city, year=self.publication_day.year)}
        self._changes = {
            (c.window.cohort, c.kindergarten_id): c
            for c in SummerWindowChange.objects.filter(window__in=self._summer.values()).select_related("window")
        }
        self._regular = self._regular_window()

    def _regular_window(self) -> AccessWindow:
        """R-S-2: priority from publication for N working (or calendar) days after its day."""
        city = self.city
        # R-S-4: days of the August pause do not count, so a seat published late in July keeps the
        # rest of its priority access after the pause, and general access opens after it too.
        working = city.priority_window_unit == City.WindowUnit.WORKING_DAYS
        last_day = self.calendar.add_window_days(self.publication_day, city.priority_window_length, working=working)
        general_day = self.calendar.add_window_days(last_day, 1, working=working)
        return AccessWindow(self.published_at, last_day, at_local(general_day, MIDNIGHT))

    def window_for(self, *, kindergarten_id: int, cohort: int) -> AccessWindow:
        summer = self._summer.get(cohort)
        if summer is not None:
            dates = self._changes.get((cohort, kindergarten_id), summer)
            season_start = dt.date.fromisoformat(f"{summer.year}-{self.city.recruitment_season_start}")
            # Seats released in the season before the window closes wait for the schedule's dates.
            if season_start <= self.publication_day <= dates.priority_end:
                opens = max(self.published_at, at_local(dates.priority_start, MIDNIGHT))
                return AccessWindow(opens, dates.priority_end, at_local(dates.general_date, MIDNIGHT), summer=True)
        return self._regular


def window_close_after(city: City, moment: dt.datetime) -> dt.datetime:
    """R-W-2: the first local `window_close` time strictly after `moment` (18:00 → 09:00 next day,
    00:00 → 09:00 the same day)."""
    local = moment.astimezone(ASTANA)
    candidate = at_local(local.date(), city.window_close)
    return candidate if candidate > moment else at_local(local.date() + dt.timedelta(days=1), city.window_close)


def window_closes(city: City, window: AccessWindow) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The close of each stage's claim window for seats opening on `window`, from the city's modes now
    (R-W-1): None for a stage that is first come. Fixed on the seat at publication."""
    priority = window_close_after(city, window.priority_from) if city.priority_mode == ClaimMode.WINDOW else None
    general = window_close_after(city, window.general_from) if city.general_mode == ClaimMode.WINDOW else None
    return priority, general


def next_cutoff(city: City, moment: dt.datetime) -> dt.datetime:
    """The first publication moment at or after `moment` in Astana time."""
    local = moment.astimezone(ASTANA)
    candidate = at_local(local.date(), city.publication_time)
    return candidate if candidate >= moment else at_local(local.date() + dt.timedelta(days=1), city.publication_time)


def cutoffs_between(
    city: City, after: dt.datetime | None, until: dt.datetime, *, first_change: dt.datetime | None = None
) -> list[dt.datetime]:
    """Every publication moment in (after, until].

    With no protocol yet (`after` None), from the first publication moment at or after the city's first
    change (R-P-2: days missed before a city's first protocol are caught up like any others), or only the
    latest one when nothing has happened yet.
    """
    latest = next_cutoff(city, until)
    if latest > until:
        latest = at_local(local_date(latest) - dt.timedelta(days=1), city.publication_time)
    if after is None:
        if first_change is None or first_change > latest:
            return [latest]
        day = local_date(next_cutoff(city, first_change))
    else:
        day = local_date(after)
    cutoffs = []
    while (cutoff := at_local(day, city.publication_time)) <= until:
        if after is None or cutoff > after:
            cutoffs.append(cutoff)
        day += dt.timedelta(days=1)
    return cutoffs
