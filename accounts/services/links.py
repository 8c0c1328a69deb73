"""Legal-representative links (R-A-2): the department's decision on a link that waits for it.

A link is requested with the child's details (placement/services/links.py: it may register the
child, which is placement's); the department verifies or rejects the ones that wait for a document.
"""

from django.db import transaction
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import RepresentativeLink, User
from accounts.scoping import can_manage_city
from indigo import clock, senders
from indigo.errors import Conflict, NotAllowed, ServiceError


def representative_link_decide(
    *, link: RepresentativeLink, verify: bool, reason: str = "", by: User, request=None
) -> RepresentativeLink:
    """The department verifies or rejects a pending link after checking the document."""
    if not can_manage_city(by, link.city_id):
        raise NotAllowed("not_your_city", _("You can decide only on your city's requests."))
    reason = (reason or "").strip()
    if not verify and not reason:
        raise ServiceError("reason_required", _("Say why the request is rejected; the parent will read it."))
    state = RepresentativeLink.State.VERIFIED if verify else RepresentativeLink.State.REJECTED
    now = clock.now()
    with transaction.atomic():
        changed = RepresentativeLink.objects.filter(pk=link.pk, state=RepresentativeLink.State.PENDING).update(
            state=state, decided_at=now, decided_by=by, decision_reason=reason[:300]
        )
        if not changed:
            raise Conflict("link_decided", _("This request has already been decided."))
        link.refresh_from_db()
        audit_record(
            actor=by,
            action="representative_link.verify" if verify else "representative_link.reject",
            obj=link,
            city=link.city,
            request=request,
            data={"child": link.child_id, "user": link.user_id, "reason": reason},
        )
        parent = link.user
        if parent.phone:
            with override(parent.language or "kk"):
                if verify:
                    text = gettext("Indigo: you are confirmed as the legal representative of %(child)s.")
                else:
                    text = gettext("Indigo: your request for %(child)s was rejected: %(reason)s")
            senders.sms_later(parent.phone, text % {"child": link.child.initials, "reason": reason})
    return link
