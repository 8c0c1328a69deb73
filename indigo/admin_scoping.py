"""City scoping for the admin console: an officer sees and edits only their own city's rows (R-A-1)."""

from django.contrib import admin


class CityScopedAdmin(admin.ModelAdmin):
    # ORM path from the model to its City, e.g. "kindergarten__city".
    city_path = "city"

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
