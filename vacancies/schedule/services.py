"""The department's summer recruitment schedule (R-S-3): cohort windows and per-kindergarten changes.

Every write is logged in ScheduleLogEntry, which the public schedule page and the next protocol
show. Windows are copied onto a seat when it is published, so a change here moves only seats
that are not published yet; published seats keep the dates they were announced with.
"""

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.scoping import can_manage_city
from indigo.errors import Conflict, NotAllowed, ServiceError
from indigo.inputs import reason_text
from indigo.workdays import WorkingCalendar
from vacancies.locking import protocol_write_begin
from vacancies.models import City, Kindergarten
from vacancies.schedule.models import ScheduleLogEntry, SummerWindow, SummerWindowChange

# Kindergartens take children from one to six years old; anything else is a typo.
YOUNGEST_AGE, OLDEST_AGE = 1, 7


@dataclasses.dataclass(frozen=True)
class SummerDates:
    priority_start: dt.date
    priority_end: dt.date
    general_date: dt.date

    @classmethod
    def of(cls, row) -> "SummerDates":
        return cls(row.priority_start, row.priority_end, row.general_date)

    def as_json(self) -> dict[str, str]:
        return {
            "priority_start": self.priority_start.isoformat(),
            "priority_end": self.priority_end.isoformat(),
            "general_date": self.general_date.isoformat(),
        }


_DATE_LABELS = {
    "priority_start": _("The start of priority access"),
    "priority_end": _("The end of priority access"),
    "general_date": _("The general access date"),
}


def _require_department(by, city: City) -> None:
    if by is not None and not can_manage_city(by, city):
        raise NotAllowed("not_your_city", _("You can change only your own city's schedule."))


def _clean_reason(reason: str) -> str:
    return reason_text(reason, missing=_("Say why the schedule changes (repairs, illness…); the public log shows it."))


def _month_day(year: int, month_day: str) -> dt.date:
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(year, month, day)


def summer_dates_check(*, city: City, year: int, cohort: int, dates: SummerDates, calendar=None) -> None:
    """Refuse dates the schedule cannot hold; each refusal names the date and the rule."""
    if not 2000 <= year <= 2100:
        raise ServiceError("invalid_year", _("Give the schedule's year as four digits."))
    if not year - OLDEST_AGE <= cohort <= year - YOUNGEST_AGE:
        raise ServiceError(
            "invalid_cohort",
            _("Children born in %(cohort)s are not of kindergarten age in %(year)s."),
            cohort=cohort,
            year=year,
        )
    for field, day in dataclasses.asdict(dates).items():
        if day is None:
            raise ServiceError("date_required", _("%(date)s is missing."), date=_DATE_LABELS[field])
        if day.year != year:
            raise ServiceError("wrong_year", _("%(date)s must fall in %(year)s."), date=_DATE_LABELS[field], year=year)
    if dates.priority_end < dates.priority_start:
        raise ServiceError("dates_out_of_order", _("Priority access cannot end before it starts."))
    if dates.general_date <= dates.priority_end:
        raise ServiceError("dates_out_of_order", _("General access must open after the last day of priority access."))
    season_start = _month_day(year, city.recruitment_season_start)
    pause_start = _month_day(year, city.august_pause_start)
    calendar = calendar or WorkingCalendar(city)
    for field, day in dataclasses.asdict(dates).items():
        label = _DATE_LABELS[field]
        if city.in_august_pause(day):
            raise ServiceError(
                "in_august_pause",
                _("%(date)s (%(day)s) falls in the August pause, when nothing is published."),
                date=label,
                day=day.strftime("%d.%m.%Y"),
            )
        if not season_start <= day < pause_start:
            raise ServiceError(
                "outside_season",
                _("%(date)s (%(day)s) must fall between %(start)s and the August pause (%(pause)s)."),
                date=label,
                day=day.strftime("%d.%m.%Y"),
                start=season_start.strftime("%d.%m.%Y"),
                pause=pause_start.strftime("%d.%m.%Y"),
            )
        if not calendar.is_working_day(day):
            raise ServiceError(
                "not_a_working_day",
                _("%(date)s (%(day)s) is not a working day in this city's calendar."),
                date=label,
                day=day.strftime("%d.%m.%Y"),
            )


def _log(*, city, year, cohort, kindergarten=None, before: dict, after: dict, reason, by, at) -> ScheduleLogEntry:
    return ScheduleLogEntry.objects.create(
        city=city,
        year=year,
        cohort=cohort,
        kindergarten=kindergarten,
        at=at,
        actor=by if getattr(by, "is_authenticated", False) else None,
        before=before,
        after=after,
        reason=reason,
    )


def summer_window_save(
    *, city: City, year: int, cohort: int, dates: SummerDates, reason: str, by=None, request=None
) -> SummerWindow:
    """Set a cohort's summer dates for the city (new or changed) and log the change publicly."""
    _require_department(by, city)
    reason = _clean_reason(reason)
    summer_dates_check(city=city, year=year, cohort=cohort, dates=dates)
    with transaction.atomic():
        at = protocol_write_begin(city.pk)
        # The city row serialises schedule writers with the protocol publisher, which locks it too.
        City.objects.select_for_update().filter(pk=city.pk).first()
        window = SummerWindow.objects.filter(city=city, year=year, cohort=cohort).first()
        before = SummerDates.of(window).as_json() if window else {}
        if before == dates.as_json():
            raise ServiceError("schedule_unchanged", _("These are already the cohort's dates; nothing changed."))
        if window is None:
            window = SummerWindow(city=city, year=year, cohort=cohort)
        window.priority_start, window.priority_end, window.general_date = (
            dates.priority_start,
            dates.priority_end,
            dates.general_date,
        )
        window.save()
        entry = _log(
            city=city, year=year, cohort=cohort, before=before, after=dates.as_json(), reason=reason, by=by, at=at
        )
        audit_record(
            actor=by,
            action="schedule.window_save",
            obj=window,
            city=city,
            request=request,
            data={"log": entry.pk, "before": before, "after": dates.as_json(), "reason": reason},
        )
    return window


def summer_change_save(
    *, window: SummerWindow, kindergarten: Kindergarten, dates: SummerDates, reason: str, by=None, request=None
) -> SummerWindowChange:
    """Give one kindergarten its own dates for a cohort (repairs, illness…), logged publicly."""
    city = window.city
    _require_department(by, city)
    if kindergarten.city_id != city.pk:
        raise NotAllowed("not_your_city", _("This kindergarten belongs to another city."))
    reason = _clean_reason(reason)
    summer_dates_check(city=city, year=window.year, cohort=window.cohort, dates=dates)
    with transaction.atomic():
        at = protocol_write_begin(city.pk)
        City.objects.select_for_update().filter(pk=city.pk).first()
        change = SummerWindowChange.objects.filter(window=window, kindergarten=kindergarten).first()
        before = SummerDates.of(change or window).as_json()
        if before == dates.as_json():
            raise ServiceError("schedule_unchanged", _("These are already this kindergarten's dates; nothing changed."))
        if change is None:
            change = SummerWindowChange(window=window, kindergarten=kindergarten)
        change.priority_start, change.priority_end, change.general_date = (
            dates.priority_start,
            dates.priority_end,
            dates.general_date,
        )
        change.reason = reason
        change.created_at = at
        change.created_by = by if getattr(by, "is_authenticated", False) else None
        change.save()
        entry = _log(
            city=city,
            year=window.year,
            cohort=window.cohort,
            kindergarten=kindergarten,
            before=before,
            after=dates.as_json(),
            reason=reason,
            by=by,
            at=at,
        )
        audit_record(
            actor=by,
            action="schedule.change_save",
            obj=change,
            city=city,
            request=request,
            data={"log": entry.pk, "before": before, "after": dates.as_json(), "reason": reason},
        )
    return change


def summer_change_delete(*, change: SummerWindowChange, reason: str, by=None, request=None) -> None:
    """The kindergarten goes back to the city's dates for that cohort; logged publicly."""
    window = change.window
    city = window.city
    _require_department(by, city)
    reason = _clean_reason(reason)
    with transaction.atomic():
        at = protocol_write_begin(city.pk)
        City.objects.select_for_update().filter(pk=city.pk).first()
        deleted, _rows = SummerWindowChange.objects.filter(pk=change.pk).delete()
        if not deleted:
            raise Conflict("change_gone", _("This change was already removed."))
        before = SummerDates.of(change).as_json()
        after = SummerDates.of(window).as_json()
        entry = _log(
            city=city,
            year=window.year,
            cohort=window.cohort,
            kindergarten=change.kindergarten,
            before=before,
            after=after,
            reason=reason,
            by=by,
            at=at,
        )
        audit_record(
            actor=by,
            action="schedule.change_delete",
            obj=window,
            city=city,
            request=request,
            data={"log": entry.pk, "kindergarten": change.kindergarten_id, "before": before, "reason": reason},
        )
