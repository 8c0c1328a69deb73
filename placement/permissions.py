"""DRF object permissions about children (R-A-1, R-A-2), over accounts.scoping; the generic ones
(IsParent, CanViewObject, ScopedQuerysetMixin…) are in accounts/permissions.py."""

from rest_framework.permissions import BasePermission

from accounts import scoping
from accounts.models import RepresentativeLink
from placement.models import Application, Child, Referral


def child_of(obj) -> Child | None:
    if isinstance(obj, Child):
        return obj
    if isinstance(obj, (Application, Referral, RepresentativeLink)):
        return obj.child
    return None


class CanActForChild(BasePermission):
    """Object level: the user is the verified legal representative of the object's child."""

    def has_object_permission(self, request, view, obj):
        return scoping.can_act_for_child(request.user, child_of(obj))
