"""Staff accounts for the city's kindergartens, made by the department."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import forms
from accounts.department.access import department_page
from accounts.models import User
from accounts.services.staff import staff_create
from indigo.errors import ServiceError


@department_page
def staff_page(request: HttpRequest, city) -> HttpResponse:
    # The door has checked the city is the user's to manage: all its kindergartens are offered.
    kindergartens = city.kindergartens.order_by("number", "name_ru")
    form = forms.StaffCreateForm(request.POST or None, kindergartens=kindergartens)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = staff_create(
                by=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                kindergartens=data["kindergartens"],
                phone=data["phone"],
                email=data["email"],
                request=request,
            )
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("Account %(login)s is made.") % {"login": member.username})
            return redirect("department-staff", city_slug=city.slug)
    members = (
        User.objects.filter(role=User.Role.STAFF, kindergartens__in=kindergartens)
        .distinct()
        .prefetch_related("kindergartens")
        .order_by("last_name", "username")
    )
    context = {"city": city, "section": "staff", "form": form, "members": members}
    return render(request, "accounts/department_staff.html", context)
