from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from indigo.admin_scoping import CityScopedAdmin, ReadOnlyAdmin
from placement.models import (
    Application,
    Child,
    Privilege,
    PrivilegeCategory,
    PrivilegeCategoryChange,
    Referral,
)
from placement.services import privilege_category_deactivate


@admin.register(Child)
class ChildAdmin(CityScopedAdmin):
    city_path = "applications__city"
    list_display = ["iin", "last_name", "first_name", "birth_date", "sex"]
    search_fields = ["=iin", "last_name", "first_name"]
    date_hierarchy = "birth_date"

    def get_queryset(self, request):
        # A child with applications in two cities would otherwise be listed twice.
        return super().get_queryset(request).distinct()


class PrivilegeCategoryForm(forms.ModelForm):
    deactivate_reason = forms.CharField(
        label=_("Stop counting in the queue, because"),
        required=False,
        max_length=300,
        help_text=_(
            "Filled in, the category stops counting in the queue at once and for good; positions change "
            "and the next protocol publishes the reason."
        ),
    )

    class Meta:
        model = PrivilegeCategory
        fields = ["city", "code", "tier", "name_kk", "name_ru", "name_en"]


@admin.register(PrivilegeCategory)
class PrivilegeCategoryAdmin(CityScopedAdmin):
    form = PrivilegeCategoryForm
    list_display = ["code", "name_ru", "tier", "city", "is_active", "deactivated_at"]
    list_filter = ["city", "tier", "is_active"]
    search_fields = ["code", "name_ru", "name_kk"]
    readonly_fields = ["is_active", "deactivated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reason = form.cleaned_data.get("deactivate_reason")
        if reason and obj.deactivated_at is None:
            # Through the service: the dated switch-off, its public log entry and the audit.
            privilege_category_deactivate(category=obj, reason=reason, by=request.user, request=request)


@admin.register(PrivilegeCategoryChange)
class PrivilegeCategoryChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "city", "category", "active", "reason", "actor"]
    list_filter = ["city"]
    list_select_related = ["city", "category", "actor"]


class PrivilegeInline(admin.TabularInline):
    model = Privilege
    extra = 0
    fields = ["category", "evidence", "state", "expires_on", "claimed_at", "decided_at", "decided_by"]
    readonly_fields = ["claimed_at", "decided_at", "decided_by"]


@admin.register(Application)
class ApplicationAdmin(CityScopedAdmin):
    list_display = ["reference", "child", "cohort", "language", "group_type", "state", "filed_at"]
    list_filter = ["state", "cohort", "language", "group_type", "city"]
    list_select_related = ["child", "city"]
    search_fields = ["=reference", "=child__iin", "child__last_name"]
    date_hierarchy = "filed_at"
    raw_id_fields = ["child"]
    autocomplete_fields = ["preferred_kindergartens"]
    readonly_fields = ["cohort", "closed_at"]
    inlines = [PrivilegeInline]


@admin.register(Privilege)
class PrivilegeAdmin(CityScopedAdmin):
    city_path = "application__city"
    list_display = ["application", "category", "state", "expires_on", "claimed_at", "decided_at"]
    list_filter = ["state", "category__tier", "category"]
    list_select_related = ["application", "category"]
    search_fields = ["=application__reference", "evidence"]
    raw_id_fields = ["application"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    """Referrals move only through the claim, enrolment and expiry services."""

    city_path = "application__city"
    list_display = ["number", "application", "state", "issued_at", "valid_until", "extended_at"]
    list_filter = ["state"]
    list_select_related = ["application"]
    search_fields = ["=number", "=application__reference"]
    date_hierarchy = "issued_at"


from placement.window import admin as _window_admin  # noqa: E402, F401 - registers the claim window's models
