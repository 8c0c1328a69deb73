"""The education department's writes on a city: its working-day calendar, its rules, its registries.

Calendar overrides (R-CAL-1) and city settings are read when a rule applies, so a change
here shapes the next protocol and every seat published after it; seats already published
keep the windows stored on them. Every change is audited; settings changes are also kept as
CitySettingsChange rows the settings page lists.
"""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.scoping import can_manage_city
from indigo import clock
from indigo.errors import Conflict, NotAllowed, ServiceError
from indigo.inputs import reason_text
from indigo.workdays import is_national_working_day
from vacancies.models import (
    CalendarOverride,
    City,
    CitySettingsChange,
    ClaimMode,
    District,
    Group,
    Kindergarten,
    Seat,
    SummerWindow,
    SummerWindowChange,
)


def _require_department(by, city: City) -> None:
    if by is not None and not can_manage_city(by, city):
        raise NotAllowed("not_your_city", _("You can change only your own city."))


def _clean_reason(reason: str, message: Promise) -> str:
    return reason_text(reason, missing=message)


def _actor(by):
    return by if getattr(by, "is_authenticated", False) else None


# Calendar ---------------------------------------------------------------------------------------


def _refuse_past(day: dt.date) -> None:
    # Deadlines already computed from a past day stay as they were; editing it would only mislead.
    if day < clock.local_today():
        raise ServiceError("day_in_past", _("Days that have passed cannot be changed."))


def calendar_override_add(
    *, city: City, day: dt.date, kind: str, reason: str, by=None, request=None
) -> CalendarOverride:
    """An extra day off or an extra working day for the city; it applies to seats published from now on."""
    _require_department(by, city)
    if kind not in CalendarOverride.Kind.values:
        raise ServiceError("invalid_kind", _("Choose an extra day off or an extra working day."))
    reason = _clean_reason(reason, _("Say why the day changes; the calendar shows the reason."))
    _refuse_past(day)
    working = is_national_working_day(day)
    if kind == CalendarOverride.Kind.DAY_OFF and not working:
        raise ServiceError("already_day_off", _("%(day)s is already a day off."), day=day.strftime("%d.%m.%Y"))
    if kind == CalendarOverride.Kind.WORKING_DAY and working:
        raise ServiceError("already_working_day", _("%(day)s is already a working day."), day=day.strftime("%d.%m.%Y"))
    try:
        with transaction.atomic():
            override = CalendarOverride.objects.create(
                city=city, day=day, kind=kind, reason=reason, created_by=_actor(by)
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
    _require_department(by, override.city)
    reason = _clean_reason(reason, _("Say why the change is removed."))
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


# City settings ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Setting:
    field: str
    minimum: object = None
    maximum: object = None


# Bounds keep a typo from stopping placements (a 0-day window, a 500-day stop-list).
SETTINGS = (
    Setting("priority_window_length", 1, 10),
    Setting("priority_window_unit"),
    Setting("priority_pool_factor", Decimal("1"), Decimal("10")),
    Setting("interleave_privileged", 1, 10),
    Setting("interleave_general", 1, 20),
    Setting("referral_valid_working_days", 1, 30),
    Setting("referral_extension_max_days", 0, 30),
    Setting("stop_list_days", 0, 60),
    Setting("extraordinary_confirm_working_days", 1, 30),
    Setting("recruitment_season_start"),
    Setting("august_pause_start"),
    Setting("august_pause_end"),
    # The publishing job runs at 18:00: a later cutoff would be published a day late.
    Setting("publication_time", dt.time(12, 0), dt.time(18, 0)),
    Setting("block_months", 1, 24),
    Setting("sharing_signal_threshold", 2, 20),
    Setting("priority_mode"),
    Setting("general_mode"),
    # Before dawn a parent has not read the 18:00 protocol; after noon the rest of the day is lost.
    Setting("window_close", dt.time(6, 0), dt.time(12, 0)),
    Setting("window_max_groups", 1, 10),
)
SETTING_FIELDS = tuple(setting.field for setting in SETTINGS)
# What the department calls each setting, in messages and on the settings page.
SETTING_LABELS = {
    "priority_window_length": _("Priority access lasts"),
    "priority_window_unit": _("Counted in"),
    "priority_pool_factor": _("Priority pool factor"),
    "interleave_privileged": _("Privileged applicants in a row"),
    "interleave_general": _("General applicants in a row"),
    "referral_valid_working_days": _("A referral is valid for (working days)"),
    "referral_extension_max_days": _("Longest extension of a referral (calendar days)"),
    "stop_list_days": _("Stop-list length (days)"),
    "extraordinary_confirm_working_days": _("Extraordinary privilege to be confirmed within (working days)"),
    "recruitment_season_start": _("Summer recruitment season starts (MM-DD)"),
    "august_pause_start": _("August pause starts (MM-DD)"),
    "august_pause_end": _("August pause ends (MM-DD)"),
    "publication_time": _("Protocol cutoff (Astana time)"),
    "block_months": _("A shared cabinet is blocked for (months)"),
    "sharing_signal_threshold": _("Sharing signals before an account is flagged"),
    "priority_mode": _("Priority access: how seats are given"),
    "general_mode": _("General access: how seats are given"),
    "window_close": _("Claim window closes at (Astana time)"),
    "window_max_groups": _("Groups a family may list in a claim window"),
}

MONTH_DAY_FIELDS = ("recruitment_season_start", "august_pause_start", "august_pause_end")


def setting_json(value):
    """A setting as a JSON scalar for the change log."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def setting_defaults() -> dict:
    return {field: City._meta.get_field(field).get_default() for field in SETTING_FIELDS}


def _label(field: str) -> str:
    return str(SETTING_LABELS[field])


def _month_day_valid(text: str) -> bool:
    try:
        # 2023 is not a leap year: 02-29 would not exist in most years.
        dt.date.fromisoformat(f"2023-{text}")
    except (TypeError, ValueError):
        return False
    return len(text) == 5


def _check_settings(city: City, values: dict) -> None:
    for setting in SETTINGS:
        value = values[setting.field]
        if value is None or value == "":
            raise ServiceError("setting_required", _("%(setting)s: give a value."), setting=_label(setting.field))
        if setting.minimum is not None and not setting.minimum <= value <= setting.maximum:
            raise ServiceError(
                "setting_out_of_range",
                _("%(setting)s: give a value from %(minimum)s to %(maximum)s."),
                setting=_label(setting.field),
                minimum=setting_json(setting.minimum),
                maximum=setting_json(setting.maximum),
            )
    if values["priority_window_unit"] not in City.WindowUnit.values:
        raise ServiceError("setting_invalid", _("Choose working days or calendar days."))
    for field in MONTH_DAY_FIELDS:
        if not _month_day_valid(values[field]):
            raise ServiceError(
                "setting_invalid",
                _("%(setting)s: write a day of the year as MM-DD, for example 08-01."),
                setting=_label(field),
            )
    if values["publication_time"].second or values["publication_time"].microsecond:
        raise ServiceError("setting_invalid", _("Give the publication time in hours and minutes."))
    for field in ("priority_mode", "general_mode"):
        if values[field] not in ClaimMode.values:
            raise ServiceError("setting_invalid", _("Choose first come or a claim window."))
    if values["window_close"].second or values["window_close"].microsecond:
        raise ServiceError("setting_invalid", _("Give the window's closing time in hours and minutes."))
    if values["august_pause_end"] < values["august_pause_start"]:
        raise ServiceError("setting_invalid", _("The August pause cannot end before it starts."))
    if values["recruitment_season_start"] >= values["august_pause_start"]:
        raise ServiceError("setting_invalid", _("The recruitment season must start before the August pause."))
    _check_schedule_still_fits(city, values)


def _check_schedule_still_fits(city: City, values: dict) -> None:
    """A new season or pause must not strand summer dates the department already announced."""
    start, pause_start = values["recruitment_season_start"], values["august_pause_start"]
    this_year = clock.local_today().year
    windows = SummerWindow.objects.filter(city=city, year__gte=this_year).values_list(
        "year", "cohort", "priority_start", "general_date"
    )
    changes = SummerWindowChange.objects.filter(window__city=city, window__year__gte=this_year).values_list(
        "window__year", "window__cohort", "priority_start", "general_date"
    )
    for year, cohort, first, last in [*windows, *changes]:
        # Dates of one year compare as MM-DD text, the way City.in_august_pause does.
        if not (start <= f"{first:%m-%d}" and f"{last:%m-%d}" < pause_start):
            raise ServiceError(
                "schedule_outside_season",
                _("The %(year)s dates of children born in %(cohort)s would fall outside the season; move them first."),
                year=year,
                cohort=cohort,
            )


def city_settings_update(*, city: City, values: dict, reason: str, by=None, request=None) -> CitySettingsChange:
    """Change some of the city's rules; they apply from the moment a rule is next used (the next protocol)."""
    _require_department(by, city)
    reason = _clean_reason(reason, _("Say why the settings change; the change log shows it."))
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ServiceError(
            "setting_unknown", _("These settings cannot be changed here: %(names)s."), names=", ".join(sorted(unknown))
        )
    with transaction.atomic():
        locked = City.objects.select_for_update().get(pk=city.pk)
        current = {field: getattr(locked, field) for field in SETTING_FIELDS}
        merged = {**current, **values}
        _check_settings(locked, merged)
        changed = [field for field in SETTING_FIELDS if setting_json(merged[field]) != setting_json(current[field])]
        if not changed:
            raise ServiceError("settings_unchanged", _("Nothing was changed."))
        for field in changed:
            setattr(locked, field, merged[field])
        locked.save(update_fields=changed)
        change = CitySettingsChange.objects.create(
            city=locked,
            at=clock.now(),
            actor=_actor(by),
            before={field: setting_json(current[field]) for field in changed},
            after={field: setting_json(merged[field]) for field in changed},
            reason=reason,
        )
        audit_record(
            actor=by,
            action="city.settings_update",
            obj=locked,
            city=locked,
            request=request,
            data={"before": change.before, "after": change.after, "reason": reason},
        )
    for field in changed:
        setattr(city, field, merged[field])
    return change


# Registries: kindergartens and groups -----------------------------------------------------------

KINDERGARTEN_FIELDS = Kindergarten.EDITABLE_FIELDS
GROUP_FIELDS = ("name", "cohort", "language", "group_type", "capacity", "is_active")
# A seat in these states belongs to its group's market; the group may not change under it.
LIVE_SEAT_STATES = (Seat.State.RELEASED, Seat.State.OPEN, Seat.State.CLAIMED)


def _registry_json(value):
    if isinstance(value, District):
        return value.pk
    return value


def kindergarten_save(
    *, city: City, values: dict, kindergarten: Kindergarten | None = None, by=None, request=None
) -> Kindergarten:
    """Add a kindergarten to the city's registry or correct one."""
    _require_department(by, city)
    district = values.get("district")
    if district is None or district.city_id != city.pk:
        raise ServiceError("invalid_district", _("Choose one of the city's districts."))
    if values.get("ownership") == Kindergarten.Ownership.STATE and values.get("state_order_places"):
        raise ServiceError(
            "state_order_private_only", _("State-order places are bought from private kindergartens only.")
        )
    with transaction.atomic():
        if kindergarten is None:
            target, before = Kindergarten(city=city), {}
        else:
            target = Kindergarten.objects.select_for_update().get(pk=kindergarten.pk, city=city)
            before = {field: _registry_json(getattr(target, field)) for field in KINDERGARTEN_FIELDS}
        closing = target.pk and target.is_active and not values.get("is_active", True)
        if closing and Seat.objects.filter(group__kindergarten=target, state__in=LIVE_SEAT_STATES).exists():
            raise Conflict(
                "kindergarten_has_seats",
                _("This kindergarten has seats released, open or with a referral; settle them first."),
            )
        for field in KINDERGARTEN_FIELDS:
            if field in values:
                setattr(target, field, values[field])
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:
            raise Conflict("kindergarten_exists", _("The city already has a kindergarten with this name.")) from None
        after = {field: _registry_json(getattr(target, field)) for field in KINDERGARTEN_FIELDS}
        audit_record(
            actor=by,
            action="kindergarten.create" if not before else "kindergarten.update",
            obj=target,
            city=city,
            request=request,
            data={
                "before": {k: v for k, v in before.items() if after.get(k) != v},
                "after": {k: v for k, v in after.items() if before.get(k) != v},
            },
        )
    return target


def group_save(*, kindergarten: Kindergarten, values: dict, group: Group | None = None, by=None, request=None) -> Group:
    """Add a group or change one; its capacity never drops below the places its seats hold."""
    _require_department(by, kindergarten.city)
    if values.get("capacity") is not None and values["capacity"] > 100:
        raise ServiceError("capacity_too_large", _("A group holds at most 100 children."))
    with transaction.atomic():
        if group is None:
            target, before = Group(kindergarten=kindergarten), {}
        else:
            # Locked as seat releases lock it, so capacity and releases cannot cross.
            target = Group.objects.select_for_update().get(pk=group.pk, kindergarten=kindergarten)
            before = {field: getattr(target, field) for field in GROUP_FIELDS}
            seats = Seat.objects.filter(group=target)
            held = seats.filter(state__in=Seat.HOLDING_STATES).count()
            if values.get("capacity", target.capacity) < held:
                raise Conflict(
                    "capacity_below_held",
                    _("%(held)s places of this group are taken or released; the capacity cannot be lower."),
                    held=held,
                )
            market_moves = any(
                field in values and values[field] != before[field] for field in ("cohort", "language", "group_type")
            )
            closing = before["is_active"] and not values.get("is_active", True)
            if (market_moves or closing) and seats.filter(state__in=LIVE_SEAT_STATES).exists():
                raise Conflict(
                    "group_has_seats",
                    _("This group has seats released, open or with a referral; settle them before changing it."),
                )
        for field in GROUP_FIELDS:
            if field in values:
                setattr(target, field, values[field])
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:
            raise Conflict("group_exists", _("The kindergarten already has a group with this name.")) from None
        after = {field: getattr(target, field) for field in GROUP_FIELDS}
        audit_record(
            actor=by,
            action="group.create" if not before else "group.update",
            obj=target,
            city=kindergarten.city,
            request=request,
            data={
                "before": {k: v for k, v in before.items() if after.get(k) != v},
                "after": {k: v for k, v in after.items() if before.get(k) != v},
            },
        )
    return target
