"""The audit log with search: who did what, when and from where, in the reader's language."""

import datetime as dt
import ipaddress

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import forms
from accounts.audit_words import audit_entries_describe
from accounts.department.access import department_page
from accounts.models import AuditLog
from accounts.scoping import is_admin
from indigo import clock
from indigo.digits import ascii_digits_or_none

AUDIT_PAGE_SIZE = 50


@department_page
def audit_page(request: HttpRequest, city) -> HttpResponse:
    sees_all = is_admin(request.user)
    form = forms.AuditSearchForm(request.GET or None, everywhere=sees_all)
    entries = AuditLog.objects.select_related("actor", "city")
    # An administrator may widen the search to every city and to entries of no city (sign-ins of nobody).
    if not (sees_all and form.is_valid() and form.cleaned_data["everywhere"]):
        entries = entries.filter(city=city)
    if form.is_valid():
        entries = _search(entries, form.cleaned_data)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(entries.order_by("-at", "-pk"), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = audit_entries_describe(page.object_list)
    context = {
        "city": city,
        "section": "audit",
        "form": form,
        "page": page,
        "querystring": query.urlencode(),
        "sees_all": sees_all,
    }
    return render(request, "accounts/department_audit.html", context)


def _search(entries, data: dict):
    if data["q"]:
        q = data["q"].strip()
        match = (
            Q(actor__username__iexact=q)
            | Q(actor__iin=ascii_digits_or_none(q) or q)
            | Q(object_id=q)
            | Q(action__istartswith=q)
            | Q(data__identifier=q)
        )
        if _looks_like_ip(q):
            match |= Q(ip=q)
        entries = entries.filter(match)
    if data["action"]:
        entries = entries.filter(action=data["action"])
    if data["since"]:
        entries = entries.filter(at__gte=clock.at_local(data["since"], dt.time.min))
    if data["until"]:
        entries = entries.filter(at__lt=clock.at_local(data["until"] + dt.timedelta(days=1), dt.time.min))
    return entries


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
