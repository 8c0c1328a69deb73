"""The working-day calendar page: the national calendar and the city's own changes to it."""

import calendar
import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.department.access import department_page
from indigo import clock
from indigo.errors import ServiceError
from indigo.forms import date_field
from indigo.inputs import query_int
from indigo.workdays import WorkingCalendar, is_national_working_day, national_holiday_names
from vacancies.calendar_services import (
    calendar_override_add,
    calendar_override_remove,
)
from vacancies.department.common import REASON_WIDGET, ReasonForm, year_param
from vacancies.models import CalendarOverride, City


class OverrideForm(forms.Form):
    day = date_field(label=gettext_lazy("Day"))
    kind = forms.ChoiceField(label=gettext_lazy("Change"), choices=CalendarOverride.Kind.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=REASON_WIDGET)


def _calendar_months(city: City, year: int) -> list[dict]:
    working = WorkingCalendar(city)
    overrides = {o.day: o for o in CalendarOverride.objects.filter(city=city, day__year=year)}
    names = national_holiday_names(year, (get_language() or "kk")[:2])
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
    names = national_holiday_names(year, (get_language() or "kk")[:2])
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
    year = year_param(request, clock.local_today().year)
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
