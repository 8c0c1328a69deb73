"""The city's working-day calendar (R-CAL-1): days the department makes working or rest days.

An override is read when a rule applies, so it shapes the next protocol and every seat published
after it; seats already published keep the windows stored on them. Every change is audited."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo import clock
from indigo.errors import Conflict, ServiceError
from indigo.workdays import is_national_working_day
from vacancies.changes import change_actor, change_allowed, change_reason
from vacancies.models import CalendarOverride, City


def _refuse_past(day: dt.date) -> None:
    # Deadlines already computed from a past day stay as they were; editing it would only mislead.
    if day < clock.local_today():
        raise ServiceError("day_in_past", _("Days that have passed cannot be changed."))


def calendar_override_add(
    *, city: City, day: dt.date, kind: str, reason: str, by=None, request=None
) -> CalendarOverride:
    """An extra day off or an extra working day for the city; it applies to seats published from now on."""
    change_allowed(by, city)
    if kind not in CalendarOverride.Kind.values:
        raise ServiceError("invalid_kind", _("Choose an extra day off or an extra working day."))
    reason = change_reason(reason, _("Say why the day changes; the calendar shows the reason."))
    _refuse_past(day)
    working = is_national_working_day(day)
    if kind == CalendarOverride.Kind.DAY_OFF and not working:
        raise ServiceError("already_day_off", _("%(day)s is already a day off."), day=day.strftime("%d.%m.%Y"))
    if kind == CalendarOverride.Kind.WORKING_DAY and working:
        raise ServiceError("already_working_day", _("%(day)s is already a working day."), day=day.strftime("%d.%m.%Y"))
    try:
        with transaction.atomic():
            override = CalendarOverride.objects.create(
                city=city, day=day, kind=kind, reason=reason, created_by=change_actor(by)
            )
            audit_record(
                actor=by,
                action="calendar.override_add",
                obj=override,
                city=city,
                request=request,
                data={"day": day.isoformat(), "kind": kind, "reason": reason},
            )
    except IntegrityError:
        raise Conflict(
            "override_exists", _("%(day)s already has a change; remove it first."), day=day.strftime("%d.%m.%Y")
        ) from None
    return override


def calendar_override_remove(*, override: CalendarOverride, reason: str, by=None, request=None) -> None:
    """The day goes back to what the national calendar says."""
    change_allowed(by, override.city)
    reason = change_reason(reason, _("Say why the change is removed."))
    _refuse_past(override.day)
    with transaction.atomic():
        deleted, _rows = CalendarOverride.objects.filter(pk=override.pk).delete()
        if not deleted:
            raise Conflict("override_gone", _("This change was already removed."))
        audit_record(
            actor=by,
            action="calendar.override_remove",
            obj=override.city,
            city=override.city,
            request=request,
            data={"day": override.day.isoformat(), "kind": override.kind, "reason": reason},
        )
