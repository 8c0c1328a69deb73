"""The department console's one door (R-A-1): every page lives under /<lang>/department/<city>/… and
lets in that city's officers and the administrators (every city); others get 403, the anonymous the
sign-in page. /<lang>/department/ is the entrance; the old /accounts/department/… addresses lead to
the same pages in the officer's city."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import User
from accounts.scoping import can_manage_city, is_admin, officer_city_id


def city_model():
    # Accounts sits below vacancies (DESIGN §4): it names the City model through its users' city
    # field, as an app below the users names them through get_user_model(), never by an import.
    return User._meta.get_field("city").related_model


def department_page(view):
    """Resolve the city in the URL and let only its officers (and administrators) in."""

    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, city_slug: str, **kwargs):
        # Who may work in no city at all is turned away before the city is looked up.
        if officer_city_id(request.user) is None and not is_admin(request.user):
            raise PermissionDenied
        city = get_object_or_404(city_model(), slug=city_slug)
        if not can_manage_city(request.user, city):
            raise PermissionDenied
        return view(request, city, **kwargs)

    return wrapper


@login_required
def department_home(request: HttpRequest) -> HttpResponse:
    """The console's entrance: an officer goes to their city, an administrator chooses one."""
    city_id = officer_city_id(request.user)
    if city_id is not None:
        slug = city_model().objects.values_list("slug", flat=True).get(pk=city_id)
        return redirect("department-city", city_slug=slug)
    if not is_admin(request.user):
        raise PermissionDenied
    return render(request, "department/home.html", {"cities": city_model().objects.order_by("name_ru")})


@login_required
def old_console(request: HttpRequest, rest: str = "") -> HttpResponse:
    """/accounts/department/<rest> of earlier versions: the same page in the officer's city, so bookmarks
    keep working. An administrator has no city of their own and chooses one on the console's entrance."""
    city_id = officer_city_id(request.user)
    if city_id is None:
        if is_admin(request.user):
            return redirect("department-home")
        raise PermissionDenied
    slug = city_model().objects.values_list("slug", flat=True).get(pk=city_id)
    target = reverse("department-city", kwargs={"city_slug": slug}) + (rest or "flags/")
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    if request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(target)
    # A form loaded before the move posts again to the new address with its body (308 keeps the method).
    response = HttpResponsePermanentRedirect(target)
    response.status_code = 308
    return response
