from django.contrib import admin

from indigo.admin_scoping import CityScopedAdmin, ReadOnlyAdmin
from vacancies.models import (
    CalendarOverride,
    City,
    District,
    Group,
    Kindergarten,
    Protocol,
    ProtocolEntry,
    ScheduleLogEntry,
    Seat,
    SeatEvent,
    SummerWindow,
    SummerWindowChange,
)


@admin.register(City)
class CityAdmin(CityScopedAdmin):
    city_path = "pk"
    list_display = ["name_ru", "name_kk", "code", "priority_window_length", "priority_window_unit", "publication_time"]
    search_fields = ["name_ru", "name_kk", "slug"]
    prepopulated_fields = {"slug": ["name_ru"]}


@admin.register(District)
class DistrictAdmin(CityScopedAdmin):
    list_display = ["name_ru", "name_kk", "city"]
    list_filter = ["city"]
    list_select_related = ["city"]
    search_fields = ["name_ru", "name_kk"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(CityScopedAdmin):
    list_display = ["day", "kind", "city", "reason", "created_by"]
    list_filter = ["city", "kind"]
    list_select_related = ["city", "created_by"]
    date_hierarchy = "day"
    search_fields = ["reason"]


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0
    fields = ["name", "cohort", "language", "group_type", "capacity", "is_active"]


@admin.register(Kindergarten)
class KindergartenAdmin(CityScopedAdmin):
    list_display = ["number", "name_ru", "district", "ownership", "state_order_places", "is_active"]
    list_display_links = ["number", "name_ru"]
    list_filter = ["city", "ownership", "district", "is_active"]
    list_select_related = ["district", "city"]
    search_fields = ["name_ru", "name_kk", "address_ru", "address_kk"]
    inlines = [GroupInline]


@admin.register(Group)
class GroupAdmin(CityScopedAdmin):
    city_path = "kindergarten__city"
    list_display = ["name", "kindergarten", "cohort", "language", "group_type", "capacity", "is_active"]
    list_filter = ["cohort", "language", "group_type", "kindergarten__city"]
    list_select_related = ["kindergarten"]
    search_fields = ["name", "kindergarten__name_ru", "kindergarten__name_kk"]
    autocomplete_fields = ["kindergarten"]


class SeatEventInline(admin.TabularInline):
    model = SeatEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "reason", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    """Seats change only through the services (release, withdraw, claim…), which write their history."""

    city_path = "group__kindergarten__city"
    list_display = ["pk", "group", "state", "source", "published_at", "priority_until", "general_from"]
    list_filter = ["state", "source", "group__cohort", "group__language", "group__kindergarten__city"]
    list_select_related = ["group__kindergarten"]
    search_fields = ["=pk", "group__kindergarten__name_ru", "group__kindergarten__name_kk"]
    inlines = [SeatEventInline]


@admin.register(SeatEvent)
class SeatEventAdmin(ReadOnlyAdmin):
    city_path = "seat__group__kindergarten__city"
    list_display = ["at", "kind", "seat", "actor", "reason"]
    list_filter = ["kind"]
    list_select_related = ["seat__group__kindergarten", "actor"]
    date_hierarchy = "at"
    search_fields = ["=seat__pk", "reason"]


class ProtocolEntryInline(admin.TabularInline):
    model = ProtocolEntry
    extra = 0
    can_delete = False
    fields = ["position", "at", "kind", "seat", "payload"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Protocol)
class ProtocolAdmin(ReadOnlyAdmin):
    list_display = ["day", "city", "cutoff", "published_at", "entry_count", "sha256"]
    list_filter = ["city"]
    list_select_related = ["city"]
    date_hierarchy = "day"
    inlines = [ProtocolEntryInline]


class SummerWindowChangeInline(admin.TabularInline):
    model = SummerWindowChange
    extra = 0
    fields = ["kindergarten", "priority_start", "priority_end", "general_date", "reason", "created_at"]
    autocomplete_fields = ["kindergarten"]


@admin.register(SummerWindow)
class SummerWindowAdmin(CityScopedAdmin):
    list_display = ["year", "cohort", "priority_start", "priority_end", "general_date", "city"]
    list_filter = ["city", "year"]
    inlines = [SummerWindowChangeInline]


@admin.register(ScheduleLogEntry)
class ScheduleLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "city", "year", "cohort", "kindergarten", "reason", "actor"]
    list_filter = ["city", "year"]
    list_select_related = ["city", "kindergarten", "actor"]
    search_fields = ["reason"]
