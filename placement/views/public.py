"""Public pages about the queue's rules, no sign-in (the other public pages are vacancies').

How it works explains the city's rules with its own numbers and lists the privilege categories taken
out of the queue (R-Q-2): placement's data, so the page lives here, at the same /how-it-works/ path."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from placement.selectors import privilege_category_log
from vacancies.city_settings import city_rule_changes
from vacancies.models import City
from vacancies.selectors import city_default


def how_it_works(request: HttpRequest) -> HttpResponse:
    city = city_default()
    # With no city loaded yet the page still explains the rules, with their default values.
    context = {
        "city": city,
        "rules": city or City(),
        "category_changes": privilege_category_log(city=city),
        "rule_changes": city_rule_changes(city=city),
    }
    return render(request, "public/how_it_works.html", context)
