from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from placement.selectors import summer_schedule
from vacancies.selectors import city_default, kindergarten_directory


def home(request: HttpRequest) -> HttpResponse:
    city = city_default()
    context = {"city": city, "kindergartens": [], "schedule": []}
    if city is not None:
        context["kindergartens"] = kindergarten_directory(city=city)
        context["schedule"] = summer_schedule(city=city)
    return render(request, "home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
