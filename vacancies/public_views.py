"""Public pages, no sign-in: the home page, the kindergarten directory, the summer schedule and its log.
(How placement works shows the queue's rules and privilege log: placement/views/public.py.)"""

import datetime as dt

from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from indigo.choices import Language
from indigo.db_router import public_read
from indigo.inputs import query_int
from vacancies.models import City, Kindergarten, ScheduleLogEntry, SummerWindow
from vacancies.schedule.selectors import summer_schedule
from vacancies.schedule.services import SummerDates
from vacancies.selectors import city_default, kindergarten_directory


def _dates(data: dict):
    try:
        return SummerDates(
            *(dt.date.fromisoformat(data[key]) for key in ("priority_start", "priority_end", "general_date"))
        )
    except (KeyError, TypeError, ValueError):
        return None


def schedule_log_rows(entries) -> list[dict]:
    """Log entries with their before/after dates parsed for display (the JSON holds ISO dates)."""
    return [{"entry": entry, "before": _dates(entry.before), "after": _dates(entry.after)} for entry in entries]


def _city() -> City:
    city = city_default()
    if city is None:
        raise Http404
    return city


def home(request: HttpRequest) -> HttpResponse:
    city = city_default()
    context = {"city": city, "kindergartens": [], "schedule": []}
    if city is not None:
        context["kindergartens"] = kindergarten_directory(city=city)
        context["schedule"] = summer_schedule(city=city)
    return render(request, "home.html", context)


@public_read
def kindergartens(request: HttpRequest) -> HttpResponse:
    city = _city()
    ownership = request.GET.get("ownership", "")
    language = request.GET.get("language", "")
    filters = {
        "district_id": query_int(request.GET, "district", minimum=0),
        "ownership": ownership if ownership in Kindergarten.Ownership.values else None,
        "language": language if language in Language.values else None,
    }
    context = {
        "city": city,
        "cards": kindergarten_directory(city=city, **filters),
        "filters": filters,
        "districts": city.districts.all(),
        "ownerships": Kindergarten.Ownership.choices,
        "languages": Language.choices,
    }
    return render(request, "public/kindergartens.html", context)


@public_read
def schedule(request: HttpRequest) -> HttpResponse:
    city = _city()
    years = list(SummerWindow.objects.filter(city=city).values_list("year", flat=True).distinct().order_by("-year"))
    requested = query_int(request.GET, "year")
    year = requested if requested in years else None
    if year is None:
        year = SummerWindow.objects.filter(city=city).aggregate(latest=Max("year"))["latest"]
    windows = summer_schedule(city=city, year=year) if year else []
    log = (
        ScheduleLogEntry.objects.filter(city=city, year=year).select_related("kindergarten").order_by("-at", "-pk")
        if year
        else []
    )
    log = schedule_log_rows(log)
    context = {"city": city, "year": year, "years": years, "schedule": windows, "log": log}
    return render(request, "public/schedule.html", context)
