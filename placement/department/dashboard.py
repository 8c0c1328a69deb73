"""The console's front page: what waits for the department in its city, across every app."""

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.department.access import department_page
from accounts.models import AccountFlag
from placement.models import Privilege
from vacancies.department.schedule import schedule_year
from vacancies.models import (
    CalendarOverride,
    City,
    CitySettingsChange,
    Group,
    Kindergarten,
    SummerWindow,
    SummerWindowChange,
)
from vacancies.reports import REPORTS


@department_page
def department_city(request: HttpRequest, city: City) -> HttpResponse:
    year = schedule_year(city)
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
        "open_flags": AccountFlag.objects.filter(city=city, state=AccountFlag.State.OPEN).count(),
    }
    return render(request, "department/city.html", context)
