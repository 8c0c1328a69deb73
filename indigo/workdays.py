"""Working-day calendar (R-CAL-1).

Monday–Friday, minus Kazakhstan's public holidays as the `holidays` package knows them
(including decree-moved days off and worked Saturdays), then the city's own overrides,
which the education department edits and which always win.
"""

import datetime as dt
import functools

import holidays

_ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _national(year: int, language: str = "kk") -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=[year], language=language)


def is_national_working_day(day: dt.date) -> bool:
    return _national(day.year).is_working_day(day)


def national_holiday_names(year: int, language: str) -> dict[dt.date, str]:
    """The year's public holidays and their names. The holidays package names KZ holidays in Kazakh
    and English only, so Russian pages show the Kazakh names."""
    return dict(_national(year, "en_US" if language == "en" else "kk"))


class WorkingCalendar:
    """A city's calendar; loads that city's overrides once per year it is asked about."""

    def __init__(self, city=None):
        self.city = city
        self._overrides: dict[int, dict[dt.date, bool]] = {}

    def _overrides_for(self, year: int) -> dict[dt.date, bool]:
        if year not in self._overrides:
            if self.city is None:
                self._overrides[year] = {}
            else:
                from vacancies.models import CalendarOverride

                # Written out (raw() keeps the fields' converters): a referral's validity asks this on every
                # claim, and compiling the ORM query cost more than the query (docs/performance.md).
                rows = CalendarOverride.objects.raw(
                    "SELECT id, day, kind FROM vacancies_calendaroverride WHERE city_id = %s AND day BETWEEN %s AND %s",
                    [self.city.pk, dt.date(year, 1, 1), dt.date(year, 12, 31)],
                )
                self._overrides[year] = {row.day: row.kind == CalendarOverride.Kind.WORKING_DAY for row in rows}
        return self._overrides[year]

    def is_working_day(self, day: dt.date) -> bool:
        override = self._overrides_for(day.year).get(day)
        if override is not None:
            return override
        return is_national_working_day(day)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (`day` itself never counts); n=0 gives `day`."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        while n:
            current += _ONE_DAY
            if self.is_working_day(current):
                n -= 1
        return current

    def next_working_day(self, day: dt.date) -> dt.date:
        return self.add_working_days(day, 1)

    def in_pause(self, day: dt.date) -> bool:
        return self.city is not None and self.city.in_august_pause(day)

    def add_window_days(self, day: dt.date, n: int, *, working: bool = True) -> dt.date:
        """The n-th day after `day` that counts toward a window (priority access, a referral's validity):
        a working day (or any day, with working=False) outside the city's August pause (R-S-4), so a
        window that reaches the pause resumes after it instead of running out inside it."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        while n:
            current += _ONE_DAY
            if (not working or self.is_working_day(current)) and not self.in_pause(current):
                n -= 1
        return current

    def next_window_day(self, day: dt.date) -> dt.date:
        return self.add_window_days(day, 1)


def is_working_day(day: dt.date, city=None) -> bool:
    return WorkingCalendar(city).is_working_day(day)


def add_working_days(day: dt.date, n: int, city=None) -> dt.date:
    return WorkingCalendar(city).add_working_days(day, n)
