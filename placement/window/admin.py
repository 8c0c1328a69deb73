"""The claim window in the operations console: read-only, since bids and runs are written by services."""

from django.contrib import admin

from indigo.admin_scoping import ReadOnlyAdmin
from placement.window.models import Bid, ClaimWindow, WindowAllocation


@admin.register(ClaimWindow)
class ClaimWindowAdmin(ReadOnlyAdmin):
    list_display = ["city", "cohort", "language", "group_type", "stage", "opens_at", "closes_at"]
    list_filter = ["stage", "language"]
    list_select_related = ["city"]
    date_hierarchy = "closes_at"


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    city_path = "window__city"
    list_display = ["application", "window", "groups", "updated_at"]
    list_select_related = ["application", "window__city"]
    search_fields = ["=application__reference"]


@admin.register(WindowAllocation)
class WindowAllocationAdmin(ReadOnlyAdmin):
    city_path = "window__city"
    list_display = ["window", "ran_at", "bids", "placed"]
    list_select_related = ["window__city"]
