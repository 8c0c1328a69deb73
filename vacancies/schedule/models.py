"""The summer recruitment schedule (R-S-3): cohort windows, per-kindergarten changes and their public log.

A rule about when seats open, so it belongs to supply (DESIGN §4). The tables keep the names they had
when these models lived in placement: the move changed the code's map, not the data.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SummerWindow(models.Model):
    """Summer recruitment dates for one cohort of one city and year (R-S-3)."""

    city = models.ForeignKey("vacancies.City", on_delete=models.PROTECT, related_name="summer_windows")
    year = models.PositiveSmallIntegerField()
    cohort = models.PositiveSmallIntegerField()
    priority_start = models.DateField()
    priority_end = models.DateField()
    general_date = models.DateField()

    class Meta:
        db_table = "placement_summerwindow"
        verbose_name = _("summer recruitment window")
        verbose_name_plural = _("summer recruitment windows")
        ordering = ["city", "year", "priority_start", "cohort"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "cohort"], name="summer_window_one_per_cohort"),
            models.CheckConstraint(
                condition=Q(priority_end__gte=models.F("priority_start"))
                & Q(general_date__gt=models.F("priority_end")),
                name="summer_window_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year} / {self.cohort}"


class SummerWindowChange(models.Model):
    """A kindergarten that recruits a cohort on other dates than the city (repairs, illness…)."""

    window = models.ForeignKey(SummerWindow, on_delete=models.CASCADE, related_name="kindergarten_changes")
    kindergarten = models.ForeignKey("vacancies.Kindergarten", on_delete=models.PROTECT, related_name="+")
    priority_start = models.DateField()
    priority_end = models.DateField()
    general_date = models.DateField()
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "placement_summerwindowchange"
        verbose_name = _("kindergarten schedule change")
        verbose_name_plural = _("kindergarten schedule changes")
        ordering = ["window", "kindergarten"]
        constraints = [
            models.UniqueConstraint(fields=["window", "kindergarten"], name="summer_change_one_per_kindergarten"),
            models.CheckConstraint(
                condition=Q(priority_end__gte=models.F("priority_start"))
                & Q(general_date__gt=models.F("priority_end")),
                name="summer_change_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window} @ {self.kindergarten}"


class ScheduleLogEntry(models.Model):
    """Public, append-only log of every schedule change (R-S-3)."""

    city = models.ForeignKey("vacancies.City", on_delete=models.PROTECT, related_name="schedule_log")
    year = models.PositiveSmallIntegerField()
    cohort = models.PositiveSmallIntegerField()
    kindergarten = models.ForeignKey(
        "vacancies.Kindergarten", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict)
    reason = models.CharField(max_length=300)

    class Meta:
        db_table = "placement_schedulelogentry"
        verbose_name = _("schedule log entry")
        verbose_name_plural = _("schedule log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.city} {self.cohort}"
