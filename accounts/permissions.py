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

The object-level classes that need to know another app's models live in that app: CanActForChild in
placement/permissions.py, CanManageKindergarten and CanOverseeCity in vacancies/permissions.py.

For a page: @role_required("officer") / @role_required("staff", "officer"), then the same scoping calls.
A blocked account never gets this far: the middleware and the authentication classes answer 423.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from accounts import scoping
from accounts.models import User


class IsParent(BasePermission):
    def has_permission(self, request, view):
        return scoping.is_parent(request.user)


class CanViewObject(BasePermission):
    """Object level: the object is inside what accounts.scoping lets this user see."""

    def has_object_permission(self, request, view, obj):
        return scoping.can_view(request.user, obj)


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
