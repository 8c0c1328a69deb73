"""The city's rules (access windows, queue interleaving, referral and stop-list lengths, the season):
checked against their bounds, audited, and kept as CitySettingsChange rows the settings page lists.
A change applies from the next protocol; seats already published keep their windows."""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo import clock
from indigo.errors import ServiceError
from vacancies.changes import change_actor, change_allowed, change_reason
from vacancies.models import City, CitySettingsChange, ClaimMode, SummerWindow, SummerWindowChange


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


def setting_shown(value):
    """A logged setting as a reader says it: a choice by its label, anything else as it is."""
    choices = {**dict(City.WindowUnit.choices), **dict(ClaimMode.choices)}
    return choices.get(value, value) if isinstance(value, str) else value


def city_rule_changes(*, city: City | None, limit: int = 50) -> list[dict]:
    """The public log of the city's rule changes (R-W-1), newest first: when, what (labelled), why."""
    if city is None:
        return []
    changes = CitySettingsChange.objects.filter(city=city).order_by("-at", "-pk")[:limit]
    return [
        {
            "at": change.at,
            "reason": change.reason,
            "items": [
                (
                    _label(field) if field in SETTING_LABELS else field,
                    setting_shown(change.before.get(field)),
                    setting_shown(value),
                )
                for field, value in change.after.items()
            ],
        }
        for change in changes
    ]


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
    change_allowed(by, city)
    reason = change_reason(reason, _("Say why the settings change; the change log shows it."))
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
            actor=change_actor(by),
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
