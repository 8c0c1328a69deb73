"""City scoping for the admin console: an officer sees and edits only their own city's rows (R-A-1)."""

from django.contrib import admin


def is_city_officer(user) -> bool:
    """An officer with a city may look up that city's rows in the admin (issue 12: no dead end)."""
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == "officer" and user.city_id)


class CityScopedAdmin(admin.ModelAdmin):
    # ORM path from the model to its City, e.g. "kindergarten__city".
    city_path = "city"

    # Officers read their city's rows here without being given model permissions one by one; changes
    # stay with the console's pages (which go through the services) unless a permission is granted.
    def has_module_permission(self, request):
        return super().has_module_permission(request) or is_city_officer(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or is_city_officer(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        if getattr(user, "role", None) == "officer" and user.city_id:
            return queryset.filter(**{self.city_path: user.city_id})
        return queryset.none()


class ReadOnlyAdmin(CityScopedAdmin):
    """History rows (events, protocol entries, audit) are written by services and never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
