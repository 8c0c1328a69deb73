"""Blocking a shared cabinet (R-A-3) and lifting a block.

A block is one transaction: the block row, every issued referral of the account's children
cancelled (the seat goes back to the next protocol), every enrolment terminated, the account's
sessions ended, the flag closed and the audit entry written. The kindergartens and the parent are
told after commit, so a rolled-back block tells nobody anything.
"""

import calendar
import dataclasses
import datetime as dt

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import AccountBlock, AccountFlag, RepresentativeLink, User
from accounts.scoping import active_block, can_manage_city, parent_city
from accounts.services.sessions import sessions_end
from indigo import clock, senders
from indigo.errors import Conflict, NotAllowed, ServiceError
from placement.models import Child, Referral
from placement.services import referral_cancel, referral_terminate

# What the public protocol says about a returned seat: no names, no officer's free text (R-P-4). The
# code of vacancies.reasons.SystemReason.ACCOUNT_BLOCKED (written here: accounts does not import vacancies).
PROTOCOL_REASON = "account_blocked"


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same wall-clock time `months` later in Astana (31 August + 6 months = 28/29 February)."""
    local = moment.astimezone(clock.ASTANA)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def block_end_text(block: AccountBlock) -> str:
    return f"{clock.local_date(block.ends_at):%d.%m.%Y}"


def block_message(block: AccountBlock) -> str:
    return gettext("This cabinet is blocked until %(date)s. Reason: %(reason)s") % {
        "date": block_end_text(block),
        "reason": block.reason,
    }


def _represented_child_ids(user: User) -> list[int]:
    return list(
        RepresentativeLink.objects.filter(user=user, state=RepresentativeLink.State.VERIFIED).values_list(
            "child_id", flat=True
        )
    )


def _tell_kindergarten(referral: Referral) -> None:
    seat = referral.seat
    kindergarten = seat.group.kindergarten
    context = {
        "child": referral.child.initials,
        "application": referral.application.reference,
        "number": referral.number,
        "group": seat.group.name,
        "kindergarten": kindergarten,
        "date": clock.local_today(),
    }
    told = False
    for member in kindergarten.staff.filter(is_active=True, role=User.Role.STAFF):
        with override(member.language or "kk"):
            if member.email:
                subject = render_to_string("accounts/emails/enrolment-terminated-subject.txt", context).strip()
                body = render_to_string("accounts/emails/enrolment-terminated-body.txt", context)
                senders.email_later(member.email, subject, body)
                told = True
            if member.phone:
                text = (
                    gettext(
                        "Indigo: enrolment of %(child)s on referral %(number)s (%(group)s) is terminated: "
                        "the parent's cabinet was blocked. The place is free to release."
                    )
                    % context
                )
                senders.sms_later(member.phone, text)
                told = True
    if not told and kindergarten.phone:
        with override("kk"):
            text = (
                gettext(
                    "Indigo: enrolment of %(child)s on referral %(number)s (%(group)s) is terminated: "
                    "the parent's cabinet was blocked. The place is free to release."
                )
                % context
            )
        senders.sms_later(kindergarten.phone, text)


@dataclasses.dataclass
class BlockPreview:
    """What blocking this account would do now: told to the officer before they confirm."""

    ends_at: dt.datetime
    months: int
    children: list
    referrals_issued: list[str]
    referrals_enrolled: list[str]


def account_block_preview(*, user: User) -> BlockPreview:
    city = parent_city(user)
    months = city.block_months if city is not None else 6
    children = _represented_child_ids(user)
    referrals = Referral.objects.filter(
        child_id__in=children, state__in=[Referral.State.ISSUED, Referral.State.ENROLLED]
    ).order_by("pk")
    return BlockPreview(
        ends_at=add_months(clock.now(), months),
        months=months,
        children=list(Child.objects.filter(pk__in=children).order_by("last_name", "first_name")),
        referrals_issued=[r.number for r in referrals if r.state == Referral.State.ISSUED],
        referrals_enrolled=[r.number for r in referrals if r.state == Referral.State.ENROLLED],
    )


def account_block(*, user: User, reason: str, by: User, flag: AccountFlag | None = None, request=None) -> AccountBlock:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", _("Say why the cabinet is blocked; the parent will read it."))
    if len(reason) > 500:
        raise ServiceError("reason_too_long", _("Keep the reason under 500 characters."))
    if user.role != User.Role.PARENT:
        raise NotAllowed(
            "not_a_parent", _("Only a parent's cabinet can be blocked; deactivate staff accounts instead.")
        )
    city = flag.city if flag is not None and flag.city_id else parent_city(user)
    if not can_manage_city(by, city.pk if city else None):
        raise NotAllowed("not_your_city", _("You can decide only on your city's accounts."))
    months = city.block_months if city is not None else 6
    now = clock.now()
    with transaction.atomic():
        # The user row serialises two officers blocking the same account at once.
        User.objects.select_for_update().filter(pk=user.pk).values("pk").get()
        if active_block(user) is not None:
            raise Conflict("already_blocked", _("This cabinet is already blocked."))
        block = AccountBlock.objects.create(
            user=user, city=city, reason=reason, starts_at=now, ends_at=add_months(now, months), created_by=by
        )
        children = _represented_child_ids(user)
        cancelled, terminated = [], []
        for referral in Referral.objects.filter(child_id__in=children, state=Referral.State.ISSUED).order_by("pk"):
            try:
                referral_cancel(referral=referral, reason=PROTOCOL_REASON, by=by, request=request)
            except Conflict:  # it expired or was refused a moment ago: nothing left to cancel
                continue
            cancelled.append(referral.number)
        enrolled = (
            Referral.objects.filter(child_id__in=children, state=Referral.State.ENROLLED)
            .select_related("seat__group__kindergarten", "child", "application")
            .order_by("pk")
        )
        for referral in enrolled:
            try:
                referral_terminate(referral=referral, reason=PROTOCOL_REASON, by=by, request=request)
            except Conflict:
                continue
            terminated.append(referral.number)
            _tell_kindergarten(referral)
        ended = sessions_end(user=user)
        flags = AccountFlag.objects.filter(user=user, state=AccountFlag.State.OPEN)
        flags.update(state=AccountFlag.State.BLOCKED, decided_at=now, decided_by=by, decision_note=reason)
        audit_record(
            actor=by,
            action="account.block",
            obj=block,
            city=city,
            request=request,
            data={
                "user": user.pk,
                "reason": reason,
                "ends_at": block.ends_at.isoformat(),
                "cancelled": cancelled,
                "terminated": terminated,
                "sessions_ended": ended,
            },
        )
        if user.phone:
            with override(user.language or "kk"):
                senders.sms_later(user.phone, gettext("Indigo: %(message)s") % {"message": block_message(block)})
    return block


def account_block_lift(*, block: AccountBlock, reason: str, by: User, request=None) -> AccountBlock:
    """End a block early (a mistake, an appeal won). Cancelled referrals are not given back."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", _("Say why the block is lifted."))
    if not can_manage_city(by, block.city_id):
        raise NotAllowed("not_your_city", _("You can decide only on your city's accounts."))
    now = clock.now()
    with transaction.atomic():
        changed = AccountBlock.objects.filter(pk=block.pk, lifted_at__isnull=True, ends_at__gt=now).update(
            lifted_at=now, lifted_by=by, lift_reason=reason[:500]
        )
        if not changed:
            raise Conflict("block_not_active", _("This block has already ended or been lifted."))
        audit_record(
            actor=by,
            action="account.block_lift",
            obj=block,
            city=block.city,
            request=request,
            data={"user": block.user_id, "reason": reason},
        )
    block.refresh_from_db()
    return block
