"""Blocking a shared cabinet (R-A-3) and lifting a block.

A block is one transaction: the block row, every issued referral of the account's children
cancelled (the seat goes back to the next protocol), every enrolment terminated, the account's
sessions ended, the flag closed and the audit entry written. The kindergartens and the parent are
told after commit, so a rolled-back block tells nobody anything.

Referrals are placement's, above accounts (DESIGN §4): the block sends accounts.signals.account_blocked
inside its transaction and placement's receiver (placement/services/account_blocks.py) ends them.
"""

import calendar
import dataclasses
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import AccountBlock, AccountFlag, RepresentativeLink, User
from accounts.scoping import active_block, can_manage_city, parent_city
from accounts.services.sessions import sessions_end
from accounts.signals import account_block_consequences, account_blocked
from indigo import clock, senders
from indigo.errors import Conflict, NotAllowed
from indigo.inputs import reason_text
from indigo.locking import locking_atomic, rows_lock


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


def _represented_children(user: User) -> list:
    links = RepresentativeLink.objects.filter(user=user, state=RepresentativeLink.State.VERIFIED)
    return [link.child for link in links.select_related("child").order_by("child__last_name", "child__first_name")]


@dataclasses.dataclass
class BlockPreview:
    """What blocking this account would do now: told to the officer before they confirm."""

    ends_at: dt.datetime
    months: int
    children: list
    # Filled by the apps above accounts (accounts.signals.account_block_consequences).
    referrals_issued: list[str] = dataclasses.field(default_factory=list)
    referrals_enrolled: list[str] = dataclasses.field(default_factory=list)


def account_block_preview(*, user: User) -> BlockPreview:
    city = parent_city(user)
    months = city.block_months if city is not None else 6
    preview = BlockPreview(ends_at=add_months(clock.now(), months), months=months, children=_represented_children(user))
    for _receiver, consequences in account_block_consequences.send(sender=User, user=user):
        for field, numbers in (consequences or {}).items():
            getattr(preview, field).extend(numbers)
    return preview


def account_block(*, user: User, reason: str, by: User, flag: AccountFlag | None = None, request=None) -> AccountBlock:
    reason = reason_text(reason, missing=_("Say why the cabinet is blocked; the parent will read it."), limit=500)
    if user.role != User.Role.PARENT:
        raise NotAllowed(
            "not_a_parent", _("Only a parent's cabinet can be blocked; deactivate staff accounts instead.")
        )
    city = flag.city if flag is not None and flag.city_id else parent_city(user)
    if not can_manage_city(by, city.pk if city else None):
        raise NotAllowed("not_your_city", _("You can decide only on your city's accounts."))
    months = city.block_months if city is not None else 6
    now = clock.now()
    with locking_atomic():
        # The user row serialises two officers blocking the same account at once.
        rows_lock(User.objects.only("pk"), [user.pk])
        if active_block(user) is not None:
            raise Conflict("already_blocked", _("This cabinet is already blocked."))
        block = AccountBlock.objects.create(
            user=user, city=city, reason=reason, starts_at=now, ends_at=add_months(now, months), created_by=by
        )
        # Inside the transaction: a receiver that fails rolls the block back with it.
        consequences = {"cancelled": [], "terminated": []}
        for _receiver, answer in account_blocked.send(sender=User, user=user, block=block, by=by, request=request):
            for key, numbers in (answer or {}).items():
                consequences.setdefault(key, []).extend(numbers)
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
                **consequences,
                "sessions_ended": ended,
            },
        )
        if user.phone:
            with override(user.language or "kk"):
                senders.sms_later(user.phone, gettext("Indigo: %(message)s") % {"message": block_message(block)})
    return block


def account_block_lift(*, block: AccountBlock, reason: str, by: User, request=None) -> AccountBlock:
    """End a block early (a mistake, an appeal won). Cancelled referrals are not given back."""
    reason = reason_text(reason, missing=_("Say why the block is lifted."), limit=500)
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
