"""The parent's children pages: the children linked to the account with their applications and
referrals, and the form that links a child (R-A-2). They show placement's rows, so they live here;
their paths stay under /accounts/children/ where parents and templates know them."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import forms
from accounts.models import RepresentativeLink, User
from accounts.permissions import role_required
from accounts.ratelimit import rate_limited
from indigo.errors import ServiceError
from placement.models import Application
from placement.scoping import applications_visible_to, referrals_visible_to
from placement.services.links import representative_link


def _city(request: HttpRequest) -> dict:
    """The account's own city for the header; without one the default city shows (a context processor)."""
    return {"city": request.user.city} if request.user.city_id else {}


@role_required(User.Role.PARENT)
def my_children(request: HttpRequest) -> HttpResponse:
    links = (
        RepresentativeLink.objects.filter(user=request.user)
        .select_related("child")
        .order_by("child__last_name", "child__first_name")
    )
    applications = (
        applications_visible_to(request.user)
        .select_related("city", "child")
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=referrals_visible_to(request.user).select_related("seat__group__kindergarten"),
                to_attr="visible_referrals",
            )
        )
        .order_by("-filed_at")
    )
    by_child: dict[int, list[Application]] = {}
    for application in applications:
        by_child.setdefault(application.child_id, []).append(application)
    rows = [{"link": link, "applications": by_child.get(link.child_id, [])} for link in links]
    context = {"rows": rows, "cabinet_url": reverse("cabinet"), **_city(request)}
    return render(request, "accounts/children.html", context)


@role_required(User.Role.PARENT)
@rate_limited("child-link-page", "30/h")
def child_link(request: HttpRequest) -> HttpResponse:
    form = forms.ChildLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = representative_link(user=request.user, request=request, **data)
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            if link.state == RepresentativeLink.State.VERIFIED:
                messages.success(request, _("%(child)s is in your cabinet.") % {"child": link.child.full_name})
            else:
                messages.warning(
                    request,
                    _("%(child)s is added; the education department will check your document.")
                    % {"child": link.child.full_name},
                )
            return redirect("my-children")
    return render(request, "accounts/child_link.html", {"form": form, **_city(request)})
