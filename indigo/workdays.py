"""Working-day calendar (R-CAL-1).

Monday–Friday, minus Kazakhstan's public holidays as the `holidays` package knows them
(including decree-moved days off and worked Saturdays), then the city's own overrides,
which the education department edits and which always win.

The overrides are vacancies' rows; indigo imports no app (DESIGN §4), so vacancies registers the
loader that reads them (vacancies/calendar.py, from its AppConfig.ready()), or a caller passes one.
"""

import datetime as dt
import functools
from collections.abc import Callable

import holidays

_ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _national(year: int, language: str = "kk") -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=[year], language=language)


def national_calendar_warm() -> None:
    """Load this year's and next year's public holidays now: the first lookup in a process reads the
    holidays package's country data, most of a second, which a server's first claim or a worker's
    first allocation would otherwise wait for (indigo/wsgi.py, indigo/celery.py)."""
    today = dt.date.today()
    for year in (today.year, today.year + 1):
        _national(year)


@functools.lru_cache(maxsize=2048)
def is_national_working_day(day: dt.date) -> bool:
    # Remembered per day: a referral's validity asks about a week of days on every claim, and the
    # holidays package works each answer out again (a twentieth of a claim's CPU in a rush).
    return _national(day.year).is_working_day(day)


def national_holiday_names(year: int, language: str) -> dict[dt.date, str]:
    """The year's public holidays and their names. The holidays package names KZ holidays in Kazakh
    and English only, so Russian pages show the Kazakh names."""
    return dict(_national(year, "en_US" if language == "en" else "kk"))


# loader(city, year) -> {day: True for a working day, False for a day off} of the city's overrides.
OverridesLoader = Callable[[object, int], dict[dt.date, bool]]
_LOADER: list[OverridesLoader] = []


def overrides_loader_register(loader: OverridesLoader) -> None:
    """Where every city calendar reads the department's overrides (vacancies registers it)."""
    _LOADER[:] = [loader]


class WorkingCalendar:
    """A city's calendar; loads that city's overrides once per year it is asked about."""

    def __init__(self, city=None, *, overrides: OverridesLoader | None = None):
        self.city = city
        self._load = overrides
        self._overrides: dict[int, dict[dt.date, bool]] = {}

    def _overrides_for(self, year: int) -> dict[dt.date, bool]:
        if year not in self._overrides:
            if self.city is None:
                self._overrides[year] = {}
            else:
                load = self._load or (_LOADER[0] if _LOADER else None)
                if load is None:
                    # Ignoring a city's days off would move every deadline: refuse rather than guess.
                    raise RuntimeError("No calendar overrides loader: vacancies registers one when it is ready.")
                self._overrides[year] = load(self.city, year)
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
