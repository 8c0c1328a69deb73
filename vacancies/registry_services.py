"""The registries the department keeps: the city's kindergartens and their groups, every change audited."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from indigo.errors import Conflict, ServiceError
from vacancies.changes import change_allowed
from vacancies.models import City, District, Group, Kindergarten, Seat

KINDERGARTEN_FIELDS = (
    "number",
    "name_kk",
    "name_ru",
    "name_en",
    "district",
    "ownership",
    "address_kk",
    "address_ru",
    "phone",
    "state_order_places",
    "is_active",
)
GROUP_FIELDS = ("name", "cohort", "language", "group_type", "capacity", "is_active")
# A seat in these states belongs to its group's market; the group may not change under it.
LIVE_SEAT_STATES = (Seat.State.RELEASED, Seat.State.OPEN, Seat.State.CLAIMED)


def _registry_json(value):
    if isinstance(value, District):
        return value.pk
    return value


def kindergarten_save(
    *, city: City, values: dict, kindergarten: Kindergarten | None = None, by=None, request=None
) -> Kindergarten:
    """Add a kindergarten to the city's registry or correct one."""
    change_allowed(by, city)
    district = values.get("district")
    if district is None or district.city_id != city.pk:
        raise ServiceError("invalid_district", _("Choose one of the city's districts."))
    if values.get("ownership") == Kindergarten.Ownership.STATE and values.get("state_order_places"):
        raise ServiceError(
            "state_order_private_only", _("State-order places are bought from private kindergartens only.")
        )
    with transaction.atomic():
        if kindergarten is None:
            target, before = Kindergarten(city=city), {}
        else:
            target = Kindergarten.objects.select_for_update().get(pk=kindergarten.pk, city=city)
            before = {field: _registry_json(getattr(target, field)) for field in KINDERGARTEN_FIELDS}
        closing = target.pk and target.is_active and not values.get("is_active", True)
        if closing and Seat.objects.filter(group__kindergarten=target, state__in=LIVE_SEAT_STATES).exists():
            raise Conflict(
                "kindergarten_has_seats",
                _("This kindergarten has seats released, open or with a referral; settle them first."),
            )
        exists = Conflict("kindergarten_exists", _("The city already has a kindergarten with this name."))
        return _registry_write(target, values, KINDERGARTEN_FIELDS, before, exists, city=city, by=by, request=request)


def group_save(*, kindergarten: Kindergarten, values: dict, group: Group | None = None, by=None, request=None) -> Group:
    """Add a group or change one; its capacity never drops below the places its seats hold."""
    change_allowed(by, kindergarten.city)
    if values.get("capacity") is not None and values["capacity"] > 100:
        raise ServiceError("capacity_too_large", _("A group holds at most 100 children."))
    with transaction.atomic():
        if group is None:
            target, before = Group(kindergarten=kindergarten), {}
        else:
            # Locked as seat releases lock it, so capacity and releases cannot cross.
            target = Group.objects.select_for_update().get(pk=group.pk, kindergarten=kindergarten)
            before = {field: getattr(target, field) for field in GROUP_FIELDS}
            seats = Seat.objects.filter(group=target)
            held = seats.filter(state__in=Seat.HOLDING_STATES).count()
            if values.get("capacity", target.capacity) < held:
                raise Conflict(
                    "capacity_below_held",
                    _("%(held)s places of this group are taken or released; the capacity cannot be lower."),
                    held=held,
                )
            market_moves = any(
                field in values and values[field] != before[field] for field in ("cohort", "language", "group_type")
            )
            closing = before["is_active"] and not values.get("is_active", True)
            if (market_moves or closing) and seats.filter(state__in=LIVE_SEAT_STATES).exists():
                raise Conflict(
                    "group_has_seats",
                    _("This group has seats released, open or with a referral; settle them before changing it."),
                )
        exists = Conflict("group_exists", _("The kindergarten already has a group with this name."))
        city = kindergarten.city
        return _registry_write(target, values, GROUP_FIELDS, before, exists, city=city, by=by, request=request)


def _registry_write(target, values: dict, fields, before: dict, exists: Conflict, *, city: City, by, request):
    """Save a kindergarten or a group with the values given and audit what changed; `exists` if its name
    is taken."""
    kind = target._meta.model_name
    for field in fields:
        if field in values:
            setattr(target, field, values[field])
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise exists from None
    after = {field: _registry_json(getattr(target, field)) for field in fields}
    audit_record(
        actor=by,
        action=f"{kind}.create" if not before else f"{kind}.update",
        obj=target,
        city=city,
        request=request,
        data={
            "before": {k: v for k, v in before.items() if after.get(k) != v},
            "after": {k: v for k, v in after.items() if before.get(k) != v},
        },
    )
    return target
