"""The education department's console: schedule, calendar, city rules, registries, privileges, reports.

Every page lives under /department/<city>/ and answers 403 to anyone who is not an officer of
that city or an administrator (R-A-1). Views parse input with forms and call the services;
a ServiceError becomes a message on the re-rendered page, with the input kept.
"""

import calendar
import datetime as dt
import functools

import holidays
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, formats
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import can_manage_city, is_admin, officer_city_id
from indigo import clock
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError
from indigo.forms import date_field, empty_choices_label
from indigo.inputs import query_date, query_int
from indigo.workdays import WorkingCalendar, is_national_working_day
from placement.models import Privilege, Referral
from placement.services.privileges import privilege_confirm, privilege_reject
from vacancies.calendar_services import (
    SETTING_FIELDS,
    SETTING_LABELS,
    calendar_override_add,
    calendar_override_remove,
    city_settings_update,
    group_save,
    kindergarten_save,
    setting_defaults,
    setting_json,
)
<<<<<<< HEAD
from vacancies.models import (
    CalendarOverride,
    City,
    CitySettingsChange,
    Group,
    Kindergarten,
    ScheduleLogEntry,
    Seat,
    SummerWindow,
    SummerWindowChange,
)
=======
from vacancies.models import CalendarOverride, City, CitySettingsChange, ClaimMode, Group, Kindergarten, Seat
>>>>>>> h-window
from vacancies.public_views import schedule_log_rows
from vacancies.reports import MAX_DAYS, REPORTS, Period, report_build, report_csv, report_xlsx
from vacancies.schedule.services import SummerDates, summer_change_delete, summer_change_save, summer_window_save

REASON_WIDGET = forms.TextInput(attrs={"maxlength": 300, "autocomplete": "off"})


def _date_field(label):
    return date_field(label=label)


def department_page(view):
    """Resolve the city in the URL and let only its officers (and administrators) in."""

    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, city_slug: str, **kwargs):
        city = get_object_or_404(City, slug=city_slug)
        if not can_manage_city(request.user, city):
            raise PermissionDenied
        # The console's menu shows the account flags only once the accounts app has them.
        request.department_flags = _account_flag_model() is not None
        return view(request, city, **kwargs)

    return wrapper


def _year_param(request: HttpRequest, default: int) -> int:
    year = query_int(request.GET, "year")
    return year if year is not None and 2000 <= year <= 2099 else default


def _account_flag_model():
    # The accounts engineer's AccountFlag may not exist yet; the console links to it when it does.
    try:
        return apps.get_model("accounts", "AccountFlag")
    except LookupError:
        return None


@login_required
def department_home(request: HttpRequest) -> HttpResponse:
    city_id = officer_city_id(request.user)
    if city_id is not None:
        return redirect("department-city", city_slug=City.objects.get(pk=city_id).slug)
    if not is_admin(request.user):
        raise PermissionDenied
    return render(request, "department/home.html", {"cities": City.objects.order_by("name_ru")})


def season_end(city: City, year: int) -> dt.date:
    """The last day a year's summer schedule still decides anything: its latest general access date
    (kindergartens' own dates included), or the end of the August pause when it has no dates yet."""
    latest = SummerWindow.objects.filter(city=city, year=year).aggregate(
        window=Max("general_date"), change=Max("kindergarten_changes__general_date")
    )
    dates = [day for day in latest.values() if day is not None]
    return max(dates) if dates else dt.date.fromisoformat(f"{year}-{city.august_pause_end}")


def _schedule_year(city: City) -> int:
    """The season being prepared or run (issue 12): this year's until it has ended, then next year's."""
    today = clock.local_today()
    return today.year if today <= season_end(city, today.year) else today.year + 1


@department_page
def department_city(request: HttpRequest, city: City) -> HttpResponse:
    year = _schedule_year(city)
    flag_model = _account_flag_model()
    context = {
        "city": city,
        "section": "dashboard",
        "year": year,
        "windows": SummerWindow.objects.filter(city=city, year=year).count(),
        "schedule_changes": SummerWindowChange.objects.filter(window__city=city, window__year=year).count(),
        "overrides": CalendarOverride.objects.filter(city=city, day__year=year).count(),
        "settings_change": CitySettingsChange.objects.filter(city=city).select_related("actor").first(),
        "kindergartens": Kindergarten.objects.filter(city=city, is_active=True).aggregate(
            count=Count("pk"), state=Count("pk", filter=Q(ownership=Kindergarten.Ownership.STATE))
        ),
        "places": Group.objects.filter(kindergarten__city=city, is_active=True).aggregate(total=Sum("capacity"))[
            "total"
        ]
        or 0,
        "pending_privileges": Privilege.objects.filter(application__city=city, state=Privilege.State.PENDING).count(),
        "reports": REPORTS.values(),
        "open_flags": flag_model.objects.filter(city=city, state="open").count() if flag_model else None,
    }
    return render(request, "department/city.html", context)


# Summer schedule --------------------------------------------------------------------------------


class WindowForm(forms.Form):
    cohort = forms.IntegerField(label=gettext_lazy("Born in"), min_value=2000, max_value=2100)
    priority_start = _date_field(gettext_lazy("Priority access from"))
    priority_end = _date_field(gettext_lazy("Priority access until"))
    general_date = _date_field(gettext_lazy("General access from"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=REASON_WIDGET)

    def dates(self) -> SummerDates:
        data = self.cleaned_data
        return SummerDates(data["priority_start"], data["priority_end"], data["general_date"])


class ChangeForm(WindowForm):
    kindergarten = forms.ModelChoiceField(label=gettext_lazy("Kindergarten"), queryset=Kindergarten.objects.none())

    field_order = ["cohort", "kindergarten", "priority_start", "priority_end", "general_date", "reason"]

    def __init__(self, *args, city: City, cohorts: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kindergarten"].queryset = Kindergarten.objects.filter(city=city, is_active=True)
        self.fields["cohort"] = forms.TypedChoiceField(
            label=gettext_lazy("Born in"), choices=[(c, c) for c in cohorts], coerce=int
        )
        empty_choices_label(self, kindergarten=gettext_lazy("— choose a kindergarten —"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=REASON_WIDGET)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejecting"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"maxlength": 300, "autocomplete": "off", "placeholder": gettext_lazy("Reason for rejecting")}
        ),
    )


def _schedule_context(request, city: City, year: int, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    windows = list(
        SummerWindow.objects.filter(city=city, year=year)
        .prefetch_related(
            Prefetch(
                "kindergarten_changes",
                queryset=SummerWindowChange.objects.select_related("kindergarten", "created_by").order_by(
                    "kindergarten__number", "kindergarten__name_ru"
                ),
            )
        )
        .order_by("priority_start", "-cohort")
    )
    rows = []
    for window in windows:
        form = bound.get(("window", window.cohort)) or WindowForm(
            initial={
                "cohort": window.cohort,
                "priority_start": window.priority_start,
                "priority_end": window.priority_end,
                "general_date": window.general_date,
            },
            auto_id=f"id_w{window.cohort}_%s",
        )
        changes = [
            {"change": change, "form": bound.get(("delete", change.pk)) or ReasonForm(auto_id=f"id_d{change.pk}_%s")}
            for change in window.kindergarten_changes.all()
        ]
        rows.append({"window": window, "form": form, "changes": changes})
    cohorts = [window.cohort for window in sorted(windows, key=lambda w: -w.cohort)]
    years = sorted(
        {*SummerWindow.objects.filter(city=city).values_list("year", flat=True).distinct(), clock.local_today().year}
        | {year, clock.local_today().year + 1},
        reverse=True,
    )
    log = (
        ScheduleLogEntry.objects.filter(city=city, year=year)
        .select_related("kindergarten", "actor")
        .order_by("-at", "-pk")[:200]
    )
    return {
        "city": city,
        "section": "schedule",
        "year": year,
        "years": years,
        "rows": rows,
        "new_form": bound.get(("window", "new")) or WindowForm(auto_id="id_new_%s"),
        "change_form": bound.get(("change",)) or ChangeForm(city=city, cohorts=cohorts, auto_id="id_change_%s"),
        "log": schedule_log_rows(log),
        "season_start": dt.date.fromisoformat(f"{year}-{city.recruitment_season_start}"),
        "season_ended": season_end(city, year) < clock.local_today(),
        "pause_start": dt.date.fromisoformat(f"{year}-{city.august_pause_start}"),
    }


@department_page
def schedule_page(request: HttpRequest, city: City) -> HttpResponse:
    year = _year_param(request, _schedule_year(city))
    if request.method != "POST":
        return render(request, "department/schedule.html", _schedule_context(request, city, year))
    ended = season_end(city, year)
    if ended < clock.local_today() and not confirmed(request):
        return _ended_season_confirmation(request, city, year, ended)
    action = request.POST.get("action")
    cohorts = list(SummerWindow.objects.filter(city=city, year=year).values_list("cohort", flat=True))
    # Read before the try below: a bad number is a 400 (indigo/inputs.py), not a service refusal.
    key = "new" if request.POST.get("slot", "new") == "new" else query_int(request.POST, "slot")
    change_pk = query_int(request.POST, "change") or 0
    try:
        if action == "window":
            prefix = "id_new_%s" if key == "new" else f"id_w{key}_%s"
            form = WindowForm(request.POST, auto_id=prefix)
            slot = ("window", key)
            if not form.is_valid():
                return _schedule_invalid(request, city, year, slot, form)
            summer_window_save(
                city=city,
                year=year,
                cohort=form.cleaned_data["cohort"],
                dates=form.dates(),
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
            messages.success(
                request,
                _("The dates of children born in %(cohort)s are saved and published in the schedule's log.")
                % {"cohort": form.cleaned_data["cohort"]},
            )
        elif action == "change":
            form = ChangeForm(request.POST, city=city, cohorts=cohorts, auto_id="id_change_%s")
            slot = ("change",)
            if not form.is_valid():
                return _schedule_invalid(request, city, year, slot, form)
            window = get_object_or_404(SummerWindow, city=city, year=year, cohort=form.cleaned_data["cohort"])
            summer_change_save(
                window=window,
                kindergarten=form.cleaned_data["kindergarten"],
                dates=form.dates(),
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
            messages.success(
                request,
                _("%(kindergarten)s now recruits on its own dates.")
                % {"kindergarten": form.cleaned_data["kindergarten"]},
            )
        elif action == "change_delete":
            change = get_object_or_404(
                SummerWindowChange.objects.select_related("window__city", "kindergarten"),
                pk=change_pk,
                window__city=city,
            )
            form = ReasonForm(request.POST, auto_id=f"id_d{change.pk}_%s")
            slot = ("delete", change.pk)
            if not form.is_valid():
                return _schedule_invalid(request, city, year, slot, form)
            summer_change_delete(change=change, reason=form.cleaned_data["reason"], by=request.user, request=request)
            messages.success(
                request, _("%(kindergarten)s is back on the city's dates.") % {"kindergarten": change.kindergarten}
            )
        else:
            return HttpResponse(status=400)
    except ServiceError as error:
        messages.error(request, error.detail)
        return render(
            request, "department/schedule.html", _schedule_context(request, city, year, bound={slot: form}), status=400
        )
    return redirect(f"{reverse('department-schedule', kwargs={'city_slug': city.slug})}?year={year}")


def _ended_season_confirmation(request, city: City, year: int, ended: dt.date) -> HttpResponse:
    """A season that has ended is history; a change to it is asked for first (issue 12)."""
    carried = {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "confirmed")}
    confirmation = Confirmation(
        title=_("Change the %(year)s schedule, which has ended?") % {"year": year},
        facts=[(_("Season"), str(year)), (_("Ended"), formats.date_format(ended))],
        consequences=[
            _("The %(year)s summer recruitment ended on %(day)s: its dates no longer open any seat.")
            % {"year": year, "day": formats.date_format(ended)},
            _("The change is written into the public schedule's log and the next protocol, as every change is."),
            _("To plan the coming summer, open the %(next)s schedule instead.") % {"next": _schedule_year(city)},
        ],
        button=_("Yes, change the ended season"),
        cancel_url=f"{reverse('department-schedule', kwargs={'city_slug': city.slug})}?year={year}",
        hidden=carried,
    )
    return confirm_page(request, confirmation, city=city)


def _schedule_invalid(request, city, year, slot, form) -> HttpResponse:
    messages.error(request, _("Please correct the marked fields."))
    return render(
        request, "department/schedule.html", _schedule_context(request, city, year, bound={slot: form}), status=400
    )


# Working-day calendar ---------------------------------------------------------------------------


class OverrideForm(forms.Form):
    day = _date_field(gettext_lazy("Day"))
    kind = forms.ChoiceField(label=gettext_lazy("Change"), choices=CalendarOverride.Kind.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=REASON_WIDGET)


@functools.lru_cache(maxsize=32)
def _holiday_names(year: int, language: str) -> dict:
    # The holidays package names KZ holidays in Kazakh and English; Russian pages show the Kazakh names.
    return dict(holidays.country_holidays("KZ", years=[year], language="en_US" if language == "en" else "kk"))


def _calendar_months(city: City, year: int) -> list[dict]:
    working = WorkingCalendar(city)
    overrides = {o.day: o for o in CalendarOverride.objects.filter(city=city, day__year=year)}
    names = _holiday_names(year, (get_language() or "kk")[:2])
    today = clock.local_today()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            days = []
            for day in week:
                if day.month != month:
                    days.append(None)
                    continue
                override = overrides.get(day)
                national = is_national_working_day(day)
                days.append(
                    {
                        "day": day,
                        "working": working.is_working_day(day),
                        "weekend": day.weekday() >= 5,
                        "holiday": names.get(day),
                        "moved": national and day.weekday() >= 5,
                        "override": override,
                        "today": day == today,
                    }
                )
            weeks.append(days)
        months.append({"number": month, "first": dt.date(year, month, 1), "weeks": weeks})
    return months


def _calendar_context(city: City, year: int, form=None, remove_forms=None) -> dict:
    overrides = list(
        CalendarOverride.objects.filter(city=city, day__year=year).select_related("created_by").order_by("day")
    )
    remove_forms = remove_forms or {}
    names = _holiday_names(year, (get_language() or "kk")[:2])
    return {
        "city": city,
        "section": "calendar",
        "year": year,
        "years": [year - 1, year, year + 1],
        "months": _calendar_months(city, year),
        "weekdays": [WEEKDAYS_ABBR[n] for n in range(7)],
        "overrides": [
            {"override": o, "form": remove_forms.get(o.pk) or ReasonForm(auto_id=f"id_r{o.pk}_%s")} for o in overrides
        ],
        "holidays": sorted(names.items()),
        "form": form or OverrideForm(auto_id="id_override_%s"),
        "today": clock.local_today(),
    }


@department_page
def calendar_page(request: HttpRequest, city: City) -> HttpResponse:
    year = _year_param(request, clock.local_today().year)
    if request.method != "POST":
        return render(request, "department/calendar.html", _calendar_context(city, year))
    action = request.POST.get("action")
    form, remove_forms = None, {}
    override_pk = query_int(request.POST, "override") or 0
    try:
        if action == "add":
            form = OverrideForm(request.POST, auto_id="id_override_%s")
            if not form.is_valid():
                messages.error(request, _("Please correct the marked fields."))
                return render(request, "department/calendar.html", _calendar_context(city, year, form), status=400)
            data = form.cleaned_data
            override = calendar_override_add(
                city=city, day=data["day"], kind=data["kind"], reason=data["reason"], by=request.user, request=request
            )
            messages.success(
                request,
                _("%(day)s: %(kind)s. Seats published from now on follow it; published seats keep their dates.")
                % {"day": override.day.strftime("%d.%m.%Y"), "kind": override.get_kind_display()},
            )
            year = override.day.year
        elif action == "remove":
            override = get_object_or_404(
                CalendarOverride,
                pk=override_pk,
                city=city,
            )
            remove_form = ReasonForm(request.POST, auto_id=f"id_r{override.pk}_%s")
            remove_forms = {override.pk: remove_form}
            if not remove_form.is_valid():
                messages.error(request, _("Please correct the marked fields."))
                return render(
                    request,
                    "department/calendar.html",
                    _calendar_context(city, year, remove_forms=remove_forms),
                    status=400,
                )
            calendar_override_remove(
                override=override, reason=remove_form.cleaned_data["reason"], by=request.user, request=request
            )
            messages.success(
                request,
                _("%(day)s follows the national calendar again.") % {"day": override.day.strftime("%d.%m.%Y")},
            )
        else:
            return HttpResponse(status=400)
    except ServiceError as error:
        messages.error(request, error.detail)
        return render(
            request, "department/calendar.html", _calendar_context(city, year, form, remove_forms), status=400
        )
    return redirect(f"{reverse('department-calendar', kwargs={'city_slug': city.slug})}?year={year}")


# City settings ----------------------------------------------------------------------------------


class CitySettingsForm(forms.ModelForm):
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=300, widget=REASON_WIDGET)

    class Meta:
        model = City
        fields = list(SETTING_FIELDS)
        labels = SETTING_LABELS
        widgets = {
            "publication_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_close": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty_choices_label(self)


SETTING_GROUPS = (
    (gettext_lazy("Access to seats"), ("priority_window_length", "priority_window_unit", "priority_pool_factor")),
    (gettext_lazy("Queue order"), ("interleave_privileged", "interleave_general")),
    (
        gettext_lazy("Referrals and stop-list"),
        ("referral_valid_working_days", "referral_extension_max_days", "stop_list_days"),
    ),
    (gettext_lazy("Privileges"), ("extraordinary_confirm_working_days",)),
    (
        gettext_lazy("Season and protocol"),
        ("recruitment_season_start", "august_pause_start", "august_pause_end", "publication_time"),
    ),
    (gettext_lazy("Cabinet sharing"), ("block_months", "sharing_signal_threshold")),
    (
        gettext_lazy("Claim window (applies to seats published after the change)"),
        ("priority_mode", "general_mode", "window_close", "window_max_groups"),
    ),
)


def _shown(value):
    """A logged setting as the page says it: a choice by its label, anything else as it is."""
    choices = {**dict(City.WindowUnit.choices), **dict(ClaimMode.choices)}
    return choices.get(value, value) if isinstance(value, str) else value


def _settings_context(city: City, form: CitySettingsForm) -> dict:
    defaults = {field: setting_json(value) for field, value in setting_defaults().items()}
    unit_labels = {**dict(City.WindowUnit.choices), **dict(ClaimMode.choices)}
    groups = []
    for title, fields in SETTING_GROUPS:
        rows = []
        for field in fields:
            default = defaults[field]
            rows.append({"field": form[field], "default": unit_labels.get(default, default)})
        groups.append({"title": title, "rows": rows})
    labels = {field: str(SETTING_LABELS[field]) for field in SETTING_FIELDS}
    changes = []
    for change in CitySettingsChange.objects.filter(city=city).select_related("actor")[:100]:
        changes.append(
            {
                "change": change,
                "items": [
                    (labels.get(field, field), _shown(change.before.get(field)), _shown(value))
                    for field, value in change.after.items()
                ],
            }
        )
    return {"city": city, "section": "settings", "form": form, "groups": groups, "changes": changes}


@department_page
def settings_page(request: HttpRequest, city: City) -> HttpResponse:
    if request.method != "POST":
        form = CitySettingsForm(instance=City.objects.get(pk=city.pk))
        return render(request, "department/settings.html", _settings_context(city, form))
    form = CitySettingsForm(request.POST, instance=City.objects.get(pk=city.pk))
    if not form.is_valid():
        messages.error(request, _("Please correct the marked fields."))
        return render(request, "department/settings.html", _settings_context(city, form), status=400)
    values = {field: form.cleaned_data[field] for field in SETTING_FIELDS}
    try:
        city_settings_update(
            city=city, values=values, reason=form.cleaned_data["reason"], by=request.user, request=request
        )
    except ServiceError as error:
        messages.error(request, error.detail)
        return render(request, "department/settings.html", _settings_context(city, form), status=400)
    messages.success(request, _("Settings saved. They apply from the next protocol."))
    return redirect("department-settings", city_slug=city.slug)


# Registries -------------------------------------------------------------------------------------


class KindergartenForm(forms.ModelForm):
    class Meta:
        model = Kindergarten
        fields = [
            "number",
            "name_kk",
            "name_ru",
            "name_en",
            "district",
            "ownership",
            "address_kk",
            "address_ru",
            "phone",
            "state_order_places",
            "is_active",
        ]
        labels = {
            "number": gettext_lazy("Number"),
            "name_kk": gettext_lazy("Name in Kazakh"),
            "name_ru": gettext_lazy("Name in Russian"),
            "name_en": gettext_lazy("Name in English"),
            "district": gettext_lazy("District"),
            "ownership": gettext_lazy("Ownership"),
            "address_kk": gettext_lazy("Address in Kazakh"),
            "address_ru": gettext_lazy("Address in Russian"),
            "phone": gettext_lazy("Phone"),
            "state_order_places": gettext_lazy("State-order places"),
            "is_active": gettext_lazy("Open"),
        }

    def __init__(self, *args, city: City, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = city.districts.all()
        empty_choices_label(self, district=gettext_lazy("— choose a district —"))


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "cohort", "language", "group_type", "capacity", "is_active"]
        labels = {
            "name": gettext_lazy("Group"),
            "cohort": gettext_lazy("Born in"),
            "language": gettext_lazy("Language"),
            "group_type": gettext_lazy("Group type"),
            "capacity": gettext_lazy("Places"),
            "is_active": gettext_lazy("Open"),
        }
        help_texts = {"cohort": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty_choices_label(self)


@department_page
def kindergartens_page(request: HttpRequest, city: City) -> HttpResponse:
    kindergartens = Kindergarten.objects.filter(city=city).select_related("district")
    district = query_int(request.GET, "district")
    ownership = request.GET.get("ownership", "")
    query = request.GET.get("q", "").strip()
    if district is not None:
        kindergartens = kindergartens.filter(district_id=district)
    if ownership in Kindergarten.Ownership.values:
        kindergartens = kindergartens.filter(ownership=ownership)
    if query:
        kindergartens = kindergartens.filter(Q(name_ru__icontains=query) | Q(name_kk__icontains=query))
    kindergartens = kindergartens.annotate(
        groups_open=Count("groups", filter=Q(groups__is_active=True)),
        places=Sum("groups__capacity", filter=Q(groups__is_active=True)),
    ).order_by("number", "name_ru")
    context = {
        "city": city,
        "section": "kindergartens",
        "kindergartens": kindergartens,
        "districts": city.districts.all(),
        "ownerships": Kindergarten.Ownership.choices,
        "filters": {"district": "" if district is None else str(district), "ownership": ownership, "q": query},
    }
    return render(request, "department/kindergartens.html", context)


def _kindergarten_context(city, kindergarten, form, group_forms=None, new_group_form=None) -> dict:
    group_forms = group_forms or {}
    groups = []
    if kindergarten is not None:
        held = dict(
            Seat.objects.filter(group__kindergarten=kindergarten, state__in=Seat.HOLDING_STATES)
            .values_list("group_id")
            .annotate(n=Count("pk"))
        )
        for group in kindergarten.groups.order_by("cohort", "language", "name"):
            groups.append(
                {
                    "group": group,
                    "held": held.get(group.pk, 0),
                    "form": group_forms.get(group.pk) or GroupForm(instance=group, auto_id=f"id_g{group.pk}_%s"),
                }
            )
    return {
        "city": city,
        "section": "kindergartens",
        "kindergarten": kindergarten,
        "form": form,
        "groups": groups,
        "new_group_form": new_group_form
        or GroupForm(initial={"cohort": clock.local_today().year - 3}, auto_id="id_newgroup_%s"),
    }


@department_page
def kindergarten_page(request: HttpRequest, city: City, kindergarten_id: int | None = None) -> HttpResponse:
    kindergarten = None
    if kindergarten_id is not None:
        kindergarten = get_object_or_404(Kindergarten.objects.select_related("district"), pk=kindergarten_id, city=city)
    template = "department/kindergarten.html"
    if request.method != "POST":
        form = KindergartenForm(instance=kindergarten, city=city)
        return render(request, template, _kindergarten_context(city, kindergarten, form))
    action = request.POST.get("action", "kindergarten")
    form = KindergartenForm(instance=kindergarten, city=city)
    if action == "kindergarten":
        stored = Kindergarten.objects.get(pk=kindergarten.pk) if kindergarten else Kindergarten(city=city)
        form = KindergartenForm(request.POST, instance=stored, city=city)
        if not form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return render(request, template, _kindergarten_context(city, kindergarten, form), status=400)
        try:
            saved = kindergarten_save(
                city=city,
                kindergarten=kindergarten,
                values={field: form.cleaned_data[field] for field in KindergartenForm.Meta.fields},
                by=request.user,
                request=request,
            )
        except ServiceError as error:
            messages.error(request, error.detail)
            return render(request, template, _kindergarten_context(city, kindergarten, form), status=400)
        messages.success(request, _("Kindergarten saved."))
        return redirect("department-kindergarten", city_slug=city.slug, kindergarten_id=saved.pk)
    if kindergarten is None:
        raise Http404
    if action in ("group", "new_group"):
        group = None
        if action == "group":
            group = get_object_or_404(Group, pk=query_int(request.POST, "group") or 0, kindergarten=kindergarten)
        stored = Group.objects.get(pk=group.pk) if group else Group(kindergarten=kindergarten)
        auto_id = f"id_g{group.pk}_%s" if group else "id_newgroup_%s"
        group_form = GroupForm(request.POST, instance=stored, auto_id=auto_id)

        def again(status=400):
            forms_by_group = {group.pk: group_form} if group else {}
            context = _kindergarten_context(city, kindergarten, form, forms_by_group, None if group else group_form)
            return render(request, template, context, status=status)

        if not group_form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return again()
        try:
            group_save(
                kindergarten=kindergarten,
                group=group,
                values={field: group_form.cleaned_data[field] for field in GroupForm.Meta.fields},
                by=request.user,
                request=request,
            )
        except ServiceError as error:
            messages.error(request, error.detail)
            return again()
        messages.success(request, _("Group saved."))
        return redirect("department-kindergarten", city_slug=city.slug, kindergarten_id=kindergarten.pk)
    return HttpResponse(status=400)


# Privileges -------------------------------------------------------------------------------------


def _pending_privileges(city: City):
    live_referral = Referral.objects.filter(application=OuterRef("application"), state=Referral.State.ISSUED)
    return (
        Privilege.objects.filter(application__city=city, state=Privilege.State.PENDING)
        .select_related("application__child", "category")
        .annotate(referral_issued_at=Subquery(live_referral.order_by("-issued_at").values("issued_at")[:1]))
        .order_by("claimed_at", "pk")
    )


def _privilege_row(privilege, city, form=None, working_days=None) -> dict:
    """R-Q-5: an extraordinary right under a live referral shows the day it must be confirmed by."""
    deadline = None
    issued = getattr(privilege, "referral_issued_at", None)
    if issued and privilege.state == Privilege.State.PENDING and privilege.category.tier == "extraordinary":
        working_days = working_days or WorkingCalendar(city)
        deadline = working_days.add_window_days(clock.local_date(issued), city.extraordinary_confirm_working_days)
    return {"privilege": privilege, "deadline": deadline, "form": form or RejectForm(auto_id=f"id_p{privilege.pk}_%s")}


@department_page
def privileges_page(request: HttpRequest, city: City) -> HttpResponse:
    page = Paginator(_pending_privileges(city), 50).get_page(request.GET.get("page"))
    working_days = WorkingCalendar(city)
    rows = [_privilege_row(privilege, city, working_days=working_days) for privilege in page.object_list]
    decided = (
        Privilege.objects.filter(application__city=city, decided_at__isnull=False)
        .select_related("application", "category", "decided_by")
        .order_by("-decided_at")[:20]
    )
    context = {"city": city, "section": "privileges", "page": page, "rows": rows, "decided": decided}
    return render(request, "department/privileges.html", context)


def _privilege_answer(request, city, privilege, *, form=None, status=200) -> HttpResponse:
    if request.htmx:
        privilege.refresh_from_db()
        return render(
            request,
            "department/_privilege_row.html",
            {"row": _privilege_row(privilege, city, form), "city": city},
            status=status,
        )
    return redirect("department-privileges", city_slug=city.slug)


@department_page
@require_POST
def privilege_decide(request: HttpRequest, city: City, privilege_id: int, decision: str) -> HttpResponse:
    privilege = get_object_or_404(
        Privilege.objects.select_related("application__city", "application__child", "category"),
        pk=privilege_id,
        application__city=city,
    )
    form = None
    try:
        if decision == "confirm":
            privilege_confirm(privilege=privilege, by=request.user, request=request)
            messages.success(request, _("Privilege of %(reference)s confirmed.") % {"reference": privilege.application})
        else:
            form = RejectForm(request.POST, auto_id=f"id_p{privilege.pk}_%s")
            if not form.is_valid():
                messages.error(request, _("Say why the privilege is rejected; the parent will read it."))
                return _privilege_answer(request, city, privilege, form=form, status=400 if not request.htmx else 200)
            privilege_reject(privilege=privilege, reason=form.cleaned_data["reason"], by=request.user, request=request)
            messages.success(request, _("Privilege of %(reference)s rejected.") % {"reference": privilege.application})
    except ServiceError as error:
        messages.error(request, error.detail)
    return _privilege_answer(request, city, privilege, form=form)


# Account flags (from the accounts app, when it has them) ----------------------------------------


@department_page
def flags_page(request: HttpRequest, city: City) -> HttpResponse:
    model = _account_flag_model()
    if model is None:
        raise Http404
    flags = model.objects.filter(city=city, state="open").select_related("user").order_by("-updated_at", "-pk")
    page = Paginator(flags, 50).get_page(request.GET.get("page"))
    return render(request, "department/flags.html", {"city": city, "section": "flags", "page": page})


# Reports ----------------------------------------------------------------------------------------


@department_page
def reports_page(request: HttpRequest, city: City) -> HttpResponse:
    return render(request, "department/reports.html", {"city": city, "section": "reports", "reports": REPORTS.values()})


def _display_cell(value, date_format: str, *, label: bool) -> dict:
    if isinstance(value, dt.date):
        return {"text": dateformat.format(value, date_format), "numeric": False}
    if value is None or value == "":
        return {"text": "—", "numeric": False}
    if isinstance(value, int | float) and not label:
        return {"text": formats.number_format(value), "numeric": True}
    return {"text": str(value), "numeric": False}


def _period(request: HttpRequest) -> tuple[Period, bool]:
    default = Period.last_days()
    # A date that is no date, or beyond the years the portal knows, is a 400 (indigo/inputs.py).
    start = query_date(request.GET, "from") or default.start
    end = query_date(request.GET, "to") or default.end
    if end < start or (end - start).days >= MAX_DAYS:
        return default, False
    return Period(start, end), True


@department_page
def report_page(request: HttpRequest, city: City, report: str) -> HttpResponse:
    kind = REPORTS.get(report)
    if kind is None:
        raise Http404
    period, valid = _period(request)
    if not valid:
        messages.error(request, _("Choose a period of at most a year, its start before its end."))
    result = report_build(slug=kind.slug, city=city, period=period)
    export = request.GET.get("format")
    filename = f"{city.slug}-{kind.slug}"
    if kind.uses_period:
        filename += f"-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if export == "csv":
        response = HttpResponse(report_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if export == "xlsx":
        response = HttpResponse(
            report_xlsx(result, title=str(kind.title)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    date_format = pgettext("date format", "j M Y")
    table = [
        [_display_cell(value, date_format, label=index in result.label_columns) for index, value in enumerate(row)]
        for row in result.rows
    ]
    context = {
        "city": city,
        "section": "reports",
        "kind": kind,
        "reports": REPORTS.values(),
        "report": result,
        "period": period,
        "chart": result.chart.as_data() if result.chart else None,
        "querystring": query.urlencode(),
        "table": table,
        "headers": [
            {"label": column, "numeric": any(row[index]["numeric"] for row in table)}
            for index, column in enumerate(result.columns)
        ],
    }
    return render(request, "department/report.html", context)
