"""Legal-representative links (R-A-2): a parent asks to act for a child.

A parent whose details match the child's record is verified at once; guardians and foster carers
wait for the department, which checks the document (court decision, guardianship act) through
accounts.services.links.representative_link_decide. A child has at most two parents: a third parent
link also waits for the department. The first link registers the child, which is placement's.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import RepresentativeLink, User
from accounts.ratelimit import rate_limit_hit
from accounts.scoping import is_blocked, parent_city
from accounts.services.signup import age_on, iin_parse_or_refuse
from indigo import clock
from indigo.errors import Conflict, NotAllowed, ServiceError
from placement.models import Application, Child

MAX_PARENTS = 2
# Each try compares names with a child's record: a low rate keeps IINs from being probed.
LINK_RATE = "10/h"


def _same(a: str, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def _link_city(child: Child, user: User):
    application = Application.objects.filter(child=child, state=Application.State.ACTIVE).select_related("city").first()
    return application.city if application else parent_city(user)


def representative_link(
    *,
    user: User,
    iin: str,
    birth_date: dt.date,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    relation: str,
    document: str = "",
    request=None,
) -> RepresentativeLink:
    if user.role != User.Role.PARENT or not user.is_active:
        raise NotAllowed("not_a_parent", _("Only a parent's account can add children."))
    if is_blocked(user):
        raise ServiceError("account_blocked", _("This cabinet is blocked."), status=423)
    rate_limit_hit("representative-link", f"user:{user.pk}", LINK_RATE)
    parsed = iin_parse_or_refuse(iin)
    if birth_date != parsed.birth_date:
        raise ServiceError(
            "child_birth_date_mismatch", _("The birth date does not agree with the IIN: check both numbers.")
        )
    today = clock.local_today()
    if parsed.birth_date > today:
        raise ServiceError("child_not_born", _("This IIN has a birth date in the future."))
    if age_on(parsed.birth_date, today) >= 18:
        raise ServiceError("child_adult", _("This IIN belongs to an adult, not a child."))
    if relation not in RepresentativeLink.Relation.values:
        raise ServiceError("relation_invalid", _("Choose who you are to the child: parent, guardian or foster carer."))
    last_name, first_name, patronymic = last_name.strip(), first_name.strip(), (patronymic or "").strip()
    if not last_name or not first_name:
        raise ServiceError(
            "child_name_required", _("Give the child's last and first name as in the birth certificate.")
        )
    document = (document or "").strip()
    if relation != RepresentativeLink.Relation.PARENT and not document:
        raise ServiceError(
            "document_required",
            _("A guardian or foster carer gives the document that appoints them (court decision or act number)."),
        )
    if parsed.value == user.iin:
        raise ServiceError("child_is_self", _("This is your own IIN, not your child's."))

    with transaction.atomic():
        child, created = Child.objects.get_or_create(
            iin=parsed.value,
            defaults={
                "last_name": last_name,
                "first_name": first_name,
                "patronymic": patronymic,
                "birth_date": parsed.birth_date,
                "sex": parsed.sex,
            },
        )
        if not created and not (
            _same(child.last_name, last_name)
            and _same(child.first_name, first_name)
            and (not patronymic or not child.patronymic or _same(child.patronymic, patronymic))
        ):
            raise ServiceError(
                "child_details_mismatch",
                _(
                    "These details do not match the child registered with this IIN. "
                    "Write the names as in the birth certificate."
                ),
            )
        existing = RepresentativeLink.objects.select_for_update().filter(user=user, child=child).first()
        if existing is not None and existing.state != RepresentativeLink.State.REJECTED:
            raise Conflict("link_exists", _("This child is already in your cabinet."))

        state = RepresentativeLink.State.PENDING
        if relation == RepresentativeLink.Relation.PARENT:
            parents = RepresentativeLink.objects.filter(
                child=child, relation=RepresentativeLink.Relation.PARENT, state=RepresentativeLink.State.VERIFIED
            ).count()
            if parents < MAX_PARENTS:
                state = RepresentativeLink.State.VERIFIED
        now = clock.now()
        link = existing or RepresentativeLink(user=user, child=child)
        link.relation = relation
        link.document = document
        link.state = state
        link.city = _link_city(child, user)
        link.decided_at = now if state == RepresentativeLink.State.VERIFIED else None
        link.decided_by = None
        link.decision_reason = "matching details" if state == RepresentativeLink.State.VERIFIED else ""
        link.save()
        audit_record(
            actor=user,
            action="representative_link.request",
            obj=link,
            city=link.city,
            request=request,
            data={"child": child.pk, "relation": relation, "state": state, "new_child": created},
        )
    return link
