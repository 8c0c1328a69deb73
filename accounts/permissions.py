"""DRF permission classes and page decorators over accounts.scoping (R-A-1).

For an API view:

    class ChildApplicationsApi(ScopedQuerysetMixin, generics.ListAPIView):
        queryset = Application.objects.all()           # narrowed to the user's own by the mixin
        permission_classes = [IsParent]

    class ClaimApi(APIView):
        permission_classes = [IsParent, CanActForChild]
        def post(self, request, application_id):
            application = get_object_or_404(visible_to(request.user, Application.objects), pk=application_id)
            self.check_object_permissions(request, application)   # 403 unless a verified representative

For a page: @role_required("officer") / @role_required("staff", "officer"), then the same scoping calls.
A blocked account never gets this far: the middleware and the authentication classes answer 423.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from accounts import scoping
from accounts.models import RepresentativeLink, User
from placement.models import Application, Child, Referral
from vacancies.models import Group, Kindergarten, Seat


class IsParent(BasePermission):
    def has_permission(self, request, view):
        return scoping.is_parent(request.user)


def child_of(obj) -> Child | None:
    if isinstance(obj, Child):
        return obj
    if isinstance(obj, (Application, Referral, RepresentativeLink)):
        return obj.child
    return None


def kindergarten_of(obj) -> Kindergarten | None:
    if isinstance(obj, Kindergarten):
        return obj
    if isinstance(obj, Group):
        return obj.kindergarten
    if isinstance(obj, Seat):
        return obj.group.kindergarten
    if isinstance(obj, Referral):
        return obj.seat.group.kindergarten
    return None


class CanActForChild(BasePermission):
    """Object level: the user is the verified legal representative of the object's child."""

    def has_object_permission(self, request, view, obj):
        return scoping.can_act_for_child(request.user, child_of(obj))


class CanViewObject(BasePermission):
    """Object level: the object is inside what accounts.scoping lets this user see."""

    def has_object_permission(self, request, view, obj):
        return scoping.can_view(request.user, obj)


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


class ScopedQuerysetMixin:
    """For generic DRF views: get_queryset() holds only what the user may see, so lookups 404 elsewhere."""

    def get_queryset(self):
        return scoping.visible_to(self.request.user, super().get_queryset())


def role_required(*roles: str):
    """Page decorator: sign in first, then one of the roles (administrators always pass), else 403."""
    allowed = set(roles)
    unknown = allowed - set(User.Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_active or not (scoping.is_admin(user) or user.role in allowed):
                raise PermissionDenied
            if user.role == User.Role.OFFICER and user.city_id is None:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
