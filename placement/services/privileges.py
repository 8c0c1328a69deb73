"""The department's decision on a claimed privilege (R-Q-5): confirm it, or reject it with a reason.

A pending privilege already counts in the queue; a rejection takes it out from the next
computation, which is what the parent sees explained beside their position.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.scoping import can_manage_city
from indigo import clock
from indigo.errors import Conflict, NotAllowed, ServiceError
from placement.models import Privilege

REASON_MAX = 300


def _decide(privilege: Privilege, *, state: str, reason: str, by, request) -> Privilege:
    city = privilege.application.city
    if by is not None and not can_manage_city(by, city):
        raise NotAllowed("not_your_city", _("Only the department of the applicant's city decides on privileges."))
    at = clock.now()
    with transaction.atomic():
        # Compare-and-set: of two officers deciding at once, the second is told it is already done.
        moved = Privilege.objects.filter(pk=privilege.pk, state=Privilege.State.PENDING).update(
            state=state,
            decided_at=at,
            decided_by=by if getattr(by, "is_authenticated", False) else None,
            decision_reason=reason,
        )
        if not moved:
            current = Privilege.objects.get(pk=privilege.pk)
            raise Conflict(
                "privilege_already_decided",
                _("This privilege was already decided: %(state)s."),
                state=current.get_state_display(),
            )
        audit_record(
            actor=by,
            action=f"privilege.{state}",
            obj=privilege,
            city=city,
            request=request,
            data={
                "application": privilege.application.reference,
                "category": privilege.category.code,
                "reason": reason,
            },
        )
    privilege.refresh_from_db()
    return privilege


def privilege_confirm(*, privilege: Privilege, by=None, request=None) -> Privilege:
    return _decide(privilege, state=Privilege.State.CONFIRMED, reason="", by=by, request=request)


def privilege_reject(*, privilege: Privilege, reason: str, by=None, request=None) -> Privilege:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", _("Say why the privilege is rejected; the parent will read it."))
    if len(reason) > REASON_MAX:
        raise ServiceError("reason_too_long", _("Keep the reason under %(limit)s characters."), limit=REASON_MAX)
    return _decide(privilege, state=Privilege.State.REJECTED, reason=reason, by=by, request=request)
