"""What a blocked cabinet loses in placement (R-A-3): its children's issued referrals are cancelled (the
seat goes back to the next protocol) and their enrolments terminated, with the kindergarten told.

accounts blocks the account and sends accounts.signals.account_blocked inside its transaction;
placement/apps.py connects these receivers, so the block and its consequences commit or roll back
together, and accounts never imports placement (DESIGN §4).
"""

from django.template.loader import render_to_string
from django.utils.translation import gettext, override

from accounts.models import RepresentativeLink, User
from indigo import clock, senders
from indigo.errors import Conflict
from placement.models import Referral
from placement.services.referrals import referral_cancel, referral_terminate
from vacancies.reasons import SystemReason

# What the public protocol says about a returned seat: no names, no officer's free text (R-P-4).
PROTOCOL_REASON = SystemReason.ACCOUNT_BLOCKED


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
                subject = render_to_string("placement/emails/enrolment-terminated-subject.txt", context).strip()
                body = render_to_string("placement/emails/enrolment-terminated-body.txt", context)
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


def blocked_account_referrals_end(*, user: User, by: User, request=None) -> dict[str, list[str]]:
    """Cancel the issued referrals and terminate the enrolments of the blocked account's children.
    Runs inside the block's transaction; returns the referral numbers for its audit entry."""
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
    return {"cancelled": cancelled, "terminated": terminated}


def blocked_account_referrals(*, user: User) -> dict[str, list[str]]:
    """What a block would end now, for the officer's confirmation."""
    referrals = Referral.objects.filter(
        child_id__in=_represented_child_ids(user), state__in=[Referral.State.ISSUED, Referral.State.ENROLLED]
    ).order_by("pk")
    return {
        "referrals_issued": [r.number for r in referrals if r.state == Referral.State.ISSUED],
        "referrals_enrolled": [r.number for r in referrals if r.state == Referral.State.ENROLLED],
    }


def on_account_blocked(sender, *, user, block, by, request=None, **kwargs) -> dict[str, list[str]]:
    return blocked_account_referrals_end(user=user, by=by, request=request)


def on_account_block_consequences(sender, *, user, **kwargs) -> dict[str, list[str]]:
    return blocked_account_referrals(user=user)
