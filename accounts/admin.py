from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountBlock, AccountFlag, ApiToken, AuditLog, LoginSignal, RepresentativeLink, User
from accounts.services.links import representative_link_decide
from accounts.services.tokens import api_token_revoke
from indigo.admin_scoping import CityScopedAdmin, ReadOnlyAdmin, is_city_officer
from indigo.errors import ServiceError


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Officers may look up the accounts of their city; only superusers change accounts here
    (officers add staff on the department's staff page, which checks the kindergartens' city)."""

    list_display = ["username", "role", "iin", "phone", "city", "is_active"]
    list_filter = ["role", "city", "is_active", "is_staff"]
    list_select_related = ["city"]
    search_fields = ["username", "=iin", "phone", "last_name"]
    filter_horizontal = ["kindergartens", "groups", "user_permissions"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Indigo", {"fields": ["role", "iin", "phone", "phone_confirmed_at", "city", "kindergartens", "language"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        if user.role == User.Role.OFFICER and user.city_id:
            return queryset.filter(
                Q(city_id=user.city_id)
                | Q(kindergartens__city_id=user.city_id)
                | Q(child_links__child__applications__city_id=user.city_id)
            ).distinct()
        return queryset.none()

    def has_module_permission(self, request):
        return super().has_module_permission(request) or is_city_officer(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or is_city_officer(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(RepresentativeLink)
class RepresentativeLinkAdmin(ReadOnlyAdmin):
    """Decisions go through the service (audit, SMS to the parent), as on the department's page."""

    list_display = ["user", "child", "relation", "state", "city", "created_at", "decided_at"]
    list_filter = ["relation", "state"]
    list_select_related = ["user", "child", "city"]
    search_fields = ["=user__iin", "=child__iin", "user__username"]
    actions = ["verify_links"]

    @admin.action(description=_("Verify the selected pending links"))
    def verify_links(self, request, queryset):
        done = 0
        for link in queryset.filter(state=RepresentativeLink.State.PENDING):
            try:
                representative_link_decide(link=link, verify=True, by=request.user, request=request)
            except ServiceError as error:
                self.message_user(request, f"{link}: {error.detail}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)s link(s) verified.") % {"count": done})


@admin.register(AccountBlock)
class AccountBlockAdmin(ReadOnlyAdmin):
    """Blocks are made and lifted on the department's page, which cancels referrals in the same transaction."""

    list_display = ["user", "city", "starts_at", "ends_at", "lifted_at", "reason"]
    list_select_related = ["user", "city"]
    search_fields = ["=user__iin", "user__username", "reason"]


@admin.register(AccountFlag)
class AccountFlagAdmin(ReadOnlyAdmin):
    list_display = ["user", "city", "state", "networks", "devices", "threshold", "updated_at"]
    list_filter = ["state"]
    list_select_related = ["user", "city"]
    search_fields = ["=user__iin", "user__username"]


@admin.register(LoginSignal)
class LoginSignalAdmin(ReadOnlyAdmin):
    city_path = "user__city"
    list_display = ["at", "user", "ip", "network", "device", "ended_at"]
    list_select_related = ["user"]
    search_fields = ["=user__iin", "user__username", "=ip", "network"]
    date_hierarchy = "at"
    exclude = ["session_key"]


@admin.register(ApiToken)
class ApiTokenAdmin(CityScopedAdmin):
    """Tokens are issued with `manage.py issue_api_token` (the key is shown once); here they are revoked."""

    city_path = "user__city"
    list_display = ["name", "prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "key_hash"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["action", "=object_id", "actor__username", "=ip"]
    date_hierarchy = "at"
