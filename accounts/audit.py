"""The audit log writer (R-A-4): every state change records who, what, when and from where."""

from accounts.models import AuditLog
from indigo import clock


def audit_entry(
    *, actor, action: str, obj=None, city=None, request=None, data: dict | None = None, at=None
) -> AuditLog:
    """The entry, unsaved: for a writer that inserts it in the statement of its own change."""
    ip = user_agent = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR")
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    # By id: setting the relations themselves ran the ORM's checks of each related object, on every claim.
    return AuditLog(
        at=at or clock.now(),
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        city_id=city.pk if city is not None else None,
        ip=ip,
        user_agent=user_agent or "",
        data=data or {},
    )


def audit_record(*, actor, action: str, obj=None, city=None, request=None, data: dict | None = None) -> AuditLog:
    entry = audit_entry(actor=actor, action=action, obj=obj, city=city, request=request, data=data)
    entry.save(force_insert=True)
    return entry
