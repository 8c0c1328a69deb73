from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import AccountBlock, AuditLog, RepresentativeLink, User
from indigo.admin_scoping import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "role", "iin", "phone", "city", "is_active"]
    list_filter = ["role", "city", "is_active", "is_staff"]
    list_select_related = ["city"]
    search_fields = ["username", "=iin", "phone", "last_name"]
    filter_horizontal = ["kindergartens", "groups", "user_permissions"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Indigo", {"fields": ["role", "iin", "phone", "phone_confirmed_at", "city", "kindergartens", "language"]}),
    ]


@admin.register(RepresentativeLink)
class RepresentativeLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "child", "relation", "state", "created_at", "decided_at"]
    list_filter = ["relation", "state"]
    list_select_related = ["user", "child"]
    search_fields = ["=user__iin", "=child__iin", "user__username"]
    raw_id_fields = ["user", "child", "decided_by"]


@admin.register(AccountBlock)
class AccountBlockAdmin(admin.ModelAdmin):
    list_display = ["user", "starts_at", "ends_at", "lifted_at", "reason"]
    list_select_related = ["user"]
    search_fields = ["=user__iin", "user__username", "reason"]
    raw_id_fields = ["user", "created_by", "lifted_by"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["action", "=object_id", "actor__username", "=ip"]
    date_hierarchy = "at"
