"""The family's bid page (R-W-3): pick groups, move them up or down, remove them; every button is a
plain form, so it works without JavaScript on a phone. Each change is saved at once (a bid is a row)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.ratelimit import rate_limited
from indigo import clock
from indigo.errors import ServiceError
from indigo.inputs import query_int
from placement.views.family import my_application
from placement.window.api import BID_RATE
from placement.window.bids import bid_place, bid_withdraw
from placement.window.selectors import listed_together, open_windows_of, twin_of, window_results

ACTIONS = ("add", "remove", "up", "down", "withdraw", "together", "apart")


def _changed(current: list[int], action: str, group_id: int | None) -> list[int]:
    groups = list(current)
    if action == "add" and group_id is not None and group_id not in groups:
        groups.append(group_id)
    elif group_id in groups:
        index = groups.index(group_id)
        if action == "remove":
            groups.pop(index)
        elif action == "up" and index > 0:
            groups[index - 1], groups[index] = groups[index], groups[index - 1]
        elif action == "down" and index < len(groups) - 1:
            groups[index + 1], groups[index] = groups[index], groups[index + 1]
    return groups


@login_required
@rate_limited("bid", BID_RATE)
def bid_page(request: HttpRequest, application_id: int) -> HttpResponse:
    application = my_application(request.user, application_id)
    now = clock.now()
    windows = open_windows_of(application=application, at=now)
    key = request.POST.get("window") or request.GET.get("window") or ""
    chosen = next(((offer, bid) for offer, bid in windows if offer.key == key), windows[0] if windows else None)
    url = reverse("window-bid", kwargs={"application_id": application.pk})
    if request.method == "POST":
        action = request.POST.get("action", "")
        if chosen is None or action not in ACTIONS:
            messages.error(request, _("The claim window has closed: lists can no longer be changed."))
            return redirect(url)
        offer, current = chosen
        groups = _changed(current or [], action, query_int(request.POST, "group", minimum=1))
        twin = twin_of(request.user, application)
        # Twins listed together stay together through every change, until the parent splits them (R-S-7).
        together = twin is not None and (
            action == "together" or (action != "apart" and listed_together(application, twin, offer))
        )
        applications = [application, twin] if together else [application]
        try:
            if action == "withdraw" or not groups:
                bid_withdraw(application=application, window=offer.key, by=request.user, request=request)
                messages.success(request, _("Your list is withdrawn. The child keeps its place in the queue."))
            else:
                bid_place(applications=applications, groups=groups, window=offer.key, by=request.user, request=request)
                messages.success(request, _("Your list is saved."))
        except ServiceError as error:
            messages.error(request, error.detail)
        return redirect(f"{url}?window={offer.key}")
    context = {
        "application": application,
        "windows": windows,
        "results": window_results(application=application, at=now),
        "max_groups": application.city.window_max_groups,
    }
    if chosen is not None:
        offer, current = chosen
        twin = twin_of(request.user, application)
        context.update(twin=twin, together=twin is not None and listed_together(application, twin, offer))
        by_id = {group.pk: (group, seats) for group, seats in offer.groups}
        context.update(
            offer=offer,
            listed=[by_id[group_id] for group_id in current or [] if group_id in by_id],
            others=[pair for pair in offer.groups if pair[0].pk not in (current or [])],
        )
    return render(request, "placement/window_bid.html", context)
