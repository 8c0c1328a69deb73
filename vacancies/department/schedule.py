"""The summer schedule page: each cohort's access dates and a kindergarten's own dates, with the log (R-S-2)."""

import datetime as dt
from functools import partial

from django import forms
from django.contrib import messages
from django.db.models import Max, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.department.access import department_page
from indigo import clock
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError
from indigo.forms import date_field, empty_choices_label
from indigo.inputs import query_int
from vacancies.department.common import REASON_WIDGET, ReasonForm, year_param
from vacancies.models import City, Kindergarten, ScheduleLogEntry, SummerWindow, SummerWindowChange
from vacancies.public_views import schedule_log_rows
from vacancies.schedule.services import SummerDates, summer_change_delete, summer_change_save, summer_window_save


def season_end(city: City, year: int) -> dt.date:
    """The last day a year's summer schedule still decides anything: its latest general access date
    (kindergartens' own dates included), or the end of the August pause when it has no dates yet."""
    latest = SummerWindow.objects.filter(city=city, year=year).aggregate(
        window=Max("general_date"), change=Max("kindergarten_changes__general_date")
    )
    dates = [day for day in latest.values() if day is not None]
    return max(dates) if dates else dt.date.fromisoformat(f"{year}-{city.august_pause_end}")


def schedule_year(city: City) -> int:
    """The season being prepared or run (issue 12): this year's until it has ended, then next year's."""
    today = clock.local_today()
    return today.year if today <= season_end(city, today.year) else today.year + 1


class WindowForm(forms.Form):
    cohort = forms.IntegerField(label=gettext_lazy("Born in"), min_value=2000, max_value=2100)
    priority_start = date_field(label=gettext_lazy("Priority access from"))
    priority_end = date_field(label=gettext_lazy("Priority access until"))
    general_date = date_field(label=gettext_lazy("General access from"))
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
    year = year_param(request, schedule_year(city))
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
    if action == "window":
        form = WindowForm(request.POST, auto_id="id_new_%s" if key == "new" else f"id_w{key}_%s")
        slot, act = ("window", key), _window_save
    elif action == "change":
        form = ChangeForm(request.POST, city=city, cohorts=cohorts, auto_id="id_change_%s")
        slot, act = ("change",), _change_save
    elif action == "change_delete":
        change = get_object_or_404(
            SummerWindowChange.objects.select_related("window__city", "kindergarten"),
            pk=change_pk,
            window__city=city,
        )
        form = ReasonForm(request.POST, auto_id=f"id_d{change.pk}_%s")
        slot, act = ("delete", change.pk), partial(_change_delete, change)
    else:
        return HttpResponse(status=400)
    if not form.is_valid():
        return _schedule_invalid(request, city, year, slot, form)
    try:
        messages.success(request, act(request, city, year, form))
    except ServiceError as error:
        messages.error(request, error.detail)
        return render(
            request, "department/schedule.html", _schedule_context(request, city, year, bound={slot: form}), status=400
        )
    return redirect(f"{reverse('department-schedule', kwargs={'city_slug': city.slug})}?year={year}")


def _window_save(request, city: City, year: int, form) -> str:
    cohort = form.cleaned_data["cohort"]
    summer_window_save(city=city, year=year, cohort=cohort, **_dated(request, form))
    return _("The dates of children born in %(cohort)s are saved and published in the schedule's log.") % {
        "cohort": cohort
    }


def _change_save(request, city: City, year: int, form) -> str:
    window = get_object_or_404(SummerWindow, city=city, year=year, cohort=form.cleaned_data["cohort"])
    kindergarten = form.cleaned_data["kindergarten"]
    summer_change_save(window=window, kindergarten=kindergarten, **_dated(request, form))
    return _("%(kindergarten)s now recruits on its own dates.") % {"kindergarten": kindergarten}


def _change_delete(change: SummerWindowChange, request, city: City, year: int, form) -> str:
    summer_change_delete(change=change, reason=form.cleaned_data["reason"], by=request.user, request=request)
    return _("%(kindergarten)s is back on the city's dates.") % {"kindergarten": change.kindergarten}


def _dated(request, form) -> dict:
    """What both kinds of dates are saved with: the dates, the reason the log publishes, who, the request."""
    return {"dates": form.dates(), "reason": form.cleaned_data["reason"], "by": request.user, "request": request}


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
            _("To plan the coming summer, open the %(next)s schedule instead.") % {"next": schedule_year(city)},
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
