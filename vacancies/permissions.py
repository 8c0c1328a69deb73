"""DRF object permissions about kindergartens (R-A-1), over accounts.scoping; the generic ones
(IsStaffMember, CanViewObject, ScopedQuerysetMixin…) are in accounts/permissions.py."""

from rest_framework.permissions import BasePermission

from accounts import scoping
from vacancies.models import Group, Kindergarten, Seat


def kindergarten_of(obj) -> Kindergarten | None:
    """The kindergarten an object belongs to: itself, a group's, a seat's, or the seat's of an object
    that holds one (a referral)."""
    if isinstance(obj, Kindergarten):
        return obj
    if isinstance(obj, Group):
        return obj.kindergarten
    seat = obj if isinstance(obj, Seat) else getattr(obj, "seat", None)
    if isinstance(seat, Seat):
        return seat.group.kindergarten
    return None


class CanManageKindergarten(BasePermission):
    """Object level: staff of the object's kindergarten (or an administrator)."""

    def has_object_permission(self, request, view, obj):
        kindergarten = kindergarten_of(obj)
        return kindergarten is not None and scoping.can_manage_kindergarten(request.user, kindergarten)


class CanOverseeCity(BasePermission):
    """Object level: an officer of the object's city (obj.city_id, or its kindergarten's) or an administrator."""

    def has_object_permission(self, request, view, obj):
        city_id = getattr(obj, "city_id", None)
        if city_id is None and (kindergarten := kindergarten_of(obj)) is not None:
            city_id = kindergarten.city_id
        return scoping.can_manage_city(request.user, city_id)
