"""Shared cabinets (R-A-3): the flags that point at them, the blocks, and the confirmation before a block."""

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import forms
from accounts.department.access import department_page
from accounts.models import AccountBlock, AccountFlag, User
from accounts.services.blocks import account_block, account_block_lift, account_block_preview, block_end_text
from accounts.services.sharing import account_flag_dismiss
from indigo import clock
from indigo.actions import perform
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError


@department_page
def flags_page(request: HttpRequest, city) -> HttpResponse:
    flags = AccountFlag.objects.filter(city=city).select_related("user", "decided_by", "city")
    open_flags = list(flags.filter(state=AccountFlag.State.OPEN).order_by("-updated_at"))
    for flag in open_flags:
        flag.signals = [{**signal, "at": dt.datetime.fromisoformat(signal["at"])} for signal in flag.evidence]
    context = {
        "city": city,
        "section": "flags",
        "open_flags": open_flags,
        "decided": flags.exclude(state=AccountFlag.State.OPEN).order_by("-decided_at")[:20],
    }
    return render(request, "accounts/department_flags.html", context)


def _block_confirmation(request, city, parent: User, *, reason: str, hidden: dict, cancel_url: str, error=None):
    """The second step before a block (issue 12): whose cabinet, until when, and what it takes away."""
    preview = account_block_preview(user=parent)
    facts = [
        (_("Parent"), parent.get_full_name() or parent.username),
        (_("IIN"), parent.iin or "—"),
        (_("Children"), ", ".join(child.full_name for child in preview.children) or "—"),
    ]
    ends = date_format(clock.local_date(preview.ends_at))
    consequences = [
        ngettext(
            "The cabinet is blocked for %(months)s month, until %(date)s: the parent can only read the reason.",
            "The cabinet is blocked for %(months)s months, until %(date)s: the parent can only read the reason.",
            preview.months,
        )
        % {"months": preview.months, "date": ends},
    ]
    if preview.referrals_issued:
        consequences.append(
            _("Referrals cancelled at once (the seats go back to the next protocol): %(numbers)s.")
            % {"numbers": ", ".join(preview.referrals_issued)}
        )
    if preview.referrals_enrolled:
        consequences.append(
            _("Enrolment contracts terminated (the kindergarten is told): %(numbers)s.")
            % {"numbers": ", ".join(preview.referrals_enrolled)}
        )
    consequences += [
        _("The parent is signed out everywhere and gets an SMS with the reason."),
        _("Lifting the block later does not give back cancelled referrals or terminated contracts."),
    ]
    confirmation = Confirmation(
        title=_("Block this cabinet?"),
        facts=facts,
        consequences=consequences,
        button=_("Yes, block the cabinet"),
        cancel_url=cancel_url,
        hidden=hidden,
        ask={"name": "reason", "label": _("Reason the parent will read"), "value": reason, "error": error},
    )
    return confirm_page(request, confirmation, city=city)


@department_page
@require_POST
def flag_block(request: HttpRequest, city, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(AccountFlag.objects.filter(city=city).select_related("user", "city"), pk=flag_id)
    reason = request.POST.get("reason", "")
    cancel_url = reverse("department-flags", kwargs={"city_slug": city.slug})
    if not confirmed(request):
        return _block_confirmation(request, city, flag.user, reason=reason, hidden={}, cancel_url=cancel_url)
    try:
        block = account_block(user=flag.user, reason=reason, by=request.user, flag=flag, request=request)
    except ServiceError as error:
        if error.code.startswith("reason_"):
            return _block_confirmation(
                request, city, flag.user, reason=reason, hidden={}, cancel_url=cancel_url, error=error.detail
            )
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The cabinet is blocked until %(date)s.") % {"date": block_end_text(block)})
    return redirect(cancel_url)


@department_page
@require_POST
def flag_dismiss(request: HttpRequest, city, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(AccountFlag.objects.filter(city=city), pk=flag_id)
    note = request.POST.get("reason", "")
    perform(request, account_flag_dismiss, flag=flag, note=note, done=_("The flag is dismissed."))
    return redirect("department-flags", city_slug=city.slug)


@department_page
def blocks_page(request: HttpRequest, city) -> HttpResponse:
    now = clock.now()
    blocks = AccountBlock.objects.filter(city=city).select_related("user", "created_by", "lifted_by")
    form = forms.BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # DigitsField has read any script's digits as 0-9: the officer finds the parent however it was typed.
        parent = User.objects.filter(iin=form.cleaned_data["iin"].strip(), role=User.Role.PARENT).first()
        reason = request.POST.get("reason", "")
        cancel_url = reverse("department-blocks", kwargs={"city_slug": city.slug})
        try:
            if parent is None:
                raise ServiceError("parent_not_found", _("No parent's account has this IIN."))
            if not confirmed(request):
                hidden = {"iin": parent.iin}
                return _block_confirmation(request, city, parent, reason=reason, hidden=hidden, cancel_url=cancel_url)
            block = account_block(user=parent, reason=reason, by=request.user, request=request)
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The cabinet is blocked until %(date)s.") % {"date": block_end_text(block)})
            return redirect(cancel_url)
    context = {
        "city": city,
        "section": "blocks",
        "form": form,
        "active": blocks.filter(lifted_at__isnull=True, ends_at__gt=now).order_by("ends_at"),
        "ended": blocks.filter(Q(lifted_at__isnull=False) | Q(ends_at__lte=now)).order_by("-starts_at")[:20],
    }
    return render(request, "accounts/department_blocks.html", context)


@department_page
@require_POST
def block_lift(request: HttpRequest, city, block_id: int) -> HttpResponse:
    block = get_object_or_404(AccountBlock.objects.filter(city=city), pk=block_id)
    reason = request.POST.get("reason", "")
    perform(request, account_block_lift, block=block, reason=reason, done=_("The block is lifted."))
    return redirect("department-blocks", city_slug=city.slug)
