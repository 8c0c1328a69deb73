"""A city, its districts and placement settings, its calendar changes and their log."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indigo.i18n import localized

_MONTH_DAY = RegexValidator(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", _("Use MM-DD, for example 08-01."))


class ClaimMode(models.TextChoices):
    FIRST_COME = "first_come", _("first come, first served")
    WINDOW = "window", _("claim window, the queue decides")


class City(models.Model):
    """A city and its placement settings; the settings are read at the moment a rule applies."""

    class WindowUnit(models.TextChoices):
        WORKING_DAYS = "working", _("working days")
        CALENDAR_DAYS = "calendar", _("calendar days")

    slug = models.SlugField(unique=True)
    code = models.CharField(max_length=3, unique=True, help_text=_("Prefix of application references, e.g. TMT."))
    name_kk = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)
    region_kk = models.CharField(max_length=100, blank=True)
    region_ru = models.CharField(max_length=100, blank=True)

    priority_window_length = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    priority_window_unit = models.CharField(max_length=10, choices=WindowUnit.choices, default=WindowUnit.WORKING_DAYS)
    priority_pool_factor = models.DecimalField(
        max_digits=4, decimal_places=2, default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # R-Q-2: one privileged applicant, then three general ones.
    interleave_privileged = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    interleave_general = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    referral_valid_working_days = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    referral_extension_max_days = models.PositiveSmallIntegerField(default=30)
    stop_list_days = models.PositiveSmallIntegerField(default=10)
    extraordinary_confirm_working_days = models.PositiveSmallIntegerField(default=5)
    # Seats released from this day until a cohort's summer window closes open on the window's dates.
    recruitment_season_start = models.CharField(max_length=5, default="05-01", validators=[_MONTH_DAY])
    august_pause_start = models.CharField(max_length=5, default="08-01", validators=[_MONTH_DAY])
    august_pause_end = models.CharField(max_length=5, default="08-31", validators=[_MONTH_DAY])
    publication_time = models.TimeField(default=dt.time(18, 0))
    block_months = models.PositiveSmallIntegerField(default=6, validators=[MinValueValidator(1)])
    sharing_signal_threshold = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(2)])
    # R-W-1: per access stage, a race (first come) or a claim window the queue decides at its close.
    priority_mode = models.CharField(max_length=10, choices=ClaimMode.choices, default=ClaimMode.FIRST_COME)
    general_mode = models.CharField(max_length=10, choices=ClaimMode.choices, default=ClaimMode.FIRST_COME)
    window_close = models.TimeField(default=dt.time(9, 0))
    window_max_groups = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name_ru"]
        constraints = [
            models.CheckConstraint(condition=Q(priority_pool_factor__gte=1), name="city_pool_factor_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    def in_august_pause(self, day: dt.date) -> bool:
        """R-S-4: during the pause groups move up a year; nothing is published or issued."""
        key = f"{day:%m-%d}"
        return self.august_pause_start <= key <= self.august_pause_end


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts")
    name_kk = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city", "name_ru"]
        constraints = [models.UniqueConstraint(fields=["city", "name_ru"], name="district_unique_name_in_city")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class CalendarOverride(models.Model):
    """A department's change to the national calendar for one city (R-CAL-1)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("extra day off")
        WORKING_DAY = "working_day", _("extra working day")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="calendar_overrides")
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["city", "day"]
        constraints = [models.UniqueConstraint(fields=["city", "day"], name="calendar_override_one_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class CitySettingsChange(models.Model):
    """One change of a city's placement settings by the department: what it was, what it became, who, when."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="settings_changes")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Only the settings that changed, as JSON scalars (numbers, "HH:MM", "MM-DD").
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("city settings change")
        verbose_name_plural = _("city settings changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.city}"
