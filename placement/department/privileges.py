"""Privileges waiting for the department's decision (R-Q-5)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.department.access import department_page
from indigo import clock
from indigo.errors import ServiceError
from indigo.workdays import WorkingCalendar
from placement.models import Privilege, Referral
from placement.services.privileges import privilege_confirm, privilege_reject
from vacancies.models import City


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for rejecting"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"maxlength": 300, "autocomplete": "off", "placeholder": gettext_lazy("Reason for rejecting")}
        ),
    )


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
