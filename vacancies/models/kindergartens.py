"""Kindergartens and their age groups: the supply's places, before any seat is released."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indigo.choices import GroupType, Language
from indigo.i18n import localized

from .city import City, District


class Kindergarten(models.Model):
    class Ownership(models.TextChoices):
        STATE = "state", _("state")
        PRIVATE = "private", _("private")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="kindergartens")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="kindergartens")
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    ownership = models.CharField(max_length=10, choices=Ownership.choices)
    address_kk = models.CharField(max_length=300, blank=True)
    address_ru = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    # Places the state pays for in a private kindergarten (public-private partnership).
    state_order_places = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("kindergarten")
        verbose_name_plural = _("kindergartens")
        ordering = ["city", "number", "name_ru"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name_ru"], name="kindergarten_unique_name_in_city"),
        ]
        # The vacancy registry's order (vacancies.selectors.registry_seats): a city's kindergartens
        # by number, walked in index order so a page stops after its rows instead of sorting them all.
        indexes = [models.Index(fields=["city", "number", "id"], name="kindergarten_registry_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def address(self) -> str:
        return localized(self, "address")


class Group(models.Model):
    """One age group; its languages and types are what the kindergarten "offers" (no copy kept elsewhere)."""

    kindergarten = models.ForeignKey(Kindergarten, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=100)
    cohort = models.PositiveSmallIntegerField(
        help_text=_("Birth year of the children the group takes."),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    language = models.CharField(max_length=2, choices=Language.choices)
    group_type = models.CharField(max_length=20, choices=GroupType.choices, default=GroupType.GENERAL)
    capacity = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["kindergarten", "cohort", "language", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "name"], name="group_unique_name_in_kindergarten"),
            models.CheckConstraint(condition=Q(capacity__gte=0), name="group_capacity_not_negative"),
            models.CheckConstraint(condition=Q(cohort__gte=2000, cohort__lte=2100), name="group_cohort_plausible"),
        ]
        indexes = [models.Index(fields=["cohort", "language", "group_type"], name="group_market_idx")]

    def __str__(self) -> str:
        return f"{self.kindergarten} — {self.name}"
