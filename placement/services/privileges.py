"""The department's decision on a claimed privilege (R-Q-5): confirm it, or reject it with a reason.

A pending privilege already counts in the queue; a rejection takes it out from the next
computation, which is what the parent sees explained beside their position.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.scoping import can_manage_city
from indigo import clock
from indigo.errors import Conflict, NotAllowed
from indigo.inputs import reason_text
from placement.models import Privilege, PrivilegeCategory, PrivilegeCategoryChange
from vacancies.locking import protocol_write_begin


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
    reason = reason_text(reason, missing=_("Say why the privilege is rejected; the parent will read it."))
    return _decide(privilege, state=Privilege.State.REJECTED, reason=reason, by=by, request=request)


def privilege_category_deactivate(*, category: PrivilegeCategory, reason: str, by=None, request=None):
    """Take a privilege category out of the queue (R-Q-2), for good, logged publicly.

    From this moment its privileges stop counting: every position of the city's markets is computed
    without them, and the next protocol lists the change with its reason. The queue at earlier moments
    (the previous protocol, R-Q-3) keeps counting them, so each parent sees why their position moved.
    A category is not switched back on: that would rewrite the queue of the days it was off. A new
    category with the same right is created instead.
    """
    city = category.city
    if by is not None and not can_manage_city(by, city):
        raise NotAllowed("not_your_city", _("Only the department of the city changes its privilege categories."))
    reason = reason_text(reason, missing=_("Say why the category no longer counts; the protocol shows it."))
    with transaction.atomic():
        # A change the protocol lists: stamped under the city's writer lock (vacancies/locking.py).
        at = protocol_write_begin(city.pk)
        moved = PrivilegeCategory.objects.filter(pk=category.pk, deactivated_at__isnull=True).update(
            is_active=False, deactivated_at=at
        )
        if not moved:
            raise Conflict("category_inactive", _("This privilege category already no longer counts in the queue."))
        change = PrivilegeCategoryChange.objects.create(
            city=city,
            category=category,
            at=at,
            actor=by if getattr(by, "is_authenticated", False) else None,
            active=False,
            reason=reason,
        )
        audit_record(
            actor=by,
            action="privilege_category.deactivate",
            obj=category,
            city=city,
            request=request,
            data={"category": category.code, "tier": category.tier, "reason": reason},
        )
    category.refresh_from_db()
    return change
