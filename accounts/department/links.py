"""Guardians to check: links a parent asked for with a document, verified or rejected by the department."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.department.access import department_page
from accounts.models import RepresentativeLink
from accounts.services.links import representative_link_decide
from indigo.errors import ServiceError


def _city_links(city):
    return RepresentativeLink.objects.filter(city=city)


@department_page
def links_page(request: HttpRequest, city) -> HttpResponse:
    pending = (
        _city_links(city)
        .filter(state=RepresentativeLink.State.PENDING)
        .select_related("user", "child")
        .order_by("created_at")
    )
    decided = (
        _city_links(city)
        .exclude(state=RepresentativeLink.State.PENDING)
        .exclude(decided_by=None)
        .select_related("user", "child", "decided_by")
        .order_by("-decided_at")[:20]
    )
    context = {"city": city, "section": "links", "pending": pending, "decided": decided}
    return render(request, "accounts/department_links.html", context)


@department_page
@require_POST
def link_decide(request: HttpRequest, city, link_id: int) -> HttpResponse:
    link = get_object_or_404(_city_links(city), pk=link_id)
    verify = request.POST.get("decision") == "verify"
    try:
        representative_link_decide(
            link=link, verify=verify, reason=request.POST.get("reason", ""), by=request.user, request=request
        )
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Verified.") if verify else _("Rejected."))
    return redirect("department-links", city_slug=city.slug)
